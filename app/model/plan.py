"""A recording resolved against this machine: which ffmpeg, which rectangle or window, which sound source."""

from __future__ import annotations

from dataclasses import dataclass

from app.model.ffmpeg import Capabilities, FfmpegBinary
from app.model.region import Region
from app.model.settings import CaptureSettings


@dataclass(frozen=True)
class RecordingPlan:
    """Made by app.preflight.plan; every backend and the session read it, none re-decides what it holds."""

    settings: CaptureSettings
    ffmpeg: FfmpegBinary
    capabilities: Capabilities
    region: Region | None  # None for audio only, or when the TDW window is found at start
    display: str
    audio_source: str | None
    window_id: int | None = None
    more_audio: tuple[str, ...] = ()  # further sound sources, resolved: one track each after audio_source's
    encoder_note: str = ""  # the video encoder that runs, and why ("auto" resolved), for the log and the status
    audio_offset_s: float = 0.0  # added to the sound's timestamps (app.calibration.audio_offset_s: one rule, every route)
