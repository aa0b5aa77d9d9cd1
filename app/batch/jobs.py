"""The jobs file -> `Job`s: a `[defaults]` table and `[[job]]` tables (TOML), or the same shape in JSON.

Keys are the `record` options' names (`scene`, `mode`, `fps`, `screen-size` or `screen_size`, ...), plus
`args` (the scene script's own arguments) and `name` (the job's name, which is also its file name).
Each job is turned into `CaptureSettings` by the very code `record` uses, so a key means the same in both
places. Relative paths are read from the jobs file's folder. Batch jobs are `headless` unless they say not.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.errors import RecorderError
from app.options import BY_DEST, convert, defaults, settings_from_options
from app.model.settings import CaptureSettings

ALIASES = {"args": "scene_args"}
REFUSED = {"out": "is the batch's own --out (every output goes there)", "help": "is not a job setting"}
PATH_KEYS = ("scene", "build", "keep_frames", "obs_password_file")
_NAME = re.compile(r"^\w[\w .+%-]*$")
MAX_WORKERS = 64  # jobs at once on one machine, each with its own Xvfb, PulseAudio, build and ffmpeg (the Batch tab's too)
MAX_RETRIES = 10  # a job that failed 11 times will not record on the 12th


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


def read_text(path: Path) -> str:
    """A jobs file's text: UTF-8 (TOML's and JSON's own encoding; a byte-order mark is skipped), whatever the
    locale. A byte that is not UTF-8 is refused in one line naming the file, the byte's offset and its line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RecorderError(f"Cannot read the jobs file {path} ({exc.strerror or exc}): check the path.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise RecorderError(f"The jobs file {path.name} is not UTF-8: byte {exc.start} (line {line}) is "
                            f"0x{data[exc.start]:02x}: save it as UTF-8 text.") from None


def _short(exc: BaseException) -> str:
    """The cause without Python's advice (e.g. "...: value has 5001 digits; use sys.set_int_max_str_digits()...")."""
    return str(exc).splitlines()[0].split(";")[0].rstrip(".:") if str(exc) else type(exc).__name__


def read_table(path: Path) -> dict:
    """The file's content: TOML (by tomllib) unless it ends in .json."""
    text = read_text(path)
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RecorderError(f"The jobs file {path.name} is not valid JSON: line {exc.lineno}: {exc.msg}.")
        except (ValueError, RecursionError) as exc:  # a number of more than 4300 digits; nesting past the stack
            raise RecorderError(f"The jobs file {path.name} cannot be read as JSON ({_short(exc)}): fix it.") from None
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
        except (ValueError, RecursionError) as exc:
            raise RecorderError(f"The jobs file {path.name} cannot be read as TOML ({_short(exc)}): fix it.") from None
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
    for name, index in seen.items():  # NAME-N is the name job NAME records to when its own is taken: never a job's
        taken = re.match(r"^(.*)-[1-9][0-9]*$", name)
        if taken and taken.group(1) in seen:
            problems.append(f"job {index} ({name}): the name {name!r} is what job {seen[taken.group(1)]} ({taken.group(1)}) "
                            f"is saved as when its own name is taken: rename one of them (e.g. {name.replace('-', '_')!r}).")
            jobs = [job for job in jobs if job.index != index]
    return jobs, problems


def job_settings(values: dict[str, Any], where: str, base: Path, out_dir: Path, name: str):
    """(CaptureSettings or None, problems) for one job's merged keys, read as `record` reads its options."""
    options = defaults()
    options["headless"] = True  # each job on its own display and sound server, unless it says otherwise
    problems = []
    for key, value in values.items():
        dest = ALIASES.get(key, key.replace("-", "_"))
        if dest in REFUSED:
            problems.append(f"{where}: `{key}` {REFUSED[dest]}.")
            continue
        option = BY_DEST.get(dest)
        if option is None:
            problems.append(f"{where}: unknown key `{key}`: use the record options' names (scene, mode, fps, "
                            "region, audio, screen-size, duration, ...), `args` or `name`.")
            continue
        try:
            options[dest] = convert(option, value)
        except ValueError as exc:
            problems.append(f"{where}: `{key}` {exc}.")
    if problems:
        return None, problems
    for dest in PATH_KEYS:
        text = options[dest]
        if text and not text.startswith("demo:"):
            options[dest] = str((base / Path(text).expanduser()).resolve())
    options["out"] = str(out_dir)
    options["name"] = name.replace("%", "%%")  # the engine's name pattern is strftime'd: keep the name literal
    return settings_from_options(options), []
