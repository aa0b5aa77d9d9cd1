"""Unfinished recordings: the crash-safe `.recording.*` files a killed recorder left behind.

A live recording is marked by an exclusive flock held by the recording process (on POSIX); the kernel
drops it when that process dies however it dies, so "unfinished" means "no live recorder holds it".
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from app.ffmpeg.commands import finalise_command
from app.ffmpeg.inspect import media_info
from app.output import RECORDING_INFIX, unused

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; every .recording file counts as unfinished when we look
    fcntl = None  # type: ignore[assignment]


def hold(path: Path) -> int | None:
    """Mark `path` as being recorded by this process until `release` (or our death)."""
    if fcntl is None:
        return None
    fd = os.open(path, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def release(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)


def in_use(path: Path) -> bool:
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def open_elsewhere(paths: list[Path]) -> set[Path]:
    """Which of `paths` a running process has open, e.g. an OBS still recording after we were killed.

    Linux only (/proc); processes of other users are not visible to us, and count as not holding anything.
    """
    wanted = {os.path.realpath(p): p for p in paths}
    found: set[Path] = set()
    if not wanted or not os.path.isdir("/proc/self/fd"):
        return found
    for pid in (name for name in os.listdir("/proc") if name.isdigit()):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target in wanted:
                found.add(wanted[target])
    return found


def unfinished(folder: Path) -> list[Path]:
    """Crash-safe files in `folder` that no running recorder (ours or another program) is writing, oldest first."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob(f"*{RECORDING_INFIX}.*") if p.is_file() and not in_use(p)]
    busy = open_elsewhere(found)
    return sorted((p for p in found if p not in busy), key=lambda p: p.stat().st_mtime)


@dataclass(frozen=True)
class Recovered:
    source: Path
    result: Path | None  # the finished file, or None when nothing in the source could be read
    message: str


def recover(binary: str, path: Path, final_ext: str = "mp4") -> Recovered:
    """Remux an unfinished recording into a finished file beside it; never overwrites anything."""
    base = path.name.split(RECORDING_INFIX, 1)[0]
    if not path.stat().st_size or not media_info(binary, str(path)).streams:
        return Recovered(path, None, f"{path.name} holds nothing playable; it was left as is.")
    target = unused(path.with_name(f"{base}.{final_ext}"))
    done = subprocess.run(finalise_command(binary, str(path), str(target)), capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=600)
    if done.returncode != 0 or not media_info(binary, str(target)).streams:
        target.unlink(missing_ok=True)
        return Recovered(path, None, f"{path.name} could not be remuxed; it was left as is (it still plays in VLC/mpv).")
    path.unlink()
    return Recovered(path, target, f"{path.name} -> {target.name}")
