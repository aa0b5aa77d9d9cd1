"""OBS Studio's config files for a TDW recording: a profile, a scene collection, and global.ini.

Pure builders (text in, text out) plus `write_config`, which lays them out the way OBS reads them:
`<root>/global.ini`, `<root>/basic/profiles/<dir>/basic.ini` (+ `recordEncoder.json`) and
`<root>/basic/scenes/<file>.json`, where root is OBS's own config folder (`obs-studio`). Files that hold
the websocket password are written readable by the user alone.
"""

from __future__ import annotations

import configparser
import io
import json
import math
import os
import secrets
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from app.errors import RecorderError
from app.model.region import Region
from app.model.settings import MAX_FPS, MIN_FPS

PROFILE = "TDW Recorder"
COLLECTION = "TDW Recorder"
SCENE = "TDW Recorder"
SCREEN_SOURCE = "TDW Recorder screen"  # the cropped xshm_input the websocket backend may re-aim


@dataclass(frozen=True)
class Crop:
    """Pixels cut off each side of the screen so that only the region is left (xshm_input's cut_*)."""

    left: int
    top: int
    right: int
    bottom: int

    @classmethod
    def of(cls, region: Region, screen: tuple[int, int]) -> "Crop":
        width, height = screen
        return cls(region.x, region.y, max(width - region.x - region.width, 0),
                   max(height - region.y - region.height, 0))

    def settings(self) -> dict[str, int]:
        return {"cut_left": self.left, "cut_top": self.top, "cut_right": self.right, "cut_bot": self.bottom}


@dataclass(frozen=True)
class RecordingSetup:
    """What one OBS profile + scene collection records: where, under which name, what, how."""

    folder: Path
    file_name: str  # OBS's FilenameFormatting, without extension (OBS adds .mkv)
    width: int  # canvas = output size: OBS never scales (scaling in software GL drops most frames)
    height: int
    fps: float
    crop: Crop | None = None  # None: the whole screen
    audio_source: str | None = None  # a PulseAudio source; `<sink>.monitor` is "desktop audio"
    crf: int = 18
    preset: str = "veryfast"
    profile: str = PROFILE
    collection: str = COLLECTION
    scene: str = SCENE
    name_is_format: bool = False  # file_name holds OBS date codes (%CCYY...) rather than a literal name
    show_cursor: bool = True

    def __post_init__(self) -> None:
        """OBS's framerate is an integer or a fraction (FPSNum/FPSDen, see _fps): from 1 to 240, as every
        recording's (app.model.settings); `obs-setup --fps inf` is refused here, in one line."""
        if isinstance(self.fps, bool) or not isinstance(self.fps, (int, float)) or not math.isfinite(self.fps) \
                or not MIN_FPS <= self.fps <= MAX_FPS:
            raise RecorderError(f"The framerate {self.fps!r} is out of range: use a number from {MIN_FPS} to {MAX_FPS} "
                                "(30 is usual, 60 with audio).")


@dataclass(frozen=True)
class Websocket:
    port: int
    password: str
    enabled: bool = True

    def __repr__(self) -> str:  # the password never reaches a log line
        return f"Websocket(port={self.port}, enabled={self.enabled}, password=***)"


def file_name_format(name: str) -> str:
    """A literal file name as OBS's FilenameFormatting (where % starts a date code)."""
    return name.replace("%", "%%")


def dir_name(name: str) -> str:
    """The folder/file name OBS derives from a profile or collection name."""
    return "".join(c if c.isalnum() or c in "-._" else "_" for c in name)


def _ini(sections: dict[str, dict[str, object]]) -> str:
    lines: list[str] = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            lines.append(f"{key}={text}")
        lines.append("")
    return "\n".join(lines)


def _fps(fps: float) -> dict[str, object]:
    if float(fps).is_integer():
        return {"FPSType": 1, "FPSInt": int(fps), "FPSCommon": int(fps)}
    return {"FPSType": 2, "FPSNum": int(round(fps * 1000)), "FPSDen": 1000}


def profile_ini(setup: RecordingSetup) -> str:
    """basic.ini: canvas = output = region size, advanced output to MKV with our own x264 settings."""
    folder = str(setup.folder)
    return _ini({
        "General": {"Name": setup.profile},
        "Video": {"BaseCX": setup.width, "BaseCY": setup.height, "OutputCX": setup.width, "OutputCY": setup.height,
                  "ScaleType": "bicubic", "ColorFormat": "NV12", **_fps(setup.fps)},
        "Audio": {"SampleRate": 48000, "ChannelSetup": "Stereo"},
        "Output": {"Mode": "Advanced", "FilenameFormatting": setup.file_name if setup.name_is_format else file_name_format(setup.file_name),
                   "OverwriteIfExists": False, "DelayEnable": False, "Reconnect": False},
        "SimpleOutput": {"FilePath": folder, "RecFormat": "mkv", "RecFormat2": "mkv", "RecQuality": "Stream",
                         "RecEncoder": "x264", "Preset": setup.preset, "VBitrate": 6000, "ABitrate": 160,
                         "RecRB": False},
        "AdvOut": {"RecType": "Standard", "RecFilePath": folder, "RecFormat": "mkv", "RecFormat2": "mkv",
                   "RecEncoder": "obs_x264", "RecTracks": 1, "RecUseRescale": False, "Encoder": "obs_x264",
                   "RecSplitFile": False},
    })


def record_encoder_json(setup: RecordingSetup) -> str:
    """recordEncoder.json: x264 at the user's crf/preset, a keyframe a second (a killed file plays on)."""
    return json.dumps({"rate_control": "CRF", "crf": int(setup.crf), "preset": setup.preset, "keyint_sec": 1,
                       "profile": "high", "tune": ""}, indent=2)


def _item(name: str) -> dict:
    return {
        "name": name, "id": 1, "visible": True, "locked": True, "rot": 0.0, "pos": {"x": 0.0, "y": 0.0},
        "scale": {"x": 1.0, "y": 1.0}, "align": 5, "bounds_type": 0, "bounds_align": 0,
        "bounds": {"x": 0.0, "y": 0.0}, "crop_left": 0, "crop_top": 0, "crop_right": 0, "crop_bottom": 0,
        "group_item_backup": False, "scale_filter": "disable", "blend_type": "normal", "private_settings": {},
    }


def _source(kind: str, name: str, settings: dict, mixers: int = 0) -> dict:
    return {"id": kind, "versioned_id": kind, "name": name, "settings": settings, "enabled": True, "flags": 0,
            "mixers": mixers, "muted": False, "volume": 1.0, "balance": 0.5, "sync": 0, "monitoring_type": 0,
            "hotkeys": {}, "private_settings": {}, "filters": []}


def collection_json(setup: RecordingSetup) -> str:
    """One scene holding one screen capture (xshm_input, cropped to the region), plus the audio device."""
    screen = {"screen": 0, "show_cursor": setup.show_cursor, "advanced": False,
              **(setup.crop or Crop(0, 0, 0, 0)).settings()}
    scene = _source("scene", setup.scene, {"id_counter": 1, "custom_size": False, "items": [_item(SCREEN_SOURCE)]})
    data: dict = {
        "name": setup.collection, "current_scene": setup.scene, "current_program_scene": setup.scene,
        "scene_order": [{"name": setup.scene}], "sources": [_source("xshm_input", SCREEN_SOURCE, screen), scene],
        "groups": [], "transitions": [], "current_transition": "Fade", "transition_duration": 300,
        "preview_locked": False, "quick_transitions": [], "saved_projectors": [], "modules": {},
    }
    if setup.audio_source:
        desktop = setup.audio_source.endswith(".monitor") or setup.audio_source == "default"
        kind = "pulse_output_capture" if desktop else "pulse_input_capture"
        key = "DesktopAudioDevice1" if desktop else "AuxAudioDevice1"
        data[key] = _source(kind, "Desktop Audio" if desktop else "Mic/Aux", {"device_id": setup.audio_source}, 0xFF)
    return json.dumps(data, indent=2)


def global_ini(profile: str, collection: str, websocket: Websocket | None) -> str:
    """global.ini for a private OBS: no wizard, no preview, no prompts; websocket on our port and password."""
    sections: dict[str, dict[str, object]] = {
        "General": {"Pre19Defaults": False, "Pre21Defaults": False, "Pre23Defaults": False,
                    "Pre24.1Defaults": False, "FirstRun": True, "EnableAutoUpdates": False},
        "Basic": {"Profile": profile, "ProfileDir": dir_name(profile), "SceneCollection": collection,
                  "SceneCollectionFile": dir_name(collection)},
        "BasicWindow": {"PreviewEnabled": False, "SysTrayEnabled": True, "SysTrayWhenStarted": True,
                        "SysTrayMinimizeToTray": True, "WarnBeforeStartingRecord": False,
                        "WarnBeforeStoppingRecord": False, "ShowTransitions": False, "gridMode": False},
    }
    if websocket is not None:
        sections["OBSWebSocket"] = {"FirstLoad": False, "ServerEnabled": websocket.enabled,
                                    "ServerPort": websocket.port, "AlertsEnabled": False, "AuthRequired": True,
                                    "ServerPassword": websocket.password}
    return _ini(sections)


def websocket_json(websocket: Websocket) -> str:
    """The same websocket settings for OBS 30+ (plugin_config/obs-websocket/config.json)."""
    return json.dumps({"first_load": False, "server_enabled": websocket.enabled, "server_port": websocket.port,
                       "alerts_enabled": False, "auth_required": True, "server_password": websocket.password})


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (created so, never widened even for a moment). Bytes read_ini kept
    as they were (not UTF-8) go back as the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def read_ini(path: Path) -> configparser.ConfigParser:
    """One of OBS's ini files (global.ini) as OBS writes it: UTF-8, maybe after a byte-order mark, keys
    case-sensitive; empty when there is none. A byte that is not UTF-8 is kept as it is (surrogateescape: `ini_text`
    and `write_private` give the same byte back). What configparser cannot read (a setting before the first
    [section], a line without `=`) is refused in one line naming the file and the line: we never rewrite a file
    we did not understand."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # OBS keys are case-sensitive
    try:
        text = path.read_bytes().decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    except FileNotFoundError:
        return parser
    except OSError as exc:
        raise RecorderError(f"OBS's {path} cannot be read ({exc.strerror or exc}): fix its permissions.") from None
    fix = "fix or remove that line (or move the file away: OBS writes a new one), then try again"
    try:
        parser.read_string(text, source=str(path))
    except configparser.MissingSectionHeaderError as exc:
        raise RecorderError(f"OBS's {path} has a setting before its first [section] header (line {exc.lineno}): "
                            f"{fix}.") from None
    except configparser.ParsingError as exc:
        line = exc.errors[0][0] if exc.errors else "?"
        raise RecorderError(f"OBS's {path} has a line that is not `key=value` (line {line}): {fix}.") from None
    except configparser.Error as exc:
        raise RecorderError(f"OBS's {path} cannot be read ({exc.message.splitlines()[0]}): {fix}.") from None
    return parser


def ini_text(parser: configparser.ConfigParser) -> str:
    """An ini as OBS writes it (no spaces around `=`)."""
    text = io.StringIO()
    parser.write(text, space_around_delimiters=False)
    return text.getvalue()


def read_json(path: Path) -> dict:
    """One of OBS's JSON settings files (the websocket's config.json); {} when there is none. One that is not UTF-8
    JSON holding an object is refused in one line (never rewritten half-understood)."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise RecorderError(f"OBS's {path} cannot be read ({exc.strerror or exc}): fix its permissions.") from None
    except UnicodeDecodeError as exc:
        raise RecorderError(f"OBS's {path} is not UTF-8 (byte {exc.start}): move it away, OBS writes a new one.") from None
    except (ValueError, RecursionError) as exc:
        where = f"line {exc.lineno}: {exc.msg}" if isinstance(exc, json.JSONDecodeError) else str(exc).split(";")[0]
        raise RecorderError(f"OBS's {path} is not valid JSON ({where}): fix it, or move it away (OBS writes a new one).") from None
    if not isinstance(data, dict):
        raise RecorderError(f"OBS's {path} does not hold a JSON object: move it away (OBS writes a new one).")
    return data


def write_profile_and_collection(root: Path, setup: RecordingSetup) -> tuple[Path, Path]:
    profile_dir = root / "basic" / "profiles" / dir_name(setup.profile)
    profile_dir.mkdir(parents=True, exist_ok=True)
    (profile_dir / "basic.ini").write_text(profile_ini(setup), encoding="utf-8")
    (profile_dir / "recordEncoder.json").write_text(record_encoder_json(setup), encoding="utf-8")
    scenes = root / "basic" / "scenes"
    scenes.mkdir(parents=True, exist_ok=True)
    collection = scenes / f"{dir_name(setup.collection)}.json"
    collection.write_text(collection_json(setup), encoding="utf-8")
    return profile_dir / "basic.ini", collection


def write_config(root: Path, setup: RecordingSetup, websocket: Websocket | None) -> None:
    """A whole private OBS config folder (`root` = what OBS calls obs-studio) for one recording."""
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    write_profile_and_collection(root, setup)
    write_private(root / "global.ini", global_ini(setup.profile, setup.collection, websocket))
    if websocket is not None:
        write_private(root / "plugin_config" / "obs-websocket" / "config.json", websocket_json(websocket))


def user_config_dir(env: Mapping[str, str] | None = None, platform: str = sys.platform) -> Path:
    """OBS's own config folder for this user (what `obs-setup` writes into)."""
    env = env if env is not None else os.environ
    home = Path(env.get("HOME") or Path.home())
    if platform == "win32":
        return Path(env.get("APPDATA") or home / "AppData" / "Roaming") / "obs-studio"
    if platform == "darwin":
        return home / "Library" / "Application Support" / "obs-studio"
    return Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "obs-studio"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def new_password() -> str:
    return secrets.token_urlsafe(18)
