"""Backend: TDW's own per-frame images piped straight into ffmpeg (no image files on disk).

ffmpeg starts on the first image (its format, PNG or JPG, picks the decoder); each image is written to
ffmpeg's stdin as TDW sent it; the end of the scene closes stdin so ffmpeg finishes the file.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from app.capture.base import CaptureProgress
from app.ffmpeg.commands import Encoding, frame_pipe_command
from app.ffmpeg.process import FfmpegProcess, describe_failure
from app.ffmpeg.progress import ProgressStats


class FramePipeRecorder:
    def __init__(self, ffmpeg_path: str, output: Path, encoding: Encoding, fps: float) -> None:
        self.output = output
        self._binary = ffmpeg_path
        self._encoding = encoding
        self._fps = fps
        self._proc: FfmpegProcess | None = None
        self._lock = threading.Lock()
        self._on_progress: Callable[[CaptureProgress], None] = lambda _p: None
        self._on_ended: Callable[[str | None], None] = lambda _e: None
        self.frames_in = 0
        self.command: list[str] = []

    def start(self, on_progress: Callable[[CaptureProgress], None], on_ended: Callable[[str | None], None]) -> None:
        self._on_progress, self._on_ended = on_progress, on_ended

    def add_image(self, ext: str, data: bytes) -> None:
        with self._lock:
            if self._proc is None:
                self.command = frame_pipe_command(self._binary, str(self.output), self._encoding, self._fps, ext)
                self._proc = FfmpegProcess(self.command, on_progress=self._progress, on_exit=self._exited)
                self._proc.start()
            if self._proc.write(data):
                self.frames_in += 1

    def _progress(self, stats: ProgressStats) -> None:
        self._on_progress(CaptureProgress.from_stats(stats))

    def _exited(self, returncode: int) -> None:
        assert self._proc is not None
        if self._proc.stop_requested:
            self._on_ended(None)
        else:
            self._on_ended(describe_failure(self._proc, returncode))

    def stop(self) -> None:
        with self._lock:
            if self._proc is not None:
                self._proc.finish_input()

    def progress(self) -> CaptureProgress:
        return CaptureProgress.from_stats(self._proc.last_stats) if self._proc else CaptureProgress()

    def pids(self) -> list[int]:
        return [self._proc.pid] if self._proc and self._proc.pid else []
