"""Checks of the settings alone, before anything on the machine is looked at: each field's own rules.

Every check returns `Problem`s (one sentence with its fix, tied to the field), so the window shows each under
its field and the CLI prints each on one line. What a backend can or cannot do is in app.preflight.backends.
"""

from __future__ import annotations

import math
from typing import Callable, Iterable

from app.audio.formats import audio_format_problem
from app.errors import Problem, RecorderError
from app.model.encoding import AUTO, ENCODERS, SOFTWARE_ENCODERS, X264_PRESETS
from app.model.region import Region, parse_region
from app.model.settings import (CONTAINERS, MAX_AUDIO_OFFSET_MS, MAX_CONNECT_TIMEOUT_S, MAX_CRF, MAX_DURATION_S, MAX_FPS,
                                MAX_SCREEN_SIDE, MIN_CONNECT_TIMEOUT_S, MIN_CRF, MIN_DURATION_S, MIN_FPS, MODES,
                                CaptureSettings, parse_screen_size)
from app.output import disk_problem, expand_folder, folder_problem, name_problem

Check = Callable[[CaptureSettings], Iterable[Problem]]
NO_AUDIO = ("", "none")


def finite(value: object, text_too: bool = False) -> float | None:
    """`value` as a finite float, else None: NaN, infinities, True/False, None and (unless `text_too`) text are not
    numbers here. Every number a recording takes goes through this before its limits are compared."""
    if isinstance(value, bool) or (isinstance(value, str) and not text_too):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def shown(value: object) -> str:
    """A value as the message quotes it: 0.0001, 1e+12, nan, inf; anything else as repr."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return f"{value:g}"
        except OverflowError:  # an int too large for a float
            return "a number that large"
    return repr(value)


def whole(value: object) -> int | None:
    """`value` as an int when it is a whole finite number (18 or 18.0), else None."""
    number = finite(value)
    return int(number) if number is not None and number.is_integer() else None


def mode(s: CaptureSettings) -> Iterable[Problem]:
    if s.mode not in MODES:
        yield Problem("mode", f"Capture mode {s.mode!r} is unknown: use one of {', '.join(MODES)}.")


def fps(s: CaptureSettings) -> Iterable[Problem]:
    value = finite(s.fps, text_too=True)
    if value is None or not MIN_FPS <= value <= MAX_FPS:
        yield Problem("fps", f"Framerate {shown(s.fps)} is out of range: use a number from {MIN_FPS} to {MAX_FPS} "
                             "(30 is usual, 60 with audio).")


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
    if s.more_audio and not (s.mode == "av" and s.backend == "ffmpeg" and s.platform.startswith("linux")):
        yield Problem("audio", "Several audio sources are recorded as separate tracks with audio + video from the "
                               "screen by ffmpeg on Linux (--mode av): give one --audio here.")
    elif len(set([s.audio, *s.more_audio])) != 1 + len(s.more_audio):
        yield Problem("audio", "The same audio source is given twice: give each --audio once.")
    if s.audio_offset is not None:
        offset = finite(s.audio_offset)
        if offset is None or abs(offset) * 1000 > MAX_AUDIO_OFFSET_MS:
            ms = shown(s.audio_offset * 1000) if finite(s.audio_offset) is not None else shown(s.audio_offset)
            yield Problem("audio_offset", f"Audio offset {ms} ms is out of range: use {-MAX_AUDIO_OFFSET_MS:g} to "
                                          f"{MAX_AUDIO_OFFSET_MS:g} ms (sync-check measures it), or leave it out.")


def scene(s: CaptureSettings) -> Iterable[Problem]:
    if s.mode == "video-frames" and not s.scene:
        yield Problem("scene", "Video from TDW frames needs a scene: choose your controller script or a demo (--scene FILE.py or demo:<name>).")
    if s.region == "tdw" and not s.scene:
        yield Problem("region", "The TDW window is only known when a scene runs: choose a scene (--scene), or pick another region.")
    if s.screen_size and not parse_screen_size(s.screen_size):
        yield Problem("screen_size", f"Screen size {s.screen_size!r} is not WIDTHxHEIGHT with even numbers up to "
                                     f"{MAX_SCREEN_SIDE} (e.g. 1280x720).")


def duration(s: CaptureSettings) -> Iterable[Problem]:
    value = finite(s.duration)
    if s.duration is not None and (value is None or not MIN_DURATION_S <= value <= MAX_DURATION_S):
        yield Problem("duration", f"Duration {shown(s.duration)} s is out of range: use {MIN_DURATION_S:g} to "
                                  f"{MAX_DURATION_S:g} seconds (24 hours), or leave it out to record until stopped.")


def scene_fields(s: CaptureSettings) -> Iterable[Problem]:
    """The scene's port, connect timeout and frame folder (only looked at when a scene runs)."""
    if not s.scene:
        return
    if isinstance(s.port, bool) or not isinstance(s.port, int) or not 0 <= s.port <= 65535:
        yield Problem("port", f"Port {shown(s.port)} is not a port: use 1-65535 (TDW's default is 1071), or 0 for a free one.")
    timeout = finite(s.connect_timeout)
    if timeout is None or not MIN_CONNECT_TIMEOUT_S <= timeout <= MAX_CONNECT_TIMEOUT_S:
        yield Problem("connect_timeout", f"Connect timeout {shown(s.connect_timeout)} s is out of range: use "
                                         f"{MIN_CONNECT_TIMEOUT_S:g} to {MAX_CONNECT_TIMEOUT_S:g} seconds (60 is usual).")
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
    crf = whole(s.encoding.crf)
    if crf is None or not MIN_CRF <= crf <= MAX_CRF:
        yield Problem("quality", f"Quality (crf) {shown(s.encoding.crf)} must be a whole number between {MIN_CRF} and "
                                 f"{MAX_CRF} (18 looks lossless).")
    if s.wants_video and s.encoding.video_codec in ENCODERS and s.encoding.preset not in X264_PRESETS:
        yield Problem("quality", f"Preset {s.encoding.preset!r} is unknown: use one of {', '.join(X264_PRESETS)} (veryfast is usual).")
    if s.wants_video and s.encoding.video_codec not in ENCODERS:
        yield Problem("encoder", f"Encoder {s.encoding.video_codec!r} is unknown: use auto, libx264 or one of "
                                 f"{', '.join(e for e in ENCODERS if e not in (AUTO, *SOFTWARE_ENCODERS))}.")
    elif s.encoding.lossless and s.mode != "video-frames":
        yield Problem("encoder", "--lossless keeps TDW's own frames exactly (--mode video-frames with a scene): a screen "
                                 "capture is never the build's pixels. Leave out --lossless, or record the scene's frames.")
    elif s.encoding.lossless and (s.encoding.video_codec not in (AUTO, "libx264") or s.backend != "ffmpeg"):
        yield Problem("encoder", "--lossless encodes with libx264rgb in the ffmpeg backend: leave --encoder at libx264 "
                                 "and --backend at ffmpeg, or leave out --lossless.")
    elif s.wants_video and s.encoding.video_codec not in (AUTO, "libx264") and s.backend != "ffmpeg":
        yield Problem("encoder", f"The {s.backend} backend encodes with its own settings: choose the encoder libx264 "
                                 "(or auto), or the ffmpeg backend for a hardware encoder.")


def output(s: CaptureSettings) -> Iterable[Problem]:
    message = name_problem(s.name_pattern)
    if message:
        yield Problem("name", message)
    folder = expand_folder(s.output_dir)
    keep = whole(s.min_free_mb)
    if keep is None or keep < 0:
        yield Problem("output_dir", f"The free space to keep ({shown(s.min_free_mb)} MB) must be a whole number of MB, "
                                    "0 or more (500 is usual).")
        keep = 0
    message = folder_problem(folder) or disk_problem(folder, keep * 1024 * 1024)
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
