"""The options of one recording, declared once: `record`'s command line is built from them, and batch job tables
use the same names, types and defaults (app.batch.jobs), so a key means the same in both places."""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from typing import Any, Mapping

from app.audio.formats import AUDIO_FORMATS
from app.capture import registry
from app.model.encoding import ENCODERS, Encoding
from app.model.obs import DEFAULT_PORT, PASSWORD_ENV, ObsSettings
from app.model.settings import CaptureSettings, default_fps

SCENE_GROUP = "TDW scene"
OBS_GROUP = "OBS Studio (--backend obs-websocket | obs-launch)"
_DEFAULTS = CaptureSettings()


@dataclass(frozen=True)
class Option:
    dest: str  # the name in a batch job table too (with - or _)
    flags: tuple[str, ...]  # () for the scene script's own arguments (after --)
    kind: str  # text | texts (repeatable; a job table gives a list or one text) | int | float | flag | list
    default: Any
    help: str
    choices: tuple[str, ...] | None = None
    group: str = ""
    metavar: str | None = None


OPTIONS: tuple[Option, ...] = (
    Option("mode", ("--mode",), "text", "video", "video (= video-screen), video-frames (TDW's own images), av, audio (default video)",
           choices=("video", "video-screen", "video-frames", "av", "audio")),
    Option("region", ("--region",), "text", None,
           "X,Y,WxH | screen | monitor:<number or name> | window:<id or title> | tdw (default: tdw with --scene, else screen)"),
    Option("backend", ("--backend",), "text", "ffmpeg", "what records: " + ", ".join(registry.names()) + " (default ffmpeg)"),
    Option("fps", ("--fps",), "float", None, "framerate (default 30, 60 with audio)"),
    Option("audio", ("--audio",), "texts", "none",
           "none | default (what the computer plays) | a PulseAudio source; repeat it for more tracks (e.g. a microphone)"),
    Option("out", ("--out",), "text", _DEFAULTS.output_dir, f"output folder (default {_DEFAULTS.output_dir})"),
    Option("name", ("--name",), "text", _DEFAULTS.name_pattern, "file name pattern, strftime codes allowed"),
    Option("duration", ("--duration",), "float", None, "stop after this many seconds"),
    Option("crf", ("--crf",), "int", 18, "quality, 0-51, lower is better (default 18)"),
    Option("preset", ("--preset",), "text", "veryfast", "x264 preset (default veryfast); hardware encoders get its match"),
    Option("encoder", ("--encoder",), "text", "libx264",
           "video encoder: auto (a hardware one that works here, else libx264), libx264, h264_nvenc, h264_vaapi, "
           "h264_qsv, ... (default libx264; `doctor` lists what works)", choices=ENCODERS, metavar="NAME"),
    Option("container", ("--container",), "text", "mkv", "crash-safe recording container", choices=("mkv", "mp4")),
    Option("no_finalise", ("--no-finalise",), "flag", False, "keep the crash-safe file; do not remux to MP4"),
    Option("round_even", ("--round-even",), "flag", False, "shrink odd sizes by a pixel (yuv420p needs even)"),
    Option("no_mouse", ("--no-mouse",), "flag", False, "do not draw the mouse pointer"),
    Option("ffmpeg", ("--ffmpeg",), "text", "", "path of the ffmpeg to use (default: PATH, then embedded)"),
    Option("audio_format", ("--audio-format",), "text", _DEFAULTS.audio_format,
           f"audio mode: the file written (default {_DEFAULTS.audio_format})", choices=tuple(AUDIO_FORMATS)),
    Option("audio_offset", ("--audio-offset",), "float", None,
           "shift the sound by MS milliseconds (negative = earlier; default: the sync-check calibration)", metavar="MS"),
    Option("headless", ("--headless",), "flag", False,
           "Linux with no display or sound server: use a private Xvfb + PulseAudio (--screen-size sizes it)"),
    Option("scene", ("--scene",), "text", "", "your controller script (run unmodified) or demo:<name>", group=SCENE_GROUP),
    Option("build", ("--build",), "text", "", "the TDW build (default: where tdw installs it)", group=SCENE_GROUP),
    Option("port", ("--port",), "int", 0, "the build's port (default: a free one)", group=SCENE_GROUP),
    Option("screen_size", ("--screen-size",), "text", "", "WxH sent to the build with set_screen_size", group=SCENE_GROUP),
    Option("keep_frames", ("--keep-frames",), "text", "", "video-frames: also save each frame in this folder", group=SCENE_GROUP),
    Option("cameras", ("--cameras",), "text", "", "video-frames: the avatars to record, a,b or all (default: the first)",
           group=SCENE_GROUP),
    Option("passes", ("--passes",), "text", "_img", "video-frames: TDW passes, e.g. _img,_id,_depth (default _img)",
           group=SCENE_GROUP),
    Option("frame_data", ("--frame-data",), "text", "", "video-frames: camera,avatars,objects,collisions per frame",
           group=SCENE_GROUP),
    Option("lossless", ("--lossless",), "flag", False,
           "video-frames: _img as lossless H.264 in RGB, every pixel as the build sent it (large files)", group=SCENE_GROUP),
    Option("mp4", ("--mp4",), "flag", False,
           "datasets: also NAME.<camera>.mp4, each camera's _img copied (not re-encoded), to share", group=SCENE_GROUP),
    Option("connect_timeout", ("--connect-timeout",), "float", 60.0, "seconds to wait for the build", group=SCENE_GROUP),
    Option("scene_args", (), "list", [], "arguments for the scene script (after --)", group=SCENE_GROUP),
    Option("obs_host", ("--obs-host",), "text", "localhost", "where OBS runs (obs-websocket; default localhost)", group=OBS_GROUP),
    Option("obs_port", ("--obs-port",), "int", DEFAULT_PORT, f"its WebSocket port (default {DEFAULT_PORT})", group=OBS_GROUP),
    Option("obs_password_file", ("--obs-password-file",), "text", "",
           f"file holding the WebSocket password, chmod 600 (else ${PASSWORD_ENV})", group=OBS_GROUP),
    Option("obs_profile", ("--obs-profile",), "text", "",
           "OBS profile to use (obs-launch default: a private one made for the recording)", group=OBS_GROUP),
    Option("obs_collection", ("--obs-collection",), "text", "", "OBS scene collection to use", group=OBS_GROUP),
    Option("obs_scene", ("--obs-scene",), "text", "", "OBS scene to record", group=OBS_GROUP),
)
BY_DEST = {o.dest: o for o in OPTIONS}


def number_arg(text: str) -> float:
    """argparse type: a finite number, or one line that says the text is not one (nan, inf and 1e400 are not:
    each option's own limits are checked with the settings, app.preflight.fields)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number")
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def add_record_arguments(parser: argparse.ArgumentParser) -> None:
    """`record`'s options, in groups, as OPTIONS declares them."""
    groups: dict[str, Any] = {"": parser}
    for option in OPTIONS:
        target = groups.get(option.group) or groups.setdefault(option.group, parser.add_argument_group(option.group))
        extra: dict[str, Any] = {"help": option.help}
        if option.kind == "flag":
            extra["action"] = "store_true"
        elif option.kind == "texts":  # each --audio adds one; none given: the table's default (settings_from_options)
            extra.update(action="append", default=None)
        elif option.kind == "list":
            target.add_argument(option.dest, nargs="*", **extra)
            continue
        else:
            extra["default"] = option.default
            if option.kind in ("int", "float"):
                extra["type"] = int if option.kind == "int" else number_arg
            if option.choices:
                extra["choices"] = list(option.choices)
            if option.metavar:
                extra["metavar"] = option.metavar
        target.add_argument(*option.flags, dest=option.dest, **extra)


def defaults() -> dict[str, Any]:
    return {o.dest: (list(o.default) if isinstance(o.default, list) else o.default) for o in OPTIONS}


def convert(option: Option, value: Any) -> Any:
    """A value from a jobs file (TOML/JSON types) as the option takes it; ValueError says what is wrong."""
    if option.kind == "flag":
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false, not {value!r}")
        return value
    if option.kind == "texts":
        if isinstance(value, str):
            return value
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return list(value)
        raise ValueError(f"must be text or a list of texts, not {value!r}")
    if option.kind == "list":
        if isinstance(value, str):
            import shlex

            return shlex.split(value)
        if isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
            return [str(v) for v in value]
        raise ValueError("must be a list of arguments, e.g. [\"60\", \"--fast\"]")
    if option.kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"must be a number, not {value!r}")
        whole = option.kind == "int"
        if whole and isinstance(value, float) and not value.is_integer():
            raise ValueError(f"must be a whole number, not {value!r}")
        try:
            value = int(value) if whole else float(value)
        except (TypeError, ValueError):
            raise ValueError(f"must be a {'whole ' if whole else ''}number, not {value!r}") from None
    elif not isinstance(value, str):
        raise ValueError(f"must be text, not {value!r}")
    if option.choices is not None and value not in option.choices:
        raise ValueError(f"is {value!r}: use one of {', '.join(map(str, option.choices))}")
    return value


def settings_from_options(values: Mapping[str, Any]) -> CaptureSettings:
    """Options (parsed from the command line, or a job table over `defaults()`) -> CaptureSettings."""
    v = values
    mode = "video" if v["mode"] == "video-screen" else v["mode"]
    given = v["audio"] if isinstance(v["audio"], list) else [v["audio"] if v["audio"] is not None else "none"]
    audio, more_audio = given[0], [a for a in given[1:] if a not in ("", "none")]
    region = v["region"] or ("tdw" if v["scene"] else "screen")
    if mode == "video" and audio not in ("", "none"):
        mode = "av"  # asking for audio with video means audio + video
    if mode in ("av", "audio") and audio in ("", "none"):
        audio = "default"
    fps = v["fps"] if v["fps"] is not None else default_fps(mode)
    return CaptureSettings(
        mode=mode, region=region, fps=fps, backend=v["backend"], audio=audio, output_dir=v["out"], name_pattern=v["name"],
        duration=v["duration"], finalise=not v["no_finalise"], round_odd_size=v["round_even"],
        draw_mouse=not v["no_mouse"], ffmpeg_path=v["ffmpeg"],
        encoding=Encoding(video_codec=v["encoder"], preset=v["preset"], crf=v["crf"], container=v["container"],
                          lossless=v["lossless"]),
        more_audio=more_audio,
        scene=v["scene"], scene_args=list(v["scene_args"]), build=v["build"], port=v["port"],
        screen_size=v["screen_size"], keep_frames=v["keep_frames"], cameras=v["cameras"], passes=v["passes"],
        frame_data=v["frame_data"], share_mp4=v["mp4"], connect_timeout=v["connect_timeout"],
        obs=ObsSettings(host=v["obs_host"], port=v["obs_port"], password_file=v["obs_password_file"],
                        profile=v["obs_profile"], collection=v["obs_collection"], scene=v["obs_scene"]),
        audio_format=v["audio_format"], headless=v["headless"],
        audio_offset=v["audio_offset"] / 1000.0 if v["audio_offset"] is not None else None,
    )
