"""One recording end to end: reserve a name -> capture -> stop -> finalise -> report.

Callers (CLI, GUI worker, tests) get frozen status snapshots through `on_status`; nothing here blocks
for longer than a bounded stop/finalise, and nothing imports Qt.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from app.capture.base import CaptureProgress
from app.capture.ffmpeg_screen import FfmpegScreenRecorder
from app.ffmpeg.commands import finalise_command
from app.ffmpeg.inspect import media_duration, media_info
from app.output import OutputPaths, expand_folder, reserve, unused
from app.preflight import RecordingPlan

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordingStatus:
    state: str  # idle, recording, stopping, finalising, done, failed
    elapsed_s: float = 0.0
    frames: int = 0
    fps: float = 0.0
    dropped: int = 0
    duplicated: int = 0
    size_bytes: int = 0
    bitrate_kbps: float = 0.0
    path: str = ""
    error: str | None = None


@dataclass(frozen=True)
class RecordingResult:
    path: Path | None  # the finished file (or the kept crash-safe one); None when nothing was recorded
    duration_s: float
    frames: int
    dropped: int
    duplicated: int
    size_bytes: int
    finalised: bool
    error: str | None = None

    def summary(self) -> str:
        if self.path is None:
            return self.error or "Nothing was recorded."
        mb = self.size_bytes / (1024 * 1024)
        text = (
            f"Saved {self.path}\n  duration {self.duration_s:.2f} s, {self.frames} frames, "
            f"{self.dropped} dropped, {self.duplicated} duplicated, {mb:.1f} MB"
        )
        return text if not self.error else f"{text}\n  {self.error}"


def _decodable(path: Path, binary: str) -> bool:
    return path.exists() and path.stat().st_size > 0 and bool(media_info(binary, str(path)).streams)


class Session:
    def __init__(
        self,
        plan: RecordingPlan,
        on_status: Callable[[RecordingStatus], None] | None = None,
        env: dict[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.plan = plan
        self._on_status = on_status or (lambda _s: None)
        self._env = env
        self._clock = clock
        self._started_at = 0.0
        self._lock = threading.Lock()
        self._status = RecordingStatus("idle")
        self._error: str | None = None
        self._stopped: RecordingResult | None = None
        self.ended = threading.Event()  # the capture ended by itself (duration reached or failure)
        self.paths: OutputPaths | None = None
        self.recorder: FfmpegScreenRecorder | None = None

    # -- status -----------------------------------------------------------------------------------
    @property
    def status(self) -> RecordingStatus:
        with self._lock:
            return self._status

    def _publish(self, **changes) -> None:
        with self._lock:
            if self._started_at and self._status.state == "recording":
                changes.setdefault("elapsed_s", self._clock() - self._started_at)
            self._status = replace(self._status, **changes)
            status = self._status
        self._on_status(status)

    def _progress(self, p: CaptureProgress) -> None:
        self._publish(
            frames=p.frames, fps=p.fps, dropped=p.dropped, duplicated=p.duplicated, size_bytes=p.size_bytes,
            bitrate_kbps=p.bitrate_kbps,
        )

    def _capture_ended(self, error: str | None) -> None:
        self._error = error
        self.ended.set()

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> RecordingStatus:
        s = self.plan.settings
        folder = expand_folder(s.output_dir)
        folder.mkdir(parents=True, exist_ok=True)
        live_ext = s.encoding.container
        self.paths = reserve(folder, s.name_pattern, live_ext, "mp4" if s.finalise else live_ext)
        self.recorder = FfmpegScreenRecorder(self.plan, self.paths.recording, env=self._env)
        self._started_at = self._clock()
        self._publish(state="recording", path=str(self.paths.recording))
        self.recorder.start(self._progress, self._capture_ended)
        return self.status

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the capture ends by itself (True) or `timeout` passes (False)."""
        return self.ended.wait(timeout)

    def stop(self) -> RecordingResult:
        """Stop (if still running), finalise, and report. Safe to call more than once."""
        if self._stopped is not None:
            return self._stopped
        assert self.recorder is not None and self.paths is not None
        elapsed = self._clock() - self._started_at
        self._publish(state="stopping", elapsed_s=elapsed)
        self.recorder.stop()
        last = self.recorder.progress()
        result = self._finish(last)
        self._stopped = result
        self._publish(state="failed" if result.error else "done", path=str(result.path or ""), error=result.error)
        return result

    def _finish(self, last: CaptureProgress) -> RecordingResult:
        assert self.paths is not None
        binary = self.plan.ffmpeg.path
        live = self.paths.recording
        if not _decodable(live, binary):
            live.unlink(missing_ok=True)  # no partial garbage: nothing playable was recorded
            return RecordingResult(None, 0.0, 0, 0, 0, 0, False, self._error or "Nothing was recorded.")
        path, finalised = live, False
        if self.plan.settings.finalise:
            self._publish(state="finalising")
            path, finalised = self._finalise(live, binary)
        elif live.name.endswith(f".recording.{live.suffix.lstrip('.')}"):
            target = unused(self.paths.final)
            os.replace(live, target)
            path = target
        if self._error:
            self._error += f" What was recorded is kept in {path.name}."
        duration = media_duration(binary, str(path)) or 0.0
        return RecordingResult(
            path, duration, last.frames, last.dropped, last.duplicated, path.stat().st_size, finalised, self._error,
        )

    def _finalise(self, live: Path, binary: str) -> tuple[Path, bool]:
        assert self.paths is not None
        target = unused(self.paths.final)
        done = subprocess.run(
            finalise_command(binary, str(live), str(target)), capture_output=True, text=True,
            stdin=subprocess.DEVNULL, timeout=600,
        )
        if done.returncode == 0 and _decodable(target, binary):
            live.unlink()
            return target, True
        log.warning("finalising %s failed: %s", live, done.stderr.strip()[-500:])
        target.unlink(missing_ok=True)
        self._error = (self._error + " " if self._error else "") + (
            f"The MP4 could not be written, so the crash-safe recording {live.name} is kept as is."
        )
        return live, False
