"""The `ctl` side: find the running recorders, clean up sockets of dead ones, send one command to one of them."""

from __future__ import annotations

import errno
import os
import socket
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from app.control.place import UNSUPPORTED, SUFFIX, connect_error, decode, encode, folder, peer_uid, read_line, socket_path, supported
from app.errors import RecorderError

TIMEOUT_S = 10.0  # a pause or stop waits for ffmpeg to close its part (about a second); never forever


@dataclass(frozen=True)
class Running:
    ident: str
    path: Path


def _stale(path: Path) -> bool:
    """Nothing listens there (its recorder died): ECONNREFUSED from a socket file of ours."""
    return connect_error(path) in (errno.ECONNREFUSED, errno.ENOENT)


def running(env: Mapping[str, str] | None = None) -> list[Running]:
    """The recorders that answer now, by id; sockets of dead recorders are removed on the way."""
    place = folder(env, create=False).path
    found = []
    try:
        entries = sorted(place.iterdir())
    except FileNotFoundError:
        return []
    for path in entries:
        if path.suffix != SUFFIX:
            continue
        try:
            info = path.lstat()
        except OSError:
            continue
        if not stat.S_ISSOCK(info.st_mode) or info.st_uid != os.getuid():
            continue
        if _stale(path):
            path.unlink(missing_ok=True)
            continue
        found.append(Running(path.name[: -len(SUFFIX)], path))
    return found


def choose(ident: str | None, env: Mapping[str, str] | None = None) -> Running:
    """The recorder to talk to: the one given, or the only one running; a one-line RecorderError otherwise."""
    if not supported():
        raise RecorderError(UNSUPPORTED)
    found = running(env)
    place = folder(env, create=False)
    if ident:
        for one in found:
            if one.ident == ident:
                return one
        others = f" (running: {', '.join(r.ident for r in found)})" if found else ""
        raise RecorderError(f"No recorder with id {ident!r} is running{others}.")
    if not found:
        raise RecorderError(f"No recorder is running (none answers in {place.path}): start one (`tdw-recorder record "
                            "...` or the window) first.")
    if len(found) > 1:
        raise RecorderError(f"{len(found)} recorders are running ({', '.join(r.ident for r in found)}): "
                            "say which with --id.")
    return found[0]


def send(target: Running | Path, command: str, timeout: float = TIMEOUT_S) -> dict:
    """One command, one reply (a dict with "ok", and "error" when it was refused)."""
    path = target.path if isinstance(target, Running) else target
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(path))
        if peer_uid(sock) != os.getuid():
            raise RecorderError(f"{path} is served by another user: not sending anything there.")
        sock.sendall(encode({"command": command}))
        line = read_line(sock)
    except TimeoutError as exc:
        raise RecorderError(f"The recorder did not answer {command!r} within {timeout:.0f} s.") from exc
    except OSError as exc:
        raise RecorderError(f"The recorder went away ({exc.strerror or exc}).") from exc
    finally:
        sock.close()
    if not line:
        raise RecorderError("The recorder closed the connection without an answer (is it ending?).")
    return decode(line)


def socket_of(ident: str, env: Mapping[str, str] | None = None) -> Path:
    return socket_path(folder(env, create=False).path, ident)
