"""The files a batch keeps beside its outputs, in `<out>/.batch/`: per job its spec, live status, result, log.

Workers write their status and result here themselves (atomically), so a runner that dies loses nothing a
worker finished, and a Ray node reports through the shared output folder like a local worker.
Unfinished recordings are moved to `<out>/partial/`, so the output folder holds only complete ones.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    def log(self) -> Path:
        return self.state / f"{self.name}.log"

    def leftovers(self) -> list[Path]:
        """Crash-safe files of an attempt that never finished (`<name>.recording.*`)."""
        return sorted(self.out.glob(f"{_glob_escape(self.name)}.recording.*"))


def write_json(path: Path, data: Any) -> None:
    """Write whole or not at all: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    os.replace(temp, path)


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
    """Move an unfinished recording into `<out>/partial/` (never over another file); returns its new path."""
    from app.output import unused

    folder = out / PARTIAL_DIR
    folder.mkdir(exist_ok=True)
    target = unused(folder / path.name)
    os.replace(path, target)
    return target


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def failed_result(spec: dict, error: str, status: str = "failed") -> dict:
    """The result of an attempt whose worker could not say it itself (it crashed, or never started)."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    return {"name": spec["name"], "index": spec["index"], "attempt": spec["attempt"], "fingerprint": spec["fingerprint"],
            "status": status, "file": "", "error": error, "retry": True, "started_at": stamp, "finished_at": stamp}
