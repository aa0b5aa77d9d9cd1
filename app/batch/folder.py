"""A batch from a folder of controller scripts: one job per `*.py`, shared defaults, saved as a jobs TOML.

The file is an ordinary jobs file (`[defaults]` + one `[[job]]` per script, scripts by absolute path), so
`tdw-recorder batch FILE --out DIR` reruns the same batch, and resumes it. A file of that name holding
something else is never overwritten: the next free name (`jobs-2.toml`, ...) is used instead.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from app.errors import RecorderError

_UNSAFE = re.compile(r"[^\w .+-]")


def scripts_in(folder: Path) -> list[Path]:
    """The folder's controller scripts (`*.py`, not `_private.py` or hidden), by name."""
    if not folder.is_dir():
        raise RecorderError(f"{folder} is not a folder: pick the folder that holds your controller scripts.")
    scripts = sorted(p for p in folder.glob("*.py") if p.is_file() and not p.name.startswith(("_", ".")))
    if not scripts:
        raise RecorderError(f"There is no controller script (*.py) in {folder}: pick the folder that holds them.")
    return scripts


def job_name(stem: str, taken: set[str]) -> str:
    """A plain, unique file name for a script's job: unsafe characters become `_`; `-2`, `-3` when taken."""
    name = _UNSAFE.sub("_", stem).strip(" .+-") or "job"
    if not (name[0].isalnum() or name[0] == "_"):
        name = "_" + name
    if name.endswith(".recording"):
        name = name[: -len(".recording")] + "_recording"
    unique, n = name, 1
    while unique in taken:
        n += 1
        unique = f"{name}-{n}"
    taken.add(unique)
    return unique


def folder_table(folder: Path, defaults: dict[str, Any]) -> dict:
    """The jobs file's content: the defaults that are set, and one job per script (named after it)."""
    taken: set[str] = set()
    jobs = [{"name": job_name(script.stem, taken), "scene": str(script.resolve())} for script in scripts_in(folder)]
    return {"defaults": {k: v for k, v in defaults.items() if v not in (None, "", [])}, "job": jobs}


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):  # a TOML basic string: JSON's escapes, plus DEL, which TOML wants escaped
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} in a jobs file")


def to_toml(table: dict) -> str:
    """`[defaults]` and `[[job]]` tables of plain values (text, numbers, true/false, lists of them)."""
    lines = ["# Made by TDW Recorder from a folder of scripts: tdw-recorder batch THIS_FILE --out DIR", "[defaults]"]
    lines += [f"{key} = {_value(value)}" for key, value in table.get("defaults", {}).items()]
    for job in table.get("job", []):
        lines += ["", "[[job]]", *(f"{key} = {_value(value)}" for key, value in job.items())]
    return "\n".join(lines) + "\n"


def save_jobs(text: str, folder: Path, stem: str = "jobs") -> Path:
    """Write `text` as FOLDER/jobs.toml; the same file again is reused, another one is never overwritten."""
    folder.mkdir(parents=True, exist_ok=True)
    n = 1
    while True:
        path = folder / (f"{stem}.toml" if n == 1 else f"{stem}-{n}.toml")
        try:
            with open(path, "x") as new:
                new.write(text)
            return path
        except FileExistsError:
            if path.read_text() == text:
                return path
        n += 1


def build_from_folder(scripts: Path, out: Path, defaults: dict[str, Any]) -> Path:
    """Make the jobs file for every script in `scripts` and save it in the output folder; returns its path."""
    return save_jobs(to_toml(folder_table(scripts, defaults)), out)
