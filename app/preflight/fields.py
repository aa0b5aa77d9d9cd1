"""Checks of the settings alone, before anything on the machine is looked at: each field's own rules.

Every check returns `Problem`s (one sentence with its fix, tied to the field), so the window shows each under
its field and the CLI prints each on one line. What a backend can or cannot do is in app.preflight.backends.
"""

from __future__ import annotations

from typing import Callable, Iterable

from app.audio.formats import audio_format_problem
from app.errors import Problem, RecorderError
from app.model.encoding import X264_PRESETS
from app.model.region import Region, parse_region
from app.model.settings import CONTAINERS, MAX_FPS, MODES, CaptureSettings, parse_screen_size
from app.output import disk_problem, expand_folder, folder_problem, name_problem

Check = Callable[[CaptureSettings], Iterable[Problem]]
NO_AUDIO = ("", "none")


def mode(s: CaptureSettings) -> Iterable[Problem]:
    if s.mode not in MODES:
        yield Problem("mode", f"Capture mode {s.mode!r} is unknown: use one of {', '.join(MODES)}.")


def fps(s: CaptureSettings) -> Iterable[Problem]:
    try:
        value = float(s.fps)
    except (TypeError, ValueError):
        value = -1.0
    if not 0 < value <= MAX_FPS:
        yield Problem("fps", f"Framerate {s.fps!r} is out of range: use a number above 0 and at most {MAX_FPS} (30 is usual, 60 with audio).")


def region(s: CaptureSettings) -> Iterable[Problem]:
    if not s.wants_screen:
        return
    try:
        spec = parse_region(s.region)
    except RecorderError as exc:
        yield Problem("region", exc.message)
        return
    if spec.region is not None:
        yield from region_problems(spec.region, None, s)


def audio(s: CaptureSettings) -> Iterable[Problem]:
    if s.mode == "av" and s.audio in NO_AUDIO:
        yield Problem("audio", "Audio + video needs an audio source: pick one (e.g. --audio default).")
    if s.mode == "video-frames" and s.wants_audio and not s.platform.startswith("linux"):
        yield Problem("audio", "TDW frames with sound are recorded on Linux (PulseAudio) only: "
                               "record audio + video from the screen (--mode av) instead.")


def scene(s: CaptureSettings) -> Iterable[Problem]:
    if s.mode == "video-frames" and not s.scene:
        yield Problem("scene", "Video from TDW frames needs a scene: choose your controller script or a demo (--scene FILE.py or demo:<name>).")
    if s.region == "tdw" and not s.scene:
        yield Problem("region", "The TDW window is only known when a scene runs: choose a scene (--scene), or pick another region.")
    if s.screen_size and not parse_screen_size(s.screen_size):
        yield Problem("screen_size", f"Screen size {s.screen_size!r} is not WIDTHxHEIGHT with even numbers (e.g. 1280x720).")


def duration(s: CaptureSettings) -> Iterable[Problem]:
    if s.duration is not None and not (isinstance(s.duration, (int, float)) and s.duration > 0):
        yield Problem("duration", f"Duration {s.duration!r} must be a positive number of seconds: "
                                  "use e.g. 10, or leave it out to record until stopped.")


def scene_fields(s: CaptureSettings) -> Iterable[Problem]:
    """The scene's port, connect timeout and frame folder (only looked at when a scene runs)."""
    if not s.scene:
        return
    if not isinstance(s.port, int) or not 0 <= s.port <= 65535:
        yield Problem("port", f"Port {s.port!r} is not a port: use 1-65535 (TDW's default is 1071), or 0 for a free one.")
    if not (isinstance(s.connect_timeout, (int, float)) and s.connect_timeout > 0):
        yield Problem("connect_timeout", f"Connect timeout {s.connect_timeout!r} must be a positive number of seconds (60 is usual).")
    if s.keep_frames and s.mode == "video-frames":
        frames = expand_folder(s.keep_frames)
        if frames.exists() and not frames.is_dir():
            yield Problem("keep_frames", f"Frames cannot be kept in {frames}: it is a file, not a folder. Choose a folder for them.")
        elif folder_problem(frames):
            yield Problem("keep_frames", f"Frames cannot be kept in {frames}: it cannot be written. Choose another folder for them.")


def audio_format(s: CaptureSettings) -> Iterable[Problem]:
    message = audio_format_problem(s.audio_format) if s.mode == "audio" else None
    if message:
        yield Problem("audio_format", message)


def encoding(s: CaptureSettings) -> Iterable[Problem]:
    if s.encoding.container not in CONTAINERS:
        yield Problem("container", f"Container {s.encoding.container!r} is not crash-safe here: use mkv or mp4.")
    if not 0 <= int(s.encoding.crf) <= 51:
        yield Problem("quality", f"Quality (crf) {s.encoding.crf} must be between 0 and 51 (18 looks lossless).")
    if s.wants_video and s.encoding.video_codec == "libx264" and s.encoding.preset not in X264_PRESETS:
        yield Problem("quality", f"Preset {s.encoding.preset!r} is unknown: use one of {', '.join(X264_PRESETS)} (veryfast is usual).")


def output(s: CaptureSettings) -> Iterable[Problem]:
    message = name_problem(s.name_pattern)
    if message:
        yield Problem("name", message)
    folder = expand_folder(s.output_dir)
    message = folder_problem(folder) or disk_problem(folder, int(s.min_free_mb) * 1024 * 1024)
    if message:
        yield Problem("output_dir", message)


def region_problems(region: Region, screen: tuple[int, int] | None, settings: CaptureSettings,
                    parity: bool = True) -> list[Problem]:
    """Problems with a concrete rectangle: size, parity for yuv420p, and fit on the screen."""
    if region.width <= 0 or region.height <= 0 or region.x < 0 or region.y < 0:
        return [Problem("region", f"Region {region} is empty or starts off-screen: use a positive position and size.")]
    problems = []
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
        problems.append(Problem("region", f"Region {region} does not fit on the {screen[0]}x{screen[1]} display: move or shrink it."))
    return problems
