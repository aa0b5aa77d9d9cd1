"""Output file names that never overwrite a recording, and checks on the output folder."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

RECORDING_INFIX = ".recording"  # marks a crash-safe file that has not been finalised yet
MIN_FREE_BYTES = 500 * 1024 * 1024


@dataclass(frozen=True)
class OutputPaths:
    """Where the live (crash-safe) recording goes, and the finished file it becomes."""

    recording: Path
    final: Path


def expand_folder(folder: str) -> Path:
    return Path(os.path.expandvars(os.path.expanduser(folder or "."))).resolve()


def _taken(folder: Path, base: str, extensions: tuple[str, ...]) -> bool:
    return any((folder / f"{base}{ext}").exists() for ext in extensions)


def reserve(folder: Path, pattern: str, live_ext: str, final_ext: str, now: float | None = None) -> OutputPaths:
    """Pick `<pattern expanded>`, then `-1`, `-2`, ... until neither the live nor the final name exists.

    The live file is created exclusively here, so a second recorder racing for the same name moves on.
    """
    stem = time.strftime(pattern or "tdw-%Y%m%d-%H%M%S", time.localtime(now))
    stem = stem.replace(os.sep, "_")
    live_suffix = f"{RECORDING_INFIX}.{live_ext}"
    for n in range(0, 10_000):
        base = stem if n == 0 else f"{stem}-{n}"
        if _taken(folder, base, (live_suffix, f".{final_ext}", f".{live_ext}")):
            continue
        live = folder / f"{base}{live_suffix}"
        try:
            fd = os.open(live, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            continue
        os.close(fd)
        return OutputPaths(live, folder / f"{base}.{final_ext}")
    raise RuntimeError(f"no free file name for {stem} in {folder}")


def unused(path: Path) -> Path:
    """`path`, or the first `name-N.ext` beside it that does not exist."""
    if not path.exists():
        return path
    for n in range(1, 10_000):
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise RuntimeError(f"no free file name beside {path}")


def folder_problem(folder: Path) -> str | None:
    """Why recordings cannot be written to `folder`, as one sentence with the fix; None when fine."""
    if folder.exists() and not folder.is_dir():
        return f"The output {folder} is a file, not a folder: choose a folder for recordings."
    probe = folder
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        return f"The output folder {folder} cannot be created: {probe} is a file, not a folder. Choose another folder."
    if not os.access(probe, os.W_OK | os.X_OK):
        if probe != folder:
            return f"The output folder {folder} cannot be created: {probe} is not writable. Choose another folder."
        return f"The output folder {folder} is not writable: choose another folder or fix its permissions."
    return None


MAX_NAME_BYTES = 200  # the file system allows 255; room is kept for "-N" and ".recording.mkv"


def name_problem(pattern: str) -> str | None:
    """Why a file name pattern cannot name a recording, as one sentence with the fix; None when fine."""
    try:
        stem = time.strftime(pattern or "tdw", time.localtime()).replace(os.sep, "_")
    except ValueError as exc:
        return f"The file name {pattern!r} is not valid ({exc}): use letters, digits, - and _, plus strftime codes."
    if RECORDING_INFIX in stem:
        return f"The file name {pattern!r} contains {RECORDING_INFIX!r}, which marks unfinished recordings: choose another name."
    if not stem.strip(". "):
        return f"The file name {pattern!r} is only dots or spaces: choose a name such as tdw-%Y%m%d-%H%M%S."
    if len(stem.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        return f"The file name is {len(stem.encode('utf-8', 'surrogateescape'))} bytes long: shorten it to at most {MAX_NAME_BYTES}."
    return None


def free_bytes(folder: Path) -> int:
    probe = folder
    while not probe.exists():
        probe = probe.parent
    return shutil.disk_usage(probe).free


def disk_problem(folder: Path, minimum: int = MIN_FREE_BYTES) -> str | None:
    free = free_bytes(folder)
    if free < minimum:
        return (
            f"Only {free // (1024 * 1024)} MB are free where recordings go ({folder}): free some space "
            f"(at least {minimum // (1024 * 1024)} MB) or choose another folder."
        )
    return None
