"""What an ffmpeg binary can do (input devices, encoders), probed once per binary and cached."""

from __future__ import annotations

import functools
import os
import re
import subprocess

from app.errors import FfmpegNotFound
from app.model.ffmpeg import Capabilities


def _query(path: str, flag: str) -> str:
    try:
        done = subprocess.run(
            [path, "-hide_banner", flag], capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL
        )
    except OSError as exc:
        raise FfmpegNotFound(f"ffmpeg at {path} cannot run ({exc.strerror}): reinstall it or pick another.")
    return done.stdout


def parse_devices(text: str) -> frozenset[str]:
    """Names from `ffmpeg -devices`: lines like ' D  x11grab   X11 screen capture'."""
    names: set[str] = set()
    for line in text.splitlines():
        match = re.match(r"^\s*(D?)(E?)\s+(\S+)\s", line)
        if match and match.group(1) == "D" and match.group(3) != "=":
            names.update(match.group(3).split(","))
    return frozenset(names)


def parse_encoders(text: str) -> frozenset[str]:
    """Names from `ffmpeg -encoders`: lines like ' V....D libx264   libx264 H.264 ...'."""
    names = set()
    for line in text.splitlines():
        match = re.match(r"^\s*[VAS][A-Z.]{5}\s+(\S+)\s", line)
        if match and match.group(1) != "=":
            names.add(match.group(1))
    return frozenset(names)


def probe(path: str) -> Capabilities:
    """Capabilities of the binary at `path`, cached for as long as the file is unchanged."""
    stat = os.stat(path)
    return _probe_cached(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _probe_cached(path: str, _mtime: int, _size: int) -> Capabilities:
    version_line = _query(path, "-version").splitlines()[:1]
    version = version_line[0].split(" Copyright")[0] if version_line else "ffmpeg (unknown version)"
    return Capabilities(version, parse_devices(_query(path, "-devices")), parse_encoders(_query(path, "-encoders")))
