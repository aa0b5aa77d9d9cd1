"""Backend "tdw-build": the TDW build's own ffmpeg writes the file; we only watch it grow.

The start and stop commands travel inside the scene (see app.scene.build_capture and the recorder add-on),
so this recorder is "fed by the scene": the session ends the scene first, which closes the build's file.
When the script changes the screen size, the scene restarts the build's capture in a next part (scaled into
the first size); this recorder joins the parts when it stops (app.ffmpeg.parts).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable

from app.capture.base import CaptureContext
from app.errors import RecorderError
from app.ffmpeg.parts import join_parts
from app.model.progress import Progress

log = logging.getLogger(__name__)


class BuildFfmpegRecorder:
    fed_by_scene = True

    def __init__(self, output: Path, ffmpeg: str = "ffmpeg", env: dict[str, str] | None = None) -> None:
        self.output = output
        self._ffmpeg = ffmpeg
        self._env = env
        self._parts: list[Path] = [output]
        self._stop = threading.Event()
        self._last = Progress()
        self._note = ""
        # set by the session once the scene runs: pause (True) or resume (False) the build's capture
        self.steer: Callable[[bool], bool] | None = None
        self._paused = False

    def pause(self) -> None:
        """The build stops its ffmpeg with the scene's next frame (its part is closed); resume starts a next part."""
        self._steer(True)
        self._paused = True

    def resume(self) -> None:
        self._steer(False)

    def _steer(self, pause: bool) -> None:
        if self.steer is None:
            raise RecorderError("The TDW build has not started its capture yet: pause once it records.")
        if not self.steer(pause):
            log.info("no frame carried the %s order yet: it applies with the scene's next frame",
                     "pause" if pause else "resume")

    def add_part(self, path: Path) -> None:
        self._parts.append(path)
        if self._paused:
            self._paused = False  # the first part after a pause is the one resume started
        else:
            self._note = "The window changed size: the build's capture goes on in its new size, scaled into the first."

    def _size(self) -> int:
        return sum(p.stat().st_size for p in list(self._parts) if p.exists())

    def start(self, on_progress: Callable[[Progress], None], on_ended: Callable[[str | None], None]) -> None:
        def watch() -> None:
            size = 0
            while not self._stop.wait(0.5 if size else 0.05):  # the first bytes release the held scene
                size = self._size()
                self._last = Progress(size_bytes=size, note=self._note)
                on_progress(self._last)

        threading.Thread(target=watch, name="build-capture-watch", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        if len(self._parts) > 1 and self.output.exists():  # the scene has ended: the build closed every part
            failure = join_parts(self._ffmpeg, self._parts, self.output, self._env)
            if failure:
                log.warning("the build's capture parts were not joined (%s); they are kept in %s",
                            failure, self._parts[1].parent)

    def progress(self) -> Progress:
        return self._last

    def pids(self) -> list[int]:
        return []  # the build's ffmpeg is the build's child and ends with it


def create(context: CaptureContext) -> BuildFfmpegRecorder:
    return BuildFfmpegRecorder(context.output, context.plan.ffmpeg.path, context.env)
