"""Which ffmpeg a recording uses and what it can do: found by app.ffmpeg.locate, probed by app.ffmpeg.capabilities."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FfmpegBinary:
    path: str
    origin: str  # "setting", "PATH" or "embedded"


@dataclass(frozen=True)
class Capabilities:
    version: str
    devices: frozenset[str]  # input devices (demuxers) such as x11grab, pulse, gdigrab
    encoders: frozenset[str]

    def can(self, name: str) -> bool:
        return name in self.devices or name in self.encoders
