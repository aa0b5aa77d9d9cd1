"""What a recording reports while it runs (RecordingStatus) and when it is over (RecordingResult)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.model.progress import Progress


@dataclass(frozen=True)
class RecordingStatus(Progress):
    """A snapshot for the window, the CLI's status line and batch workers: the capture's progress plus its state."""

    state: str  # idle, recording, paused, stopping, finalising, done, failed
    elapsed_s: float = 0.0  # wall-clock seconds since the start, paused stretches included
    paused_s: float = 0.0  # of which paused (left out of the file)
    audio_source: str = ""  # the sound source recorded, once chosen
    encoder: str = ""  # the video encoder that runs, and why ("Encoder: libx264 (auto: ...)."), "" without one
    path: str = ""
    error: str | None = None
    finishing_pct: int | None = None  # finalising: how far the remux to the final file has got (0..100)

    @property
    def paused(self) -> bool:
        return self.state == "paused"

    @property
    def recorded_s(self) -> float:
        """Seconds that went into the file so far (elapsed minus paused)."""
        return max(self.elapsed_s - self.paused_s, 0.0)


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
    audio: str = ""  # where the sound came from, in one line ("" without sound)
    more: tuple[Path, ...] = ()  # a dataset's other files (cameras, NAME.frames.jsonl); the size counts them all

    def summary(self) -> str:
        if self.path is None:
            return self.error or "Nothing was recorded."
        mb = self.size_bytes / (1024 * 1024)
        text = (
            f"Saved {self.path}\n  duration {self.duration_s:.2f} s, {self.frames} frames, "
            f"{self.dropped} dropped, {self.duplicated} duplicated, {mb:.1f} MB"
        )
        text = "\n".join([text, *(f"Saved {path}" for path in self.more)])
        text = f"{text}\n  {self.audio}" if self.audio else text
        return text if not self.error else f"{text}\n  {self.error}"


def nothing_recorded(stopped_by_user: bool, dataset: bool) -> str:
    """Why a frame-route recording holds no frame: a stop that came too early is not a scene without a camera."""
    if stopped_by_user:
        return "Stopped before the scene sent its first image: nothing was recorded."
    if dataset:
        return ("The scene sent no images of the chosen cameras and passes: check --cameras (the avatar ids your "
                "script creates) and --passes.")
    return "The scene sent no images: give it a camera (avatar), or record the screen (video mode) instead."
