"""Where the recorders' sockets live, and the one-line JSON messages they exchange.

One socket per running recorder, named by its id (the pid, or --control-id), in a folder only this user can enter:
`$XDG_RUNTIME_DIR/tdw-recorder/` (a tmpfs the login session owns and empties), else a private folder in the temporary
directory, checked to be ours and closed to others before anything is put in it.
"""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from app.errors import RecorderError
from app.unix_socket import fits, temp_root

COMMANDS = ("start", "stop", "pause", "resume", "status")
ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
SUFFIX = ".sock"
MAX_LINE = 64 * 1024  # a request or a reply; anything longer is not ours
PID_SIZED = "4194304"  # the longest pid Linux gives: the folder must hold a socket named by any of them


UNSUPPORTED = ("tdw-recorder ctl needs Linux (a Unix socket whose peer's user the kernel tells): this recording "
               "is controlled from its own window or terminal only.")


def supported(platform: str = sys.platform) -> bool:
    """AF_UNIX with SO_PEERCRED: Linux. (macOS has no SO_PEERCRED, Windows no such socket in Python.)"""
    return platform.startswith("linux")


@dataclass(frozen=True)
class Folder:
    path: Path
    note: str = ""  # said once when the fallback is used (no XDG_RUNTIME_DIR)


def folder(env: Mapping[str, str] | None = None, create: bool = True) -> Folder:
    """The sockets' folder (made 0700 when `create`); a one-line RecorderError when it is not safely ours."""
    env = os.environ if env is None else env
    runtime = env.get("XDG_RUNTIME_DIR", "")
    place = Path(runtime) / "tdw-recorder"
    usable = bool(runtime) and Path(runtime).is_absolute()
    if usable and fits(socket_path(place, PID_SIZED)):
        note = ""
    else:
        private = f"tdw-recorder-{os.getuid()}"
        place = temp_root(str(socket_path(Path(private), PID_SIZED))) / private
        why = "is too long for a socket's path" if usable else "is not set"
        note = f"XDG_RUNTIME_DIR {why}: the control socket is in {place} (a folder only you can open)."
    if create:
        try:
            place.mkdir(mode=0o700, exist_ok=True)
        except OSError as exc:
            raise RecorderError(f"The control folder {place} cannot be made ({exc.strerror}): set XDG_RUNTIME_DIR "
                                "to a folder of yours.") from exc
    try:
        info = place.lstat()
    except FileNotFoundError:
        return Folder(place, note)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise RecorderError(f"{place} is not a private folder of yours (a link, another user's, or open to others): "
                            "remove it, or set XDG_RUNTIME_DIR to a folder of yours.")
    return Folder(place, note)


def connect_error(path: Path, timeout: float = 1.0) -> int | None:
    """Knock at a control socket: 0 when a recorder answers, else the connect error's errno (None: no errno, e.g.
    a timeout). ECONNREFUSED or ENOENT: nothing listens there (its recorder died)."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(timeout)
    try:
        probe.connect(str(path))
        return 0
    except OSError as exc:
        return exc.errno
    finally:
        probe.close()


def socket_path(place: Path, ident: str) -> Path:
    return place / f"{ident}{SUFFIX}"


def check_id(ident: str) -> str:
    if not ID_PATTERN.fullmatch(ident):
        raise RecorderError(f"The control id {ident!r} is not usable: use up to 64 letters, digits, '.', '_' or '-'.")
    return ident


def encode(message: dict) -> bytes:
    return (json.dumps(message, ensure_ascii=True) + "\n").encode("ascii")


def decode(line: bytes) -> dict:
    """One message; a RecorderError for anything that is not a JSON object."""
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise RecorderError("The message is not JSON.") from exc
    if not isinstance(message, dict):
        raise RecorderError("The message is not a JSON object.")
    return message


def read_line(sock) -> bytes:
    """Up to the first newline (the peer sends one message per connection)."""
    data = b""
    while b"\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_LINE:
            raise RecorderError("The message is too long.")
    return data.split(b"\n", 1)[0]


def peer_uid(sock) -> int:
    """The user id of the process at the other end (SO_PEERCRED: the kernel's word, not the peer's)."""
    import socket
    import struct

    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]
