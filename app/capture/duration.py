"""`--duration` for recordings the scene feeds (TDW's frames, the build's own ffmpeg), which no ffmpeg -t ends.

The frame route counts frames: duration x the scene's framerate frames is a video of that length whatever the
simulation's speed. Frames stamped with the wall clock (frames + sound) count wall-clock seconds from the first
frame, as the sound does (from when the sound flowed: the first frame waits for it, and is shown from then); the
build's own file is timed by the session from its first bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class FrameLimit:
    seconds: float
    frames: int = 0  # frames taken so far
    first_time: float | None = None  # wall-clock time of the first stamped frame
    full: bool = False  # the recording has what it asked for: end it

    def count_from(self, wall: float) -> None:
        """Count stamped frames' seconds from `wall`: the first image waited there for the sound, restamped so."""
        if self.first_time is not None:
            self.first_time = wall

    def take(self, fps: float, arrived: float | None) -> bool:
        """True if this frame belongs in the recording; sets `full` once the last one has been taken."""
        if self.full:
            return False
        if arrived is not None:
            if self.first_time is None:
                self.first_time = arrived
            if arrived - self.first_time >= self.seconds:
                self.full = True
                return False
        self.frames += 1
        if arrived is None and self.frames >= max(1, math.ceil(self.seconds * fps - 1e-9)):
            self.full = True
        return True
