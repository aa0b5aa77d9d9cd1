"""How to reach and drive OBS Studio, and where its websocket password comes from.

The password is never serialised (to_dict leaves it out), never in a repr, and never logged. It comes
from, in order: the settings object (in memory only), a password file readable by the user alone, or
the TDW_RECORDER_OBS_PASSWORD environment variable.
"""

from __future__ import annotations

import dataclasses
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from app.errors import Problem, RecorderError

PASSWORD_ENV = "TDW_RECORDER_OBS_PASSWORD"
DEFAULT_PORT = 4455
OBS_BACKENDS = ("obs-websocket", "obs-launch")


@dataclass
class ObsSettings:
    host: str = "localhost"
    port: int = DEFAULT_PORT
    password: str = field(default="", repr=False)  # in memory only: see to_dict
    password_file: str = ""  # a file holding the password, readable by the user alone (chmod 600)
    profile: str = ""  # empty: obs-launch writes its own private profile; obs-websocket keeps OBS's current one
    collection: str = ""
    scene: str = ""

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        del data["password"]
        return data

    @classmethod
    def from_dict(cls, data: Mapping | None) -> "ObsSettings":
        known = {f.name for f in dataclasses.fields(cls)} - {"password"}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})

    def resolve_password(self, env: Mapping[str, str] | None = None) -> str:
        if self.password:
            return self.password
        if self.password_file:
            return read_password_file(Path(self.password_file).expanduser())
        return (env if env is not None else os.environ).get(PASSWORD_ENV, "")


def read_password_file(path: Path) -> str:
    """The first line of `path`; refused when other users could read it (as ssh refuses open keys)."""
    try:
        info = path.stat()
    except OSError:
        raise RecorderError(f"The OBS password file {path} does not exist: create it (chmod 600) or fix --obs-password-file.")
    if sys.platform != "win32" and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise RecorderError(f"The OBS password file {path} is readable by other users: run chmod 600 {path}.")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise RecorderError(f"The OBS password file {path} cannot be read ({exc.strerror}): fix its permissions.")
    return lines[0].strip() if lines else ""


def store_password(path: Path, password: str) -> None:
    """Write the password to a file only the user can read (created 0600, never wider)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    os.chmod(path, 0o600)


def obs_problems(obs: ObsSettings, backend: str, mode: str, container: str, finalise: bool) -> list[Problem]:
    """Static problems with the OBS choices (none unless an OBS backend is chosen)."""
    if backend not in OBS_BACKENDS:
        return []
    problems: list[Problem] = []
    if mode == "audio":  # (video-frames is refused for every backend but ffmpeg already)
        problems.append(Problem("backend", "OBS records the screen (video or audio + video): for audio only, use the ffmpeg backend."))
    if container != "mkv" and not finalise:
        problems.append(Problem("container", "OBS records MKV (crash-safe): choose the mkv container, or let it be finalised to MP4."))
    if backend == "obs-websocket":
        if not str(obs.host).strip():
            problems.append(Problem("obs_host", "The OBS host is empty: use localhost, or the machine OBS runs on."))
        if not isinstance(obs.port, int) or not 0 < obs.port < 65536:
            problems.append(Problem("obs_port", f"OBS WebSocket port {obs.port!r} is not a port: use 1-65535 (OBS's default is {DEFAULT_PORT})."))
    if obs.password_file:
        try:
            read_password_file(Path(obs.password_file).expanduser())
        except RecorderError as exc:
            problems.append(Problem("obs_password_file", exc.message))
    return problems
