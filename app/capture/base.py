"""The contract every capture backend keeps, and the status it reports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

from app.ffmpeg.progress import ProgressStats


@dataclass(frozen=True)
class CaptureProgress:
    """What a backend knows of its own progress (the session adds elapsed time and state)."""

    frames: int = 0
    fps: float = 0.0
    dropped: int = 0
    duplicated: int = 0
    size_bytes: int = 0
    bitrate_kbps: float = 0.0
    audio_peak_db: float | None = None  # the newest audio peak, for a level meter (None: no audio / not yet)

    @classmethod
    def from_stats(cls, stats: ProgressStats) -> "CaptureProgress":
        """From ffmpeg's own -progress figures (every ffmpeg backend reports these)."""
        return cls(stats.frame, stats.fps, stats.dropped, stats.duplicated, stats.total_size, stats.bitrate_kbps)


class Recorder(Protocol):
    """A running capture. start() and stop() return promptly or after a bounded wait; never block forever."""

    output: Path

    def start(self, on_progress: Callable[[CaptureProgress], None], on_ended: Callable[[str | None], None]) -> None:
        """Begin capturing. `on_ended(error)` fires once when the capture ends by itself (error=None: planned end)."""

    def stop(self) -> None:
        """End the capture gracefully and leave a playable file at `output`."""

    def progress(self) -> CaptureProgress:
        ...

    def pids(self) -> list[int]:
        """Processes this backend started (for orphan checks and emergency teardown)."""
