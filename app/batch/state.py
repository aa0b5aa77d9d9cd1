"""The files a batch keeps beside its outputs, in `<out>/.batch/`: per job its spec, live status, result, log.

Workers write their status and result here themselves (atomically), so a runner that dies loses nothing a
worker finished, and a Ray node reports through the shared output folder like a local worker.
Unfinished recordings are moved to `<out>/partial/`, so the output folder holds only complete ones.
A job's files are `<name>.*` (or `<name>-N.*` when its name was taken; `load_jobs` refuses a job named like
that, so these are the job's own); every temporary file has a fresh name, created exclusively.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.output import replace_atomically

STATE_DIR = ".batch"
PARTIAL_DIR = "partial"


@dataclass(frozen=True)
class JobFiles:
    out: Path  # the batch's output folder
    name: str

    @property
    def state(self) -> Path:
        return self.out / STATE_DIR

    @property
    def spec(self) -> Path:
        return self.state / f"{self.name}.job.json"

    @property
    def status(self) -> Path:
        return self.state / f"{self.name}.status.json"

    @property
    def result(self) -> Path:
        return self.state / f"{self.name}.result.json"

    @property
    def signals(self) -> Path:
        """How many signals the runner passed on to this job (a Ray node's task reads it and signals its worker)."""
        return self.state / f"{self.name}.signals.json"

    @property
    def log(self) -> Path:
        return self.state / f"{self.name}.log"

    def leftovers(self) -> list[Path]:
        """Crash-safe files the recorder made for an attempt that never finished (`<name>[-N].recording.*`)."""
        from app.output import made_by_us

        own = re.compile(re.escape(self.name) + r"(-[1-9][0-9]*)?\.recording\.")
        return sorted(p for p in self.out.glob(f"{_glob_escape(self.name)}*.recording.*")
                      if own.match(p.name) and made_by_us(p))


def write_json(path: Path, data: Any) -> None:
    """Write whole or not at all: a reader never sees half a file."""
    replace_with_text(path, json.dumps(data, indent=2, default=str) + "\n")


def replace_with_text(path: Path, text: str) -> None:
    """`path` becomes `text` at once, through a temporary file of a fresh name (never a link that was there)."""
    replace_atomically(path, text.encode())


def read_json(path: Path) -> Any:
    """The file's data, or None when it is missing or unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def move_aside(path: Path, out: Path) -> Path:
    """Move an unfinished recording into `<out>/partial/` (never over another file, and holding its lock: a file
    being recorded or finished by another process, e.g. `recover`, stays); returns where it is now."""
    from app.output import claim, mark_moved, made_by_us
    from app.recovery import locked

    folder = out / PARTIAL_DIR
    fd = None if folder.is_symlink() else locked(path)  # `partial` is ours to make: a link there is not followed
    if fd is None:
        return path
    try:
        folder.mkdir(exist_ok=True)
        ours = made_by_us(path)
        target = claim(folder / path.name)
        os.replace(path, target)
        if ours:
            mark_moved(path, target)
        return target
    finally:
        os.close(fd)


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def failed_result(spec: dict, error: str, status: str = "failed") -> dict:
    """The result of an attempt whose worker could not say it itself (it crashed, or never started)."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    return {"name": spec["name"], "index": spec["index"], "attempt": spec["attempt"], "fingerprint": spec["fingerprint"],
            "status": status, "file": "", "error": error, "retry": True, "started_at": stamp, "finished_at": stamp}
