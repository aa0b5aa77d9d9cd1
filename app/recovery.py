"""Unfinished recordings: the crash-safe `.recording.*` files a killed recorder left behind.

A live recording is marked by an exclusive flock held by the recording process (on POSIX); the kernel
drops it when that process dies however it dies, so "unfinished" means "no live recorder holds it".
`recover` takes the same lock while it finishes a file, so two `recover` runs (or a recover and a batch
moving leftovers aside) never work on one file at once: the second leaves it to the first.
Only files the recorder made (`app.output.made_by_us`: a file, not a link, with its marker) are touched.
"""

from __future__ import annotations

import glob
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from app.ffmpeg.commands import finalise_command
from app.ffmpeg.finishing import run_finishing
from app.ffmpeg.inspect import media_duration, media_info
from app.output import NOFOLLOW, RECORDING_INFIX, base_name, made_by_us, private_folder, publish, unmark

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; every .recording file counts as unfinished when we look
    fcntl = None  # type: ignore[assignment]

_OPEN = os.O_RDONLY | NOFOLLOW | getattr(os, "O_NONBLOCK", 0)  # never a link; never blocks on a FIFO


class Held(int):
    """What hold() returns: the lock's file descriptor (-1 where there are no locks), and the recording it holds."""

    path: Path


def hold(path: Path) -> int | None:
    """Mark `path` as being recorded by this process until `release` (or our death)."""
    fd = -1
    if fcntl is not None:
        fd = os.open(path, _OPEN)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    held = Held(fd)
    held.path = path
    return held


def release(fd: int | None) -> None:
    """Drop the hold; the marker goes too once no `NAME.recording.*` is left (the recording was finished)."""
    if fd is not None and fd >= 0:
        os.close(fd)
    if isinstance(fd, Held):
        unmark(fd.path)


def locked(path: Path) -> int | None:
    """An fd of `path` holding its lock, if it is a file (not a link) that nobody else holds; else None."""
    try:
        fd = os.open(path, _OPEN)
    except OSError:
        return None
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if _same_file(fd, path):
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def _same_file(fd: int, path: Path) -> bool:
    """Whether `path` still names the file `fd` has open (another process may have finished and removed it)."""
    try:
        now, held = os.lstat(path), os.fstat(fd)
    except OSError:
        return False
    return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)


def in_use(path: Path) -> bool:
    if fcntl is None:
        return False
    try:
        fd = os.open(path, _OPEN)
    except OSError:
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
    """Crash-safe files the recorder made in `folder` that no running recorder (ours or another program) is
    writing, oldest first. Other `*.recording.*` files (a user's own, a link) are not ours and are not listed."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob(f"*{RECORDING_INFIX}.*") if made_by_us(p) and not in_use(p)]
    busy = open_elsewhere(found)
    return sorted((p for p in found if p not in busy), key=_mtime)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # finished meanwhile by another process
        return 0.0


@dataclass(frozen=True)
class Recovered:
    source: Path
    result: Path | None  # the finished file, or None when nothing in the source could be read
    message: str
    by_another: bool = False  # another process finished it, or is finishing it: nothing failed
    cleared: bool = False  # it held nothing (a name reserved before anything was written): removed, nothing failed

    @property
    def ok(self) -> bool:
        """Nothing is left to do: finished here or by another process, or there was nothing to finish."""
        return self.result is not None or self.by_another or self.cleared


def recover(binary: str, path: Path, final_ext: str = "mp4", on_percent: Callable[[int], None] = lambda _p: None) -> Recovered:
    """Remux an unfinished recording into a finished file beside it; never overwrites anything, and works on
    the file only while it holds its lock (another process finishing it at the same time is left to it)."""
    try:
        fd = os.open(path, _OPEN)
    except FileNotFoundError:
        return Recovered(path, None, f"{path.name} was finished meanwhile by another process.", by_another=True)
    except OSError:
        return Recovered(path, None, f"{path.name} is not a file TDW Recorder made; it was left as is.")
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return Recovered(path, None, f"{path.name} is being finished by another process at the same time; "
                                 "it is left to it.", by_another=True)
        if not _same_file(fd, path):
            return Recovered(path, None, f"{path.name} was finished meanwhile by another process.", by_another=True)
        if not made_by_us(path):
            return Recovered(path, None, f"{path.name} is not a file TDW Recorder made; it was left as is.")
        return _remux(binary, path, final_ext, on_percent)
    finally:
        os.close(fd)  # after the source is gone: a process waiting for it then finds nothing to do


def _remux(binary: str, path: Path, final_ext: str, on_percent: Callable[[int], None]) -> Recovered:
    """Remux (holding the lock) in a private folder, then move the result to a name claimed exclusively."""
    base = base_name(path)
    if not path.stat().st_size:
        return _cleared(path)
    if not media_info(binary, str(path)).streams:
        return Recovered(path, None, f"{path.name} holds nothing playable; it was left as is.")
    for stale in (*path.parent.glob(f".{glob.escape(base)}.recovering-*"), *path.parent.glob(f".{glob.escape(base)}.finishing-*")):
        if stale.is_dir() and not stale.is_symlink():  # what a killed finish or recover of this file left: ours, locked
            shutil.rmtree(stale, ignore_errors=True)
    work = private_folder(path.parent, base, "recovering")
    try:
        temporary = work / f"{base}.{final_ext}"
        # its own session: a Ctrl+C to the terminal reaches us (the signal policy), not the remux (cut only when asked)
        done = run_finishing(finalise_command(binary, str(path), str(temporary)), media_duration(binary, str(path)),
                             path.stat().st_size, on_percent, what=path.name)
        if done.problem:
            return Recovered(path, None, f"{done.problem} {path.name} was left as is (run recover again to retry).")
        if done.returncode != 0 or not media_info(binary, str(temporary)).streams:
            return Recovered(path, None, f"{path.name} could not be remuxed; it was left as is (it still plays in VLC/mpv).")
        target = publish(temporary, path.with_name(f"{base}.{final_ext}"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    path.unlink()
    unmark(path)
    return Recovered(path, target, f"{path.name} -> {target.name}")


def _cleared(path: Path) -> Recovered:
    """An empty reservation (we hold its lock, it is ours): the recorder was killed before it wrote a byte, or it
    was a dataset's, which only reserves NAME (app.capture.dataset writes NAME.<camera>.mkv and NAME.frames.jsonl,
    final as written). Nothing can be lost, so it goes with its marker instead of being reported at every start."""
    base = base_name(path)
    rows = path.with_name(f"{base}.frames.jsonl")
    cameras = []
    if rows.is_file() and not rows.is_symlink():  # a dataset's: NAME was free of NAME.*.mkv when it was reserved
        for camera in sorted(path.parent.glob(f"{glob.escape(base)}.*.mkv")):
            if camera == path or RECORDING_INFIX in camera.name or camera.is_symlink() or not camera.is_file():
                continue
            if camera.stat().st_size:
                cameras.append(camera)
            else:  # its encoder was killed before its first frame: nothing to keep
                camera.unlink()
    path.unlink()
    unmark(path)
    if cameras:
        return Recovered(path, cameras[0], f"{path.name} was only the dataset's reserved name (removed); its files are "
                         f"complete as written: {', '.join(p.name for p in [*cameras, rows])}", cleared=True)
    return Recovered(path, None, f"{path.name} was empty (stopped before it wrote anything): removed.", cleared=True)
