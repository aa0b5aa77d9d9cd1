"""The one record of a recording's progress: what ffmpeg, OBS, the build or fmedia report, and what the user sees."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Progress:
    """Figures of a running capture. Keyword-only, so a status can add its own fields in front (RecordingStatus)."""

    frames: int = 0
    fps: float = 0.0
    dropped: int = 0
    duplicated: int = 0
    size_bytes: int = 0
    bitrate_kbps: float = 0.0
    out_time_s: float = 0.0  # how much media the encoder has written (ffmpeg's out_time)
    speed: float = 0.0  # ffmpeg's speed (1.0 = real time)
    audio_peak_db: float | None = None  # the newest audio peak, for a level meter (None: no audio / not yet)
    ended: bool = False  # the last block ffmpeg writes says progress=end
    note: str = ""  # what the user should know now, in one line (e.g. "the window changed size: ...")
