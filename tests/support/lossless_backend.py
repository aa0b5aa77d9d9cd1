"""An example backend in one module, as docs/architecture.md shows how to add one: the screen (a rectangle
or a window) through x11grab, losslessly (H.264 at qp 0, 4:4:4), for a figure whose pixels must survive.

A backend is a Recorder (start/stop/progress/pids) and a `create(context)`; its `BackendInfo` says what it
records. tests/capture/test_adding_a_backend.py registers it and records through the ordinary engine.
"""

from __future__ import annotations

from typing import Callable

from app.capture.base import CaptureContext
from app.ffmpeg.process import FfmpegProcess, describe_failure
from app.model.backend import BackendInfo
from app.model.progress import Progress


class LosslessScreenRecorder:
    def __init__(self, context: CaptureContext) -> None:
        s, region = context.plan.settings, context.region
        assert region is not None, "the registry entry allows screen, rect and window regions only"
        self.output = context.output
        self.command = [
            context.plan.ffmpeg.path, "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-progress", "pipe:1",
            "-f", "x11grab", "-framerate", f"{s.fps:g}", "-video_size", f"{region.width}x{region.height}",
            "-i", f"{context.plan.display}+{region.x},{region.y}",
            *(["-t", f"{s.duration:g}"] if s.duration else []),
            "-c:v", "libx264", "-qp", "0", "-preset", "ultrafast", "-pix_fmt", "yuv444p",
            "-flush_packets", "1", "-f", "matroska", str(context.output),
        ]
        self._env = context.env
        self._proc: FfmpegProcess | None = None

    def start(self, on_progress: Callable[[Progress], None], on_ended: Callable[[str | None], None]) -> None:
        def ended(returncode: int) -> None:
            assert self._proc is not None
            planned = self._proc.stop_requested or returncode == 0
            on_ended(None if planned else describe_failure(self._proc, returncode))

        self._proc = FfmpegProcess(self.command, on_progress=on_progress, on_exit=ended, env=self._env)
        self._proc.start()

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.stop()

    def progress(self) -> Progress:
        return self._proc.last_stats if self._proc else Progress()

    def pids(self) -> list[int]:
        return [self._proc.pid] if self._proc and self._proc.pid else []


def create(context: CaptureContext) -> LosslessScreenRecorder:
    return LosslessScreenRecorder(context)


INFO = BackendInfo(
    "lossless-screen", "The screen, lossless (example)", "tests.support.lossless_backend:create",
    modes=frozenset({"video"}), platforms=("linux",), region_kinds=frozenset({"screen", "rect", "window"}),
    ffmpeg_roles=("screen", "video_encoder"),
    mode_advice="The lossless screen backend records the picture only: choose video (--mode video).",
)
