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

from app.model.progress import Progress
from app.ffmpeg.commands import frame_pipe_command
from app.model.encoding import Encoding
from app.ffmpeg.process import FfmpegProcess, describe_failure

MAX_BUFFERED_BYTES = 512 * 1024 * 1024  # beyond this the scene waits for ffmpeg (back-pressure)
# The encoder runs below the scene's priority: its frames wait in the queue, so it loses nothing by waiting, while
# a scene (the build and the script) that shares its cores slowed down with every frame it encoded.
ENCODER_NICENESS = 10


class FramePipeRecorder:
    fed_by_scene = True  # frames come from the scene: end the scene first, then ffmpeg encodes the rest
    stamped = False  # frames are timed by the framerate (TimedFramePipeRecorder: by the wall clock)

    def __init__(self, ffmpeg_path: str, output: Path, encoding: Encoding, fps: float,
                 env: dict[str, str] | None = None) -> None:
        self.output = output
        self._binary = ffmpeg_path
        self._encoding = encoding
        self._fps = fps
        self._env = env
        self._ext = "png"  # the first image's format: it picks the decoder
        self._proc: FfmpegProcess | None = None
        self._lock = threading.Condition()  # guards the queue, the byte count and `_closed`
        self._queue: collections.deque[tuple[bytes, float | None]] = collections.deque()
        self._buffered = 0
        self._closed = False
        self._writer: threading.Thread | None = None
        self._on_progress: Callable[[Progress], None] = lambda _p: None
        self._on_ended: Callable[[str | None], None] = lambda _e: None
        self.frames_in = 0
        self.command: list[str] = []

    def start(self, on_progress: Callable[[Progress], None], on_ended: Callable[[str | None], None]) -> None:
        self._on_progress, self._on_ended = on_progress, on_ended

    @property
    def fps(self) -> float:
        """The rate the frames are encoded at (the scene's own, once it has said it)."""
        return self._fps

    def set_framerate(self, fps: float) -> None:
        """The scene's own target framerate, so one video second is one second of simulation."""
        with self._lock:
            if self._writer is None:  # frames already being encoded keep the rate they started with
                self._fps = fps

    def add_image(self, ext: str, data: bytes, arrived: float | None = None) -> None:
        """Queue one frame (`arrived`: the wall-clock time it reached the controller, when known)."""
        with self._lock:
            while self._buffered and self._buffered + len(data) > MAX_BUFFERED_BYTES and not self._closed:
                self._lock.wait()
            if self._closed:
                return
            if self._writer is None:  # the first image: its format picks the decoder; ffmpeg starts on the writer
                self._ext = ext
                self._writer = threading.Thread(target=self._write_frames, name="frame-writer", daemon=True)
                self._writer.start()
            self._queue.append((data, arrived))
            self._buffered += len(data)
            self._lock.notify_all()

    def _ffmpeg(self) -> FfmpegProcess:
        """The ffmpeg that encodes the frames (not started yet)."""
        self.command = frame_pipe_command(self._binary, str(self.output), self._encoding, self._fps, self._ext)
        return FfmpegProcess(self.command, on_progress=self._progress, on_exit=self._exited, env=self._env,
                             niceness=ENCODER_NICENESS)

    def _payload(self, data: bytes, arrived: float | None) -> bytes:
        """What goes down ffmpeg's stdin for one frame: here the image file itself."""
        return data

    def _write_frames(self) -> None:
        try:
            self._proc = self._ffmpeg()
            self._proc.start()
        except OSError as exc:  # ffmpeg cannot run: drop the frames, so the scene never waits on a full queue
            with self._lock:
                self._closed, self._buffered = True, 0
                self._queue.clear()
                self._lock.notify_all()
            self._on_ended(f"ffmpeg could not start ({exc.strerror or exc}): check the ffmpeg setting.")
            return
        while True:
            with self._lock:
                while not self._queue and not self._closed:
                    self._lock.wait()
                if not self._queue:
                    return  # closed and drained
                data, arrived = self._queue.popleft()
                self._buffered -= len(data)
                self._lock.notify_all()
            if self._proc.write(self._payload(data, arrived)):
                self.frames_in += 1

    def _progress(self, stats: Progress) -> None:
        self._on_progress(stats)

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
        if self._writer is not None:  # a hung ffmpeg is then ended by finish_input()
            self._writer.join(timeout=2 if self._proc is not None and self._proc.stalled else 120)
        if self._proc is not None:
            self._proc.finish_input()

    def pause(self) -> None:
        """Nothing to end here: the session leaves out the frames rendered while paused, and as frames are timed
        by the framerate, the next one follows the last one kept (no gap, nothing frozen)."""

    def resume(self) -> None:
        """See pause()."""

    def progress(self) -> Progress:
        return self._proc.last_stats if self._proc else Progress()

    def mark_stalled(self, frozen_input: bool = False) -> None:
        """The watchdog saw ffmpeg stop making progress: stop() ends it without waiting for it to finish (at once
        when the sound server it reads is frozen)."""
        if self._proc is not None:
            self._proc.stalled = True
            self._proc.frozen_input = frozen_input

    def pids(self) -> list[int]:
        return [self._proc.pid] if self._proc and self._proc.pid else []
