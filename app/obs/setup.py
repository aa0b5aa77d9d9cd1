"""`tdw-recorder obs-setup`: a ready "TDW Recorder" profile and scene collection in the user's own OBS.

It adds files beside the user's own profiles and collections (never changing those); only with
--enable-websocket does it touch global.ini, and then only the [OBSWebSocket] section. The generated
password goes to a file readable by the user alone and is never printed.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from app.errors import RecorderError
from app.obs.config import (COLLECTION, PROFILE, Crop, RecordingSetup, Websocket, ini_text, new_password, read_ini,
                            read_json, user_config_dir, websocket_json, write_private, write_profile_and_collection)
from app.obs.install import running_obs
from app.obs.settings import store_password
from app.model.obs import DEFAULT_PORT, read_password_file
from app.output import expand_folder
from app.paths import config_file
from app.model.region import Region, parse_region
from app.screen.resolve import resolve, whole_screen

OBS_NAME_FORMAT = "tdw-%CCYY%MM%DD-%hh%mm%ss"  # OBS's own date codes: a new name for every recording
PASSWORD_FILE = "obs-websocket-password"  # in app.paths.config_dir(): ~/.config/tdw-recorder on Linux


def default_password_file() -> Path:
    """The password file in the config folder, or where versions before app.paths wrote it on every OS
    (~/.config/tdw-recorder) when only that one exists: OBS already holds that password."""
    return config_file(PASSWORD_FILE, Path("~/.config/tdw-recorder").expanduser())


@dataclass(frozen=True)
class SetupResult:
    profile_file: Path
    collection_file: Path
    password_file: Path | None = None
    port: int | None = None

    def summary(self) -> str:
        lines = [f"Wrote the OBS profile {PROFILE!r}: {self.profile_file}",
                 f"Wrote the OBS scene collection {COLLECTION!r}: {self.collection_file}",
                 f"In OBS pick Profile → {PROFILE} and Scene Collection → {COLLECTION}, or run:",
                 f"  tdw-recorder record --backend obs-launch --obs-profile '{PROFILE}' --obs-collection '{COLLECTION}'"]
        if self.password_file is not None:
            lines += [f"WebSocket server enabled on port {self.port}; its password is in {self.password_file} "
                      "(readable by you only). Record with the running OBS:",
                      f"  tdw-recorder record --backend obs-websocket --obs-port {self.port} "
                      f"--obs-password-file {self.password_file}"]
        return "\n".join(lines)


def enable_websocket(config_dir: Path, port: int, password: str) -> None:
    """Turn on OBS's websocket in global.ini (OBS 28/29) and its config.json (OBS 30+), both 0600."""
    ini, plugin = _websocket_files(config_dir)
    parser, data = read_ini(ini), read_json(plugin)  # one line, and nothing written, for a file OBS would not write
    if not parser.has_section("OBSWebSocket"):
        parser.add_section("OBSWebSocket")
    for key, value in (("FirstLoad", "false"), ("ServerEnabled", "true"), ("ServerPort", str(port)),
                       ("AuthRequired", "true"), ("ServerPassword", password), ("AlertsEnabled", "false")):
        parser.set("OBSWebSocket", key, value)
    write_private(ini, ini_text(parser))
    data.update(json.loads(websocket_json(Websocket(port, password))))
    write_private(plugin, json.dumps(data, indent=2))


def _websocket_files(config_dir: Path) -> tuple[Path, Path]:
    return config_dir / "global.ini", config_dir / "plugin_config" / "obs-websocket" / "config.json"


def setup_obs(config_dir: Path, setup: RecordingSetup, websocket_port: int | None = None,
              password_file: Path | None = None, running: Callable[[Path], list[int]] = running_obs) -> SetupResult:
    if running(config_dir):
        raise RecorderError("OBS Studio is running: close it first (it rewrites its settings when it exits), then run obs-setup again.")
    if websocket_port is not None:  # the files enable_websocket rewrites are understood before anything is written
        ini, plugin = _websocket_files(config_dir)
        read_ini(ini)
        read_json(plugin)
    profile, collection = write_profile_and_collection(config_dir, setup)
    if websocket_port is None:
        return SetupResult(profile, collection)
    assert password_file is not None
    password = read_password_file(password_file) if password_file.exists() else ""
    if not password:
        password = new_password()
        store_password(password_file, password)
    enable_websocket(config_dir, websocket_port, password)
    return SetupResult(profile, collection, password_file, websocket_port)


def add_parser(sub) -> None:
    setup = sub.add_parser("obs-setup", help="write a ready 'TDW Recorder' profile + scene collection into your OBS")
    setup.add_argument("--region", default="screen", help="X,Y,WxH | screen | monitor:<number or name> | window:<id or title> (default screen)")
    setup.add_argument("--fps", type=float, default=30.0, help="framerate (default 30; 60 is usual with audio)")
    setup.add_argument("--audio", default="default", help="none | default (what the computer plays) | a PulseAudio source")
    setup.add_argument("--out", default="~/Videos/TDW Recorder", help="where OBS saves recordings")
    setup.add_argument("--enable-websocket", action="store_true", help="also turn on OBS's WebSocket server (password saved 0600)")
    setup.add_argument("--obs-port", type=int, default=DEFAULT_PORT, help=f"WebSocket port (default {DEFAULT_PORT})")
    setup.add_argument("--obs-password-file", default="", help="where the WebSocket password is kept (default: "
                       "obs-websocket-password in the config folder, e.g. ~/.config/tdw-recorder)")
    setup.add_argument("--obs-config", default="", help="OBS's config folder (default: your own, e.g. ~/.config/obs-studio)")


def _region(text: str) -> tuple[Region, tuple[int, int]]:
    from app.machine import Machine

    display = Machine().display
    screen = display.size()
    target = resolve(parse_region(text), display, round_odd=True) or whole_screen(display)
    region = target.region
    if not region.fits_in(*screen):
        raise RecorderError(f"Region {region} does not fit on the {screen[0]}x{screen[1]} display: move or shrink it.")
    return region, screen


def run(args: argparse.Namespace) -> int:
    region, screen = _region(args.region)
    folder = expand_folder(args.out)
    audio = None if args.audio in ("", "none") else args.audio
    setup = RecordingSetup(folder, OBS_NAME_FORMAT, region.width, region.height, float(args.fps),
                           Crop.of(region, screen), audio, name_is_format=True)  # refuses a framerate OBS cannot take
    config_dir = Path(args.obs_config).expanduser() if args.obs_config else user_config_dir()
    result = setup_obs(config_dir, setup, args.obs_port if args.enable_websocket else None,
                       (Path(args.obs_password_file).expanduser() if args.obs_password_file else default_password_file())
                       if args.enable_websocket else None)
    folder.mkdir(parents=True, exist_ok=True)  # once OBS's files are written: a refusal leaves nothing behind
    print(result.summary())
    return 0
