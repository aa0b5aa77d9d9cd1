"""Backend route: a dataset from TDW's own frames, several cameras and passes in one run (issue 17).

Each camera (avatar) gets its own ffmpeg writing NAME.<camera>.mkv, fed one multi-track Matroska stream: a track
per pass, every pass of a frame in one cluster, so all tracks of a camera share their timestamps. A frame's time is
its TDW frame number from the first recorded frame at the scene's rate, the same for every camera, so cameras line
up with each other and with NAME.frames.jsonl (one row per frame and camera, docs/frames.md). Images go from the
scene's pipe to ffmpeg in memory (no image file on disk); the files are Matroska, flushed every packet, so a crash
leaves them playable. Nothing is remuxed at the end: the files are final as they are written.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
from dataclasses import replace
from pathlib import Path
from typing import Callable

from app.capture.frame_pipe import ENCODER_NICENESS, FramePipeRecorder
from app.ffmpeg.dataset import camera_command
from app.ffmpeg.matroska import frames_cluster, tracks_header
from app.ffmpeg.process import FfmpegProcess
from app.model.dataset import FORMAT_VERSION
from app.model.encoding import Encoding
from app.model.progress import Progress
from app.output import NOFOLLOW, base_name, claim

log = logging.getLogger(__name__)


def _ignore(_progress: Progress) -> None:
    """The other cameras' progress: the first camera's is the recording's."""


class CameraPipe(FramePipeRecorder):
    """One camera's ffmpeg: clusters of its passes in, NAME.<camera>.mkv out."""

    def __init__(self, ffmpeg_path: str, output: Path, encoding: Encoding, fps: float,
                 tracks: list[tuple[str, str]], size: tuple[int, int], env: dict[str, str] | None = None) -> None:
        super().__init__(ffmpeg_path, output, encoding, fps, env=env)
        self.tracks = tracks
        self.size = size
        self._header = tracks_header([(mask, ext, *size) for mask, ext in tracks])

    def _ffmpeg(self) -> FfmpegProcess:
        self.command = camera_command(self._binary, str(self.output), self._encoding, self.tracks, self._fps)
        return FfmpegProcess(self.command, on_progress=self._progress, on_exit=self._exited, env=self._env,
                             niceness=ENCODER_NICENESS)

    def _payload(self, data: bytes, arrived: float | None) -> bytes:
        if not self._header:
            return data  # a cluster: passed on as it is (a megabyte copied for nothing cost the scene's cores)
        header, self._header = self._header, b""
        return header + data


class DatasetRecorder:
    fed_by_scene = True
    stamped = False

    def __init__(self, ffmpeg_path: str, output: Path, encoding: Encoding, fps: float,
                 env: dict[str, str] | None = None) -> None:
        self.output = output  # the reserved NAME.recording.mkv: only its name is used (NAME)
        self._binary, self._encoding, self._fps, self._env = ffmpeg_path, encoding, fps, env
        self._name = base_name(output)
        self.cameras: dict[str, CameraPipe] = {}
        self.rows_path: Path | None = None
        self._rows: int | None = None  # the frames.jsonl file descriptor
        self._first: int | None = None  # the first recorded TDW frame: time 0
        self._lock = threading.Lock()
        self._closed = False
        self._on_progress: Callable[[Progress], None] = lambda _p: None
        self._on_ended: Callable[[str | None], None] = lambda _e: None
        self._ended: set[str] = set()
        self.resized: dict[str, int] = {}  # camera -> frames left out: not at the size its file started with

    # -- the Recorder and FrameSink contracts ------------------------------------------------------
    def start(self, on_progress: Callable[[Progress], None], on_ended: Callable[[str | None], None]) -> None:
        self._on_progress, self._on_ended = on_progress, on_ended

    @property
    def fps(self) -> float:
        return self._fps

    def set_framerate(self, fps: float) -> None:
        with self._lock:
            if self._first is None:  # frames already recorded keep the rate they started with
                self._fps = fps

    @property
    def frames_in(self) -> int:
        return sum(pipe.frames_in for pipe in list(self.cameras.values()))

    def add_image(self, ext: str, data: bytes, arrived: float | None = None) -> None:
        raise TypeError("a dataset takes whole frames of a camera: add_frame(header, data)")

    def add_frame(self, head: dict, data: bytes) -> None:
        """One camera's passes of one TDW frame (app.scene.protocol.write_frame)."""
        with self._lock:
            if self._closed:
                return
            camera, frame = str(head["avatar"]), int(head["frame"])
            if self._first is None:
                self._first = frame
                self._open_rows()
            pipe = self.cameras.get(camera) or self._new_camera(camera, head)
            if (int(head["w"]), int(head["h"])) != pipe.size:  # the script set another screen size: its tracks keep theirs
                self.resized[camera] = self.resized.get(camera, 0) + 1
                if self.resized[camera] == 1:
                    log.warning("camera %s: frames at %sx%s after %sx%s are left out (one size a file)",
                                camera, head["w"], head["h"], *pipe.size)
                return
            ms = round((frame - self._first) * 1000 / self._fps)
            blocks, offset, given, view = [], 0, {}, memoryview(data)
            for mask, _ext, size in head["passes"]:
                given[mask] = view[offset:offset + size]  # no copy: frames_cluster joins them once
                offset += size
            for number, (mask, _ext) in enumerate(pipe.tracks, start=1):
                if mask in given:
                    blocks.append((number, given[mask]))
            row = {"v": FORMAT_VERSION, "frame": frame, "camera": camera, "time": ms / 1000, "wall": head.get("t"),
                   "passes": [mask for mask, _ext in pipe.tracks if mask in given], **head.get("data", {})}
            self._write_row(row)
        pipe.add_image("mkv", frames_cluster(ms, blocks), head.get("t"))

    def _new_camera(self, camera: str, head: dict) -> CameraPipe:
        path = claim(self.output.parent / f"{self._name}.{camera}.mkv")  # never an existing file (nor a link)
        tracks = [(mask, ext) for mask, ext, _size in head["passes"]]
        pipe = CameraPipe(self._binary, path, self._encoding, self._fps, tracks, (int(head["w"]), int(head["h"])),
                          env=self._env)
        pipe.start(self._progress if not self.cameras else _ignore, functools.partial(self._camera_ended, camera))
        self.cameras[camera] = pipe
        return pipe

    def _open_rows(self) -> None:
        self.rows_path = claim(self.output.parent / f"{self._name}.frames.jsonl")
        self._rows = os.open(self.rows_path, os.O_WRONLY | os.O_APPEND | NOFOLLOW)

    def _write_row(self, row: dict) -> None:
        if self._rows is not None:  # one write per line: a crash leaves whole lines
            os.write(self._rows, (json.dumps(row) + "\n").encode())

    def _progress(self, stats: Progress) -> None:
        sizes = sum(p.progress().size_bytes for p in list(self.cameras.values()))
        self._on_progress(replace(stats, size_bytes=max(sizes, stats.size_bytes)))

    def _camera_ended(self, camera: str, error: str | None) -> None:
        if error:
            self._on_ended(f"Camera {camera}: {error}")
            return
        self._ended.add(camera)
        if self._ended >= set(self.cameras):
            self._on_ended(None)

    def stop(self) -> None:
        with self._lock:
            self._closed = True
        for pipe in list(self.cameras.values()):
            pipe.stop()
        with self._lock:
            if self._rows is not None:
                os.close(self._rows)
                self._rows = None

    def progress(self) -> Progress:
        pipes = list(self.cameras.values())
        if not pipes:
            return Progress()
        first = pipes[0].progress()
        return replace(first, size_bytes=sum(p.progress().size_bytes for p in pipes))

    def mark_stalled(self, frozen_input: bool = False) -> None:
        for pipe in list(self.cameras.values()):
            pipe.mark_stalled(frozen_input)

    def pids(self) -> list[int]:
        return [pid for pipe in list(self.cameras.values()) for pid in pipe.pids()]

    def files(self) -> list[Path]:
        """What this recording wrote: each camera's file, then frames.jsonl."""
        found = [pipe.output for pipe in self.cameras.values()]
        return found + ([self.rows_path] if self.rows_path is not None else [])
