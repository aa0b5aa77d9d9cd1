"""How a recording is encoded: one value object shared by the settings, ffmpeg's command builders and the window."""

from __future__ import annotations

from dataclasses import dataclass

X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")


@dataclass(frozen=True)
class Encoding:
    """How the live recording is encoded (the seed's recommendation: libx264, yuv420p, crf 18)."""

    video_codec: str = "libx264"
    preset: str = "veryfast"
    crf: int = 18
    pixel_format: str = "yuv420p"
    audio_codec: str = "aac"
    audio_bitrate: str = "192k"
    container: str = "mkv"  # crash-safe recording container: "mkv" or "mp4" (fragmented)
