"""Backend "tdw-build": the TDW build's own ffmpeg writes the file; we only watch it grow.

The start and stop commands travel inside the scene (see app.scene.build_capture and the recorder add-on),
so this recorder is "fed by the scene": the session ends the scene first, which closes the build's file.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from app.capture.base import CaptureContext
from app.model.progress import Progress


class BuildFfmpegRecorder:
    fed_by_scene = True

    def __init__(self, output: Path) -> None:
        self.output = output
        self._stop = threading.Event()
        self._last = Progress()

    def start(self, on_progress: Callable[[Progress], None], on_ended: Callable[[str | None], None]) -> None:
        def watch() -> None:
            size = 0
            while not self._stop.wait(0.5 if size else 0.05):  # the first bytes release the held scene
                size = self.output.stat().st_size if self.output.exists() else 0
                self._last = Progress(size_bytes=size)
                on_progress(self._last)

        threading.Thread(target=watch, name="build-capture-watch", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def progress(self) -> Progress:
        return self._last

    def pids(self) -> list[int]:
        return []  # the build's ffmpeg is the build's child and ends with it


def create(context: CaptureContext) -> BuildFfmpegRecorder:
    return BuildFfmpegRecorder(context.output)
