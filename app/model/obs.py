"""How to reach and drive OBS Studio (part of the settings), and where its websocket password comes from.

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

from app.errors import RecorderError

PASSWORD_ENV = "TDW_RECORDER_OBS_PASSWORD"
_taken: dict[str, str] = {}  # the password taken out of os.environ (take_password_from_environment)
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
        return (env if env is not None else os.environ).get(PASSWORD_ENV, "") or _taken.get(PASSWORD_ENV, "")


def take_password_from_environment() -> None:
    """Move the password out of os.environ into memory: children never inherit it, resolve_password still finds it."""
    value = os.environ.pop(PASSWORD_ENV, None)
    if value:
        _taken[PASSWORD_ENV] = value


def password_from_environment() -> str:
    return _taken.get(PASSWORD_ENV, "")


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
    return note_secret(lines[0].strip()) if lines else ""


_secrets: set[str] = set()  # every OBS password this process has held: app.logs keeps them out of the log


def note_secret(value: str) -> str:
    """Remember `value` as a secret (app.logs redacts it from every log line); returns it."""
    if value.strip():
        _secrets.add(value)
    return value


def secrets_seen() -> frozenset[str]:
    """The OBS passwords this process holds: those noted, and the environment's (wherever it is kept by now)."""
    return frozenset(_secrets | ({ObsSettings().resolve_password()} - {""}))
