"""The contract every capture backend keeps, and what it is given to start."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol, runtime_checkable

from app.model.plan import RecordingPlan
from app.model.progress import Progress
from app.model.region import Region


@dataclass(frozen=True)
class CaptureContext:
    """What a backend needs to start: the plan, where to write, and the resolved picture source."""

    plan: RecordingPlan
    output: Path  # the reserved crash-safe file; a backend that writes elsewhere reports it in `Recorder.output`
    env: dict[str, str] | None
    region: Region | None
    window_id: int | None = None
    # The frame routes, whose first image arrives once the build runs: the sound source is chosen then
    # (it may follow the build's sink), and the scene is told when ffmpeg hears.
    choose_audio: Callable[[], str] | None = None
    on_listening: Callable[[], None] | None = None


class Recorder(Protocol):
    """A running capture. start() and stop() return promptly or after a bounded wait; never block forever."""

    output: Path

    def start(self, on_progress: Callable[[Progress], None], on_ended: Callable[[str | None], None]) -> None:
        """Begin capturing. `on_ended(error)` fires once when the capture ends by itself (error=None: planned end)."""

    def stop(self) -> None:
        """End the capture gracefully and leave a playable file at `output`."""

    def progress(self) -> Progress:
        ...

    def pids(self) -> list[int]:
        """Processes this backend started (for orphan checks and emergency teardown)."""


@runtime_checkable
class FrameSink(Protocol):
    """A recorder the scene feeds with TDW's own images (the frame routes). Such a recorder is `fed_by_scene`:
    the session ends the scene first, then the recorder encodes what is left."""

    fed_by_scene: bool
    frames_in: int
    stamped: bool  # frames keep the wall-clock time they reached the controller (frames + sound)

    @property
    def fps(self) -> float:
        ...

    def set_framerate(self, fps: float) -> None:
        ...

    def add_image(self, ext: str, data: bytes, arrived: float | None = None) -> None:
        ...


@runtime_checkable
class Pausable(Protocol):
    """A recorder that can leave a stretch out of its file (its registry entry says `can_pause`). Both return once
    done, or raise a one-line RecorderError when it cannot now; the file has no gap and no frozen stretch."""

    def pause(self) -> None:
        ...

    def resume(self) -> None:
        ...
