"""Output file names that never overwrite a recording, and checks on the output folder.

Every name the recorder takes is created here exclusively (O_EXCL: an existing file, or a link, at that name is
never opened, followed or replaced; the next name is taken). Each crash-safe `NAME.recording.*` file is marked as
ours by `.NAME.tdwrec` beside it, created before it and removed once no `NAME.recording.*` is left, so a
`kill -9` leaves the marker with the file and `recover` finishes only files that the recorder made.
"""

from __future__ import annotations

import glob
import os
import shutil
import stat
import time
from dataclasses import dataclass
from pathlib import Path

RECORDING_INFIX = ".recording"  # marks a crash-safe file that has not been finalised yet
MIN_FREE_BYTES = 500 * 1024 * 1024
MARK_SUFFIX = ".tdwrec"  # `.NAME.tdwrec`: NAME.recording.* beside it was made by TDW Recorder
MARK_TEXT = b"TDW Recorder made the .recording. file(s) of this name; `tdw-recorder recover` finishes them after a crash.\n"
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True)
class OutputPaths:
    """Where the live (crash-safe) recording goes, and the finished file it becomes."""

    recording: Path
    final: Path


def expand_folder(folder: str) -> Path:
    return Path(os.path.expandvars(os.path.expanduser(folder or "."))).resolve()


def create_new(path: Path, data: bytes = b"") -> None:
    """Create `path` as a new file holding `data`; FileExistsError if anything (a file, a link) is there."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | NOFOLLOW, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def base_name(path: Path) -> str:
    """`NAME` of `NAME.recording.EXT`."""
    return path.name.split(RECORDING_INFIX, 1)[0]


def marker(folder: Path, base: str) -> Path:
    return folder / f".{base}{MARK_SUFFIX}"


def _recordings(folder: Path, base: str) -> list[Path]:
    return list(folder.glob(f"{glob.escape(base)}{RECORDING_INFIX}.*"))


def _taken(folder: Path, base: str, extensions: tuple[str, ...], patterns: tuple[str, ...] = ()) -> bool:
    return (any(os.path.lexists(folder / f"{base}{ext}") for ext in extensions)
            or os.path.lexists(marker(folder, base)) or bool(_recordings(folder, base))
            or any(next(folder.glob(f"{glob.escape(base)}{pattern}"), None) is not None for pattern in patterns))


def reserve(folder: Path, pattern: str, live_ext: str, final_ext: str, now: float | None = None,
            also: tuple[str, ...] = ()) -> OutputPaths:
    """Pick `<pattern expanded>`, then `-1`, `-2`, ... until nothing (not even a link) has the live, the final or
    the marker name, nor any `NAME.recording.*`, nor a name matching `NAME<pattern>` for the glob patterns `also`
    (a dataset's `.*.mkv` and `.frames.jsonl`: all its files share NAME).

    The marker, then the live file, are created exclusively here, so a second recorder racing for the same name
    moves on, and a link at one of these names is never followed.
    """
    stem = time.strftime(pattern or "tdw-%Y%m%d-%H%M%S", time.localtime(now))
    stem = stem.replace(os.sep, "_")
    live_suffix = f"{RECORDING_INFIX}.{live_ext}"
    for n in range(0, 10_000):
        base = stem if n == 0 else f"{stem}-{n}"
        if _taken(folder, base, (live_suffix, f".{final_ext}", f".{live_ext}"), also):
            continue
        mark, live = marker(folder, base), folder / f"{base}{live_suffix}"
        try:
            create_new(mark, MARK_TEXT)
        except FileExistsError:
            continue
        try:
            create_new(live)
        except FileExistsError:
            mark.unlink()
            continue
        return OutputPaths(live, folder / f"{base}.{final_ext}")
    raise RuntimeError(f"no free file name for {stem} in {folder}")


def made_by_us(path: Path) -> bool:
    """Whether `path` is a crash-safe `NAME.recording.EXT` that the recorder made: a file (not a link) with
    its marker beside it."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode) or f"{RECORDING_INFIX}." not in path.name:
            return False
        fd = os.open(marker(path.parent, base_name(path)), os.O_RDONLY | NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode) and os.read(fd, len(MARK_TEXT)) == MARK_TEXT
    finally:
        os.close(fd)


def unmark(path: Path) -> None:
    """Remove the marker of `path` (a `NAME.recording.*`) once no `NAME.recording.*` is left beside it."""
    base = base_name(path)
    mark = marker(path.parent, base)
    try:
        if _recordings(path.parent, base) or not stat.S_ISREG(os.lstat(mark).st_mode):
            return
        mark.unlink()
    except OSError:
        pass


def mark_moved(old: Path, new: Path) -> None:
    """`old`, one of ours, is now `new` (in another folder, or renamed): the marker follows it."""
    try:
        create_new(marker(new.parent, base_name(new)), MARK_TEXT)
    except FileExistsError:
        pass  # that name is marked already
    unmark(old)


def claim(path: Path) -> Path:
    """`path`, or the first `name-N.ext` beside it, created (empty) here: no other process, and no link that was
    there, has it. The caller then replaces it with the finished file (os.replace)."""
    for n in range(0, 10_000):
        candidate = path if n == 0 else path.with_name(f"{path.stem}-{n}{path.suffix}")
        try:
            create_new(candidate)
        except FileExistsError:
            continue
        return candidate
    raise RuntimeError(f"no free file name beside {path}")


def publish(finished: Path, wanted: Path) -> Path:
    """Give `finished` (a file of ours, in the same folder or a private one beside it) the name `wanted`, or the first
    free `wanted-N`, without replacing anything: a hard link fails if anything (a file, a link) has the name. Where
    there are no hard links, the name is claimed (created exclusively) and `finished` renamed over that empty file."""
    for n in range(0, 10_000):
        candidate = wanted if n == 0 else wanted.with_name(f"{wanted.stem}-{n}{wanted.suffix}")
        try:
            os.link(finished, candidate, follow_symlinks=False)
        except FileExistsError:
            continue
        except OSError:  # no hard links on this file system (FAT, some network shares)
            candidate = claim(candidate)
            os.replace(finished, candidate)
            return candidate
        os.unlink(finished)
        return candidate
    raise RuntimeError(f"no free file name beside {wanted}")


def private_folder(beside: Path, base: str, what: str) -> Path:
    """A fresh folder (mode 0700, made exclusively) in `beside`, where a file is written before `publish` names it:
    nothing at the final name is opened, so a link planted there is never written through."""
    import tempfile

    return Path(tempfile.mkdtemp(prefix=f".{base}.{what}-", dir=beside))


def unused(path: Path) -> Path:
    """`path`, or the first `name-N.ext` beside it where nothing is, not even a link (a dangling one included)."""
    if not os.path.lexists(path):
        return path
    for n in range(1, 10_000):
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not os.path.lexists(candidate):
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


def replace_atomically(path: Path, data: bytes, mode: int = 0o644) -> None:
    """`path` becomes `data` at once (a reader never sees half a file), through a temporary file of a fresh name
    created here, exclusively: a link or file at any name is never written through."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tdw-recorder-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            os.fchmod(out.fileno(), mode)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
