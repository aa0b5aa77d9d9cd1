"""The user's choices for one recording: a plain value object (checked by app.preflight, run by app.session)."""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from dataclasses import dataclass, field

from app.model.encoding import Encoding
from app.model.obs import ObsSettings

MODES = ("video", "video-frames", "av", "audio")  # video = from the screen; video-frames = TDW's images
CONTAINERS = ("mkv", "mp4")
# The limits of every number a recording takes: what ffmpeg and TDW accept, checked by app.preflight.fields.
MIN_FPS, MAX_FPS = 1, 240  # TDW's target framerate is a whole number (0 would be "as fast as it can"); ffmpeg is
# given the rate with 3 decimals (app.ffmpeg.commands), so 0.0001 would reach x11grab as 0 ("Invalid argument")
MIN_DURATION_S, MAX_DURATION_S = 0.1, 24 * 3600.0  # ffmpeg's -t is written with %g, which it refuses from 1e+06 s
# up ("Invalid duration specification") and below 1e-04; the window's field stops at 24 hours
MIN_CONNECT_TIMEOUT_S, MAX_CONNECT_TIMEOUT_S = 1.0, 3600.0  # a build's first start takes a minute or two; Python
# refuses waits past 2**63 ns ("timestamp out of range for platform time_t", in the scene's own process)
MAX_AUDIO_OFFSET_MS = 2000.0  # as app.calibration takes a saved one: beyond it is a broken measurement, not latency
MIN_SCREEN_SIDE, MAX_SCREEN_SIDE = 2, 16384  # libx264 opens no encoder for a wider or taller picture
MIN_CRF, MAX_CRF = 0, 51  # libx264's range at 8 bits
SOUND_MODES = ("av", "audio")  # the modes whose default framerate is TDW's advice for audio


def default_fps(mode: str) -> float:
    """The one framerate default (CLI, window, batch): 30 for video, 60 when audio is recorded (TDW's advice)."""
    return 60.0 if mode in SOUND_MODES else 30.0


@dataclass
class CaptureSettings:
    """Everything that defines a recording; (de)serialises to plain dicts for the GUI and batch jobs."""

    mode: str = "video"  # "video" (screen), "video-frames" (TDW's images), "av" (screen + audio), "audio"
    region: str = "screen"  # X,Y,WxH | screen | monitor:<number or name> | window:<id or title> | tdw (the build's window, found at start)
    fps: float = 30.0
    backend: str = "ffmpeg"  # a name from app.capture.registry
    audio: str = "none"  # none | default (what the computer plays) | a source name
    more_audio: list[str] = field(default_factory=list)  # further sources, each its own track after `audio`'s
    output_dir: str = "~/Videos/TDW Recorder"
    name_pattern: str = "tdw-%Y%m%d-%H%M%S"
    duration: float | None = None  # seconds; None records until stopped
    encoding: Encoding = field(default_factory=Encoding)
    finalise: bool = True  # remux the crash-safe recording to MP4 (+faststart) when it stops
    round_odd_size: bool = False  # shrink an odd width/height by one pixel instead of refusing
    draw_mouse: bool = True
    ffmpeg_path: str = ""  # user setting; empty = PATH, then the embedded ffmpeg
    min_free_mb: int = 500  # refuse to start with less free space than this where recordings go
    # The TDW scene to run while recording (empty: record the screen as it is)
    scene: str = ""  # a controller script path, or demo:<name>
    scene_args: list[str] = field(default_factory=list)
    build: str = ""  # the TDW build; empty = where tdw installs it (~/tdw_build/TDW/TDW.x86_64)
    port: int = 0  # 0 = a free port
    connect_timeout: float = 60.0  # seconds to wait for the build to connect
    screen_size: str = ""  # WxH sent to the build with set_screen_size; empty = the build's default
    keep_frames: str = ""  # video-frames: also save each frame here, named as TDWUtils.save_images does
    # video-frames datasets (app.model.dataset): "" = the first avatar that renders, "all", or "a,b"; pass masks
    cameras: str = ""
    passes: str = "_img"
    frame_data: str = ""  # what else each frame's row in NAME.frames.jsonl holds (docs/frames.md)
    share_mp4: bool = False  # a dataset: also NAME.<camera>.mp4 of each camera's _img (copied), to share
    audio_format: str = "flac"  # audio mode: flac | wav | m4a | opus (app.audio.formats)
    audio_offset: float | None = None  # seconds added to the audio (A/V); None = the sync-check calibration
    headless: bool = False  # run on a private Xvfb + PulseAudio (app.headless), for machines with neither
    obs: ObsSettings = field(default_factory=ObsSettings)  # OBS backends: where OBS is; its password is never serialised
    platform: str = sys.platform

    @property
    def wants_video(self) -> bool:
        return self.mode in ("video", "av", "video-frames")

    @property
    def wants_screen(self) -> bool:
        return self.mode in ("video", "av")

    @property
    def target_framerate(self) -> int:
        """What the add-on asks the build for: the recording's rate (TDW docs: 30 for video, 60 with audio)."""
        return int(round(float(self.fps)))

    @property
    def wants_audio(self) -> bool:
        return self.mode in ("av", "audio") or (self.mode in ("video", "video-frames") and self.audio not in ("", "none"))

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["obs"] = self.obs.to_dict()  # without the OBS password
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "CaptureSettings":
        """Settings saved as JSON (the window's, a batch job's). A number saved as NaN, an infinity or not a number
        at all (JSON takes `Infinity`) falls back to the field's default: no field of the window can show it."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known and not _not_a_number(cls, k, v)}
        if isinstance(values.get("encoding"), dict):
            enc_known = {f.name for f in dataclasses.fields(Encoding)}
            values["encoding"] = Encoding(**{k: v for k, v in values["encoding"].items()
                                             if k in enc_known and not _not_a_number(Encoding, k, v)})
        if isinstance(values.get("obs"), dict):
            values["obs"] = ObsSettings.from_dict(values["obs"])
        return cls(**values)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


_NUMBERS = {"fps": 0.0, "duration": None, "min_free_mb": 0, "port": 0, "connect_timeout": 0.0, "audio_offset": None,
            "crf": 0}  # fields that hold a number (None: or nothing)


def _not_a_number(kind: type, name: str, value: object) -> bool:
    """True when `name` holds a number in `kind` and `value` is not a finite one of them."""
    if name not in _NUMBERS or name not in {f.name for f in dataclasses.fields(kind)}:
        return False
    if value is None:
        return _NUMBERS[name] is not None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return True
    if isinstance(value, int):  # (even one too large for a float: preflight names it)
        return False
    return not math.isfinite(value) or (isinstance(_NUMBERS[name], int) and not value.is_integer())


def parse_screen_size(text: str) -> tuple[int, int] | None:
    """`WxH` with even numbers from 2 to 16384 (what set_screen_size, yuv420p and libx264 take), else None."""
    parts = str(text).lower().split("x")
    if len(parts) != 2 or not all(p.strip().isascii() and p.strip().isdigit() for p in parts):
        return None
    w, h = int(parts[0]), int(parts[1])
    fits = all(MIN_SCREEN_SIDE <= side <= MAX_SCREEN_SIDE and side % 2 == 0 for side in (w, h))
    return (w, h) if fits else None


def screen_size_of(settings: CaptureSettings) -> tuple[int, int] | None:
    return parse_screen_size(settings.screen_size) if settings.screen_size else None
