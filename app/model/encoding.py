"""How a recording is encoded: one value object shared by the settings, ffmpeg's command builders and the window."""

from __future__ import annotations

from dataclasses import dataclass

AUTO = "auto"  # the plan picks a hardware encoder that works on this machine, else libx264 (app.ffmpeg.encoders)
SOFTWARE_ENCODERS = ("libx264", "libx265")
HARDWARE_ENCODERS = ("h264_nvenc", "hevc_nvenc", "h264_vaapi", "hevc_vaapi", "h264_qsv", "hevc_qsv", "h264_videotoolbox",
                     "hevc_videotoolbox", "h264_amf", "hevc_amf", "h264_mf", "hevc_mf")
ENCODERS = (AUTO, *SOFTWARE_ENCODERS, *HARDWARE_ENCODERS)  # what --encoder takes
X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")


@dataclass(frozen=True)
class Encoding:
    """How the live recording is encoded (the seed's recommendation: libx264, yuv420p, crf 18)."""

    video_codec: str = "libx264"  # one of ENCODERS; "auto" only in settings, the plan holds the one that runs
    preset: str = "veryfast"
    crf: int = 18
    pixel_format: str = "yuv420p"
    audio_codec: str = "aac"
    audio_bitrate: str = "192k"
    container: str = "mkv"  # crash-safe recording container: "mkv" or "mp4" (fragmented)
    lossless: bool = False  # TDW's own `_img` frames as lossless H.264 in RGB (libx264rgb, qp 0): every pixel as the build sent it
