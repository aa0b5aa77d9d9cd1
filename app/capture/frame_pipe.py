"""Backend: TDW's own per-frame images piped straight into ffmpeg (no image files on disk).

ffmpeg starts on the first image (its format, PNG or JPG, picks the decoder); each image is written to
ffmpeg's stdin as TDW sent it; the end of the scene closes stdin so ffmpeg finishes the file.
Images wait in a bounded in-memory queue fed by the scene and drained by a writer thread, so a moment of
slow encoding does not stall the simulation (a pipe alone holds less than one 720p frame).
"""

from __future__ import annotations

import collections
import threading
from pathlib import Path
from typing import Callable

from app.capture.base import CaptureProgress
from app.ffmpeg.commands import Encoding, frame_pipe_command
from app.ffmpeg.process import FfmpegProcess, describe_failure
from app.ffmpeg.progress import ProgressStats

MAX_BUFFERED_BYTES = 512 * 1024 * 1024  # beyond this the scene waits for ffmpeg (back-pressure)


class FramePipeRecorder:
    fed_by_scene = True  # frames come from the scene: end the scene first, then ffmpeg encodes the rest

    def __init__(self, ffmpeg_path: str, output: Path, encoding: Encoding, fps: float) -> None:
        self.output = output
        self._binary = ffmpeg_path
        self._encoding = encoding
        self._fps = fps
        self._proc: FfmpegProcess | None = None
        self._lock = threading.Condition()  # guards the queue, the byte count and `_closed`
        self._queue: collections.deque[bytes] = collections.deque()
        self._buffered = 0
        self._closed = False
        self._writer: threading.Thread | None = None
        self._on_progress: Callable[[CaptureProgress], None] = lambda _p: None
        self._on_ended: Callable[[str | None], None] = lambda _e: None
        self.frames_in = 0
        self.command: list[str] = []

    def start(self, on_progress: Callable[[CaptureProgress], None], on_ended: Callable[[str | None], None]) -> None:
        self._on_progress, self._on_ended = on_progress, on_ended

    def set_framerate(self, fps: float) -> None:
        """The scene's own target framerate, so one video second is one second of simulation."""
        with self._lock:
            if self._proc is None:  # frames already being encoded keep the rate they started with
                self._fps = fps

    def add_image(self, ext: str, data: bytes) -> None:
        with self._lock:
            while self._buffered and self._buffered + len(data) > MAX_BUFFERED_BYTES and not self._closed:
                self._lock.wait()
            if self._closed:
                return
            if self._proc is None:
                self.command = frame_pipe_command(self._binary, str(self.output), self._encoding, self._fps, ext)
                self._proc = FfmpegProcess(self.command, on_progress=self._progress, on_exit=self._exited)
                self._proc.start()
                self._writer = threading.Thread(target=self._write_frames, name="frame-writer", daemon=True)
                self._writer.start()
            self._queue.append(data)
            self._buffered += len(data)
            self._lock.notify_all()

    def _write_frames(self) -> None:
        assert self._proc is not None
        while True:
            with self._lock:
                while not self._queue and not self._closed:
                    self._lock.wait()
                if not self._queue:
                    return  # closed and drained
                data = self._queue.popleft()
                self._buffered -= len(data)
                self._lock.notify_all()
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
        """Write every queued frame, then end ffmpeg's input so it closes the file."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        if self._writer is not None:
            self._writer.join(timeout=120)  # a hung ffmpeg is then ended by finish_input()
        if self._proc is not None:
            self._proc.finish_input()

    def progress(self) -> CaptureProgress:
        return CaptureProgress.from_stats(self._proc.last_stats) if self._proc else CaptureProgress()

    def pids(self) -> list[int]:
        return [self._proc.pid] if self._proc and self._proc.pid else []
