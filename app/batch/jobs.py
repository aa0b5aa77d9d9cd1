"""The jobs file -> `Job`s: a `[defaults]` table and `[[job]]` tables (TOML), or the same shape in JSON.

Keys are the `record` options' names (`scene`, `mode`, `fps`, `screen-size` or `screen_size`, ...), plus
`args` (the scene script's own arguments) and `name` (the job's name, which is also its file name).
Each job is turned into `CaptureSettings` by the very code `record` uses, so a key means the same in both
places. Relative paths are read from the jobs file's folder. Batch jobs are `headless` unless they say not.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.errors import RecorderError
from app.settings import CaptureSettings

ALIASES = {"args": "scene_args"}
REFUSED = {"out": "is the batch's own --out (every output goes there)", "help": "is not a job setting"}
PATH_KEYS = ("scene", "build", "keep_frames", "obs_password_file")
_NAME = re.compile(r"^\w[\w .+%-]*$")


@dataclass(frozen=True)
class Job:
    index: int  # 1-based, in the file's order
    name: str  # unique in the batch; the output is <name>.<ext>
    settings: CaptureSettings

    @property
    def label(self) -> str:
        return f"job {self.index} ({self.name})"

    @property
    def fingerprint(self) -> str:
        """What the job records, whatever folder it goes to: a resumed batch re-records a job whose line changed."""
        data = self.settings.to_dict()
        data.pop("output_dir", None)
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def read_table(path: Path) -> dict:
    """The file's content: TOML (by tomllib) unless it ends in .json."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise RecorderError(f"Cannot read the jobs file {path} ({exc.strerror or exc}): check the path.")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RecorderError(f"The jobs file {path.name} is not valid JSON: line {exc.lineno}: {exc.msg}.")
    else:
        try:
            import tomllib
        except ImportError:  # Python 3.10
            try:
                import tomli as tomllib  # type: ignore[no-redef]
            except ImportError:
                raise RecorderError("Reading TOML needs Python 3.11 (or `pip install tomli`): or write the jobs as JSON.")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RecorderError(f"The jobs file {path.name} is not valid TOML: {exc}.")
    if not isinstance(data, dict):
        raise RecorderError(f"The jobs file {path.name} must hold a [defaults] table and [[job]] tables.")
    return data


def load_jobs(path: Path, out_dir: Path) -> tuple[list[Job], list[str]]:
    """Every job in the file, and every problem found (one line each, naming the job by index)."""
    data = read_table(path)
    unknown = set(data) - {"defaults", "job", "jobs"}
    if unknown:
        raise RecorderError(f"The jobs file has unknown tables {sorted(unknown)}: use [defaults] and [[job]].")
    defaults = data.get("defaults", {})
    entries = data.get("job", data.get("jobs", []))
    if not isinstance(defaults, dict) or not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise RecorderError("The jobs file must hold one [defaults] table and [[job]] tables (in JSON: an object and a list).")
    if not entries:
        raise RecorderError(f"The jobs file {path.name} has no [[job]]: add one table per recording.")
    problems = ["[defaults]: `name` names one job: put it in that [[job]]."] if "name" in defaults else []
    jobs: list[Job] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries, start=1):
        name = str(entry.get("name", f"job-{index:03d}"))
        where = f"job {index} ({name})"
        values = {k: v for k, v in {**defaults, **entry}.items() if k != "name"}
        settings, found = job_settings(values, where, path.parent, out_dir, name)
        if not _NAME.match(name) or name.endswith(".recording"):
            found.append(f"{where}: the name {name!r} must be a plain file name (letters, digits, space . + - _ %).")
        elif name in seen:
            found.append(f"{where}: the name {name!r} is already job {seen[name]}'s: names must be unique.")
        seen.setdefault(name, index)
        problems.extend(found)
        if settings is not None and not found:
            jobs.append(Job(index, name, settings))
    return jobs, problems


def job_settings(values: dict[str, Any], where: str, base: Path, out_dir: Path, name: str):
    """(CaptureSettings or None, problems) for one job's merged keys."""
    from app.cli import settings_from_args

    parser = _record_parser()
    args = parser.parse_args([])
    args.headless = True  # each job on its own display and sound server, unless it says otherwise
    actions = {a.dest: a for a in parser._actions}
    problems = []
    for key, value in values.items():
        dest = ALIASES.get(key, key.replace("-", "_"))
        if dest in REFUSED:
            problems.append(f"{where}: `{key}` {REFUSED[dest]}.")
            continue
        action = actions.get(dest)
        if action is None:
            problems.append(f"{where}: unknown key `{key}`: use the record options' names (scene, mode, fps, "
                            "region, audio, screen-size, duration, ...), `args` or `name`.")
            continue
        try:
            setattr(args, dest, _convert(action, value))
        except ValueError as exc:
            problems.append(f"{where}: `{key}` {exc}.")
    if problems:
        return None, problems
    for dest in PATH_KEYS:
        text = getattr(args, dest)
        if text and not text.startswith("demo:"):
            setattr(args, dest, str((base / Path(text).expanduser()).resolve()))
    args.out = str(out_dir)
    args.name = name.replace("%", "%%")  # the engine's name pattern is strftime'd: keep the name literal
    return settings_from_args(args), []


def _convert(action: argparse.Action, value: Any) -> Any:
    if action.nargs == 0:  # a --flag
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false, not {value!r}")
        return value
    if action.nargs == "*":
        if isinstance(value, str):
            return shlex.split(value)
        if isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
            return [str(v) for v in value]
        raise ValueError("must be a list of arguments, e.g. [\"60\", \"--fast\"]")
    if action.type is not None:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"must be a number, not {value!r}")
        whole = action.type is int
        if whole and isinstance(value, float) and not value.is_integer():
            raise ValueError(f"must be a whole number, not {value!r}")
        try:
            value = action.type(value)
        except (TypeError, ValueError, argparse.ArgumentTypeError):
            raise ValueError(f"must be a {'whole ' if whole else ''}number, not {value!r}") from None
    elif not isinstance(value, str):
        raise ValueError(f"must be text, not {value!r}")
    if action.choices is not None and value not in action.choices:
        raise ValueError(f"is {value!r}: use one of {', '.join(map(str, action.choices))}")
    return value


def _record_parser() -> argparse.ArgumentParser:
    from app.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["record"]
