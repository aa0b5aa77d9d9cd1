"""The user's choices for one recording: a plain value object (checked by app.preflight, run by app.session)."""

from __future__ import annotations

import dataclasses
import json
import sys
from dataclasses import dataclass, field

from app.model.encoding import Encoding
from app.model.obs import ObsSettings

MODES = ("video", "video-frames", "av", "audio")  # video = from the screen; video-frames = TDW's images
CONTAINERS = ("mkv", "mp4")
MAX_FPS = 240
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
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if isinstance(values.get("encoding"), dict):
            enc_known = {f.name for f in dataclasses.fields(Encoding)}
            values["encoding"] = Encoding(**{k: v for k, v in values["encoding"].items() if k in enc_known})
        if isinstance(values.get("obs"), dict):
            values["obs"] = ObsSettings.from_dict(values["obs"])
        return cls(**values)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def parse_screen_size(text: str) -> tuple[int, int] | None:
    """`WxH` with even, positive numbers (what set_screen_size and yuv420p take), else None."""
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        return None
    w, h = int(parts[0]), int(parts[1])
    return (w, h) if w > 0 and h > 0 and w % 2 == 0 and h % 2 == 0 else None


def screen_size_of(settings: CaptureSettings) -> tuple[int, int] | None:
    return parse_screen_size(settings.screen_size) if settings.screen_size else None
