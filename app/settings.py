"""The user's choices for one recording, and their validation into one-sentence problems."""

from __future__ import annotations

import dataclasses
import json
import sys
from dataclasses import dataclass, field

from app.audio.formats import audio_format_problem
from app.capture.registry import BACKENDS
from app.errors import Problem, RecorderError
from app.ffmpeg.commands import X264_PRESETS, Encoding
from app.obs.settings import ObsSettings, obs_problems
from app.output import disk_problem, expand_folder, folder_problem, name_problem
from app.scene.build_capture import argument_problem
from app.screen.region import Region, parse_region

MODES = ("video", "video-frames", "av", "audio")  # video = from the screen; video-frames = TDW's images
CONTAINERS = ("mkv", "mp4")
MAX_FPS = 240


@dataclass
class CaptureSettings:
    """Everything that defines a recording; (de)serialises to plain dicts for the GUI and batch jobs."""

    mode: str = "video"  # "video" (screen), "video-frames" (TDW's images), "av" (screen + audio), "audio"
    region: str = "screen"  # X,Y,WxH | screen | window:<id or title> | tdw (the build's window, found at start)
    fps: float = 30.0
    backend: str = "ffmpeg"  # a name from app.capture.registry.BACKENDS
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

    def validate(self, machine=None) -> list[Problem]:
        """Every problem, static and live (display, windows, ffmpeg, sound server): see app.preflight."""
        from app.preflight import validate as validate_live

        return validate_live(self, machine)

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

    def static_problems(self) -> list[Problem]:
        """Problems that need no look at the machine."""
        problems: list[Problem] = []
        if self.mode not in MODES:
            problems.append(Problem("mode", f"Capture mode {self.mode!r} is unknown: use one of {', '.join(MODES)}."))
        try:
            fps = float(self.fps)
        except (TypeError, ValueError):
            fps = -1.0
        if not 0 < fps <= MAX_FPS:
            problems.append(Problem("fps", f"Framerate {self.fps!r} is out of range: use a number above 0 and at most {MAX_FPS} (30 is usual, 60 with audio)."))
        if self.wants_screen:
            try:
                spec = parse_region(self.region)
            except RecorderError as exc:
                problems.append(Problem("region", exc.message))
            else:
                if spec.region is not None:
                    problems.extend(region_problems(spec.region, None, self))
        if self.mode == "av" and self.audio in ("", "none"):
            problems.append(Problem("audio", "Audio + video needs an audio source: pick one (e.g. --audio default)."))
        backend = BACKENDS.get(self.backend)
        if backend is None:
            problems.append(Problem("backend", f"Backend {self.backend!r} is unknown: use one of {', '.join(BACKENDS)}."))
        elif backend.unavailable():
            problems.append(Problem("backend", backend.unavailable()))
        if self.backend == "tdw-build" and (not self.scene or self.mode not in ("video", "av")):
            problems.append(Problem("backend", "The TDW build's own ffmpeg records a scene's window: choose a scene (--scene) and a video or audio + video mode."))
        if self.backend == "tdw-build" and self.platform.startswith("linux"):  # where override_args is sent
            problems.extend(self._build_argument_problems())
        problems.extend(obs_problems(self.obs, self.backend, self.mode, self.encoding.container, self.finalise))
        if self.mode == "video-frames" and self.backend != "ffmpeg":
            problems.append(Problem("backend", "Video from TDW frames is encoded by ffmpeg: choose the ffmpeg backend."))
        if self.mode == "video-frames" and self.wants_audio and not self.platform.startswith("linux"):
            problems.append(Problem("audio", "TDW frames with sound are recorded on Linux (PulseAudio) only: record audio + video from the screen (--mode av) instead."))
        if self.backend == "fmedia" and self.mode != "audio":
            problems.append(Problem("backend", "fmedia records sound only: choose audio only (--mode audio), or the ffmpeg backend."))
        if self.mode == "video-frames" and not self.scene:
            problems.append(Problem("scene", "Video from TDW frames needs a scene: choose your controller script or a demo (--scene FILE.py or demo:<name>)."))
        if self.region == "tdw" and not self.scene:
            problems.append(Problem("region", "The TDW window is only known when a scene runs: choose a scene (--scene), or pick another region."))
        if self.screen_size and not _screen_size(self.screen_size):
            problems.append(Problem("screen_size", f"Screen size {self.screen_size!r} is not WIDTHxHEIGHT with even numbers (e.g. 1280x720)."))
        if self.duration is not None and not (isinstance(self.duration, (int, float)) and self.duration > 0):
            problems.append(Problem("duration", f"Duration {self.duration!r} must be a positive number of seconds: "
                                                "use e.g. 10, or leave it out to record until stopped."))
        problems.extend(self._scene_problems())
        if self.mode == "audio" and audio_format_problem(self.audio_format):
            problems.append(Problem("audio_format", audio_format_problem(self.audio_format) or ""))
        if self.encoding.container not in CONTAINERS:
            problems.append(Problem("container", f"Container {self.encoding.container!r} is not crash-safe here: use mkv or mp4."))
        if not 0 <= int(self.encoding.crf) <= 51:
            problems.append(Problem("quality", f"Quality (crf) {self.encoding.crf} must be between 0 and 51 (18 looks lossless)."))
        if self.wants_video and self.encoding.video_codec == "libx264" and self.encoding.preset not in X264_PRESETS:
            problems.append(Problem("quality", f"Preset {self.encoding.preset!r} is unknown: use one of {', '.join(X264_PRESETS)} (veryfast is usual)."))
        message = name_problem(self.name_pattern)
        if message:
            problems.append(Problem("name", message))
        folder = expand_folder(self.output_dir)
        message = folder_problem(folder)
        if message:
            problems.append(Problem("output_dir", message))
        else:
            message = disk_problem(folder, int(self.min_free_mb) * 1024 * 1024)
            if message:
                problems.append(Problem("output_dir", message))
        return problems

    def _build_argument_problems(self) -> list[Problem]:
        """What the TDW build's ffmpeg cannot be given inside its one argument string."""
        audio = "" if self.audio in ("", "none", "default") else self.audio
        found = ((name, argument_problem(value, what)) for name, value, what in (
            ("output_dir", str(expand_folder(self.output_dir)), "the folder"), ("name", self.name_pattern, "the file name"),
            ("audio", audio, "the audio source")))
        return [Problem(name, message) for name, message in found if message]

    def _scene_problems(self) -> list[Problem]:
        """The scene's port, connect timeout and frame folder (only looked at when a scene runs)."""
        if not self.scene:
            return []
        problems = []
        if not isinstance(self.port, int) or not 0 <= self.port <= 65535:
            problems.append(Problem("port", f"Port {self.port!r} is not a port: use 1-65535 (TDW's default is 1071), or 0 for a free one."))
        if not (isinstance(self.connect_timeout, (int, float)) and self.connect_timeout > 0):
            problems.append(Problem("connect_timeout", f"Connect timeout {self.connect_timeout!r} must be a positive number of seconds (60 is usual)."))
        if self.keep_frames and self.mode == "video-frames":
            frames = expand_folder(self.keep_frames)
            if frames.exists() and not frames.is_dir():
                problems.append(Problem("keep_frames", f"Frames cannot be kept in {frames}: it is a file, not a folder. Choose a folder for them."))
            elif folder_problem(frames):
                problems.append(Problem("keep_frames", f"Frames cannot be kept in {frames}: it cannot be written. Choose another folder for them."))
        return problems


def region_problems(
    region: Region, screen: tuple[int, int] | None, settings: CaptureSettings, parity: bool = True
) -> list[Problem]:
    """Problems with a concrete rectangle: size, parity for yuv420p, and fit on the screen."""
    problems = []
    if region.width <= 0 or region.height <= 0 or region.x < 0 or region.y < 0:
        problems.append(Problem("region", f"Region {region} is empty or starts off-screen: use a positive position and size."))
        return problems
    odd = region.width % 2 or region.height % 2
    if parity and odd and settings.encoding.pixel_format == "yuv420p" and not settings.round_odd_size:
        even = region.rounded_even()
        problems.append(Problem(
            "region",
            f"Region size {region.size} is odd, which yuv420p cannot encode: use {even.size} "
            "(Round to even in the window, --round-even on the command line).",
            fixable=True,
        ))
    if screen is not None and not region.fits_in(*screen):
        problems.append(Problem(
            "region",
            f"Region {region} does not fit on the {screen[0]}x{screen[1]} display: move or shrink it.",
        ))
    return problems


def _screen_size(text: str) -> tuple[int, int] | None:
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        return None
    w, h = int(parts[0]), int(parts[1])
    return (w, h) if w > 0 and h > 0 and w % 2 == 0 and h % 2 == 0 else None


def screen_size_of(settings: CaptureSettings) -> tuple[int, int] | None:
    return _screen_size(settings.screen_size) if settings.screen_size else None
