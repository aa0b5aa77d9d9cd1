"""The run's log file: each run of the CLI and of the window writes one, in the platform's log folder (app.paths).

One file per run, `tdw-recorder-<date>-<time>-<command>-<pid>.log` (the window's command is "window"), so two
runs at once never write into one file; it rotates at `MAX_BYTES` (`.log.1` ... `.log.<BACKUPS>`), and starting
a run removes all but the last `KEEP_RUNS` runs' files. The first line says what ran: the version, the command
line, Python and the platform. The file holds everything logged at INFO and above, whatever `-v` asks of stderr
(stderr keeps the level it had).

No secret reaches it, nor stderr: `RedactSecrets` replaces every OBS password this process holds (see
`app.model.obs.secrets_seen`: TDW_RECORDER_OBS_PASSWORD, a password file, the window's field, the one given to an
OBS we launch) with `***` in each message, its arguments and its traceback. The password files named on the
command line are read before the first line is written, so the header cannot hold one either.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import shlex
import sys
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Callable, Iterable, Sequence

from app import __version__
from app.errors import RecorderError
from app.model.obs import read_password_file, secrets_seen
from app.paths import LOG_DIR_ENV, log_dir

log = logging.getLogger("tdw-recorder.log")

PREFIX = "tdw-recorder-"
KEEP_RUNS = 10  # the files of this many runs (this one included) stay in the folder
MAX_BYTES = 1024 * 1024
BACKUPS = 4  # so one run keeps at most (1 + BACKUPS) * MAX_BYTES
REDACTED = "***"
FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s]: %(message)s"
CONSOLE_FORMAT = "%(levelname)s %(name)s: %(message)s"  # the CLI's own (app.cli: logging.basicConfig)

_handler: RotatingFileHandler | None = None
_problem = "not started"  # why this run has no log file


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret (and its escaped spellings, as repr() or JSON would show it) replaced by ***."""
    forms = {form for secret in secrets if secret for form in (secret, repr(secret)[1:-1], json.dumps(secret)[1:-1])}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, REDACTED)
    return text


class RedactSecrets(logging.Filter):
    """A handler filter: the record's message (after its arguments are put in), traceback and stack, redacted."""

    def __init__(self, secrets: Callable[[], Iterable[str]] = secrets_seen) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = [s for s in self._secrets() if s]
        if not secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the message: logging would print both to stderr
            message = f"{record.msg} {record.args!r}"
        clean = redact(message, secrets)
        if clean != message or not isinstance(record.msg, str):
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, secrets)
        return True


class _PrivateFile(RotatingFileHandler):
    """A rotating log file readable by the user alone (it names windows, folders and commands); a link at its
    name is never followed."""

    def _open(self):
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
        return open(os.open(self.baseFilename, flags, 0o600), self.mode, encoding=self.encoding, errors=self.errors)


def public_argv(argv: Sequence[str]) -> list[str]:
    """The command line as the header shows it: the value of any --...password option (not a password *file*)
    replaced by ***; the known secrets themselves are redacted from the whole line by RedactSecrets."""
    shown, hide_next = [], False
    for arg in argv:
        name, equals, _value = arg.partition("=")
        secret_option = name.startswith("-") and "password" in name.lower() and not name.lower().endswith("-file")
        if hide_next:
            shown.append(REDACTED)
        elif secret_option and equals:
            shown.append(f"{name}={REDACTED}")
        else:
            shown.append(arg)
        hide_next = secret_option and not equals
    return shown


def _note_password_files(argv: Sequence[str]) -> None:
    """Read the password files named on the command line now (read_password_file notes each password as a
    secret), so not even the header can show one; a file that cannot be read is the command's to report."""
    for i, arg in enumerate(argv):
        name, equals, value = arg.partition("=")
        if name.startswith("--") and name.endswith("password-file"):
            path = value if equals else (argv[i + 1] if i + 1 < len(argv) else "")
            try:
                if path:
                    read_password_file(Path(path).expanduser())
            except (RecorderError, OSError, ValueError):
                pass


def _prune(folder: Path, keep: int) -> None:
    """Remove the files of all but the newest `keep` runs (the names start with the run's date and time)."""
    runs: dict[str, list[Path]] = {}
    for path in folder.glob(f"{PREFIX}*.log*"):
        runs.setdefault(path.name.split(".log", 1)[0], []).append(path)
    for name in sorted(runs)[:-keep] if keep > 0 else sorted(runs):
        for path in runs[name]:
            try:
                path.unlink()
            except OSError:
                pass  # another run removed it first, or it is not ours to remove


def _label(command: str) -> str:
    return "".join(c if c.isalnum() or c == "-" else "-" for c in command.lower())[:40] or "run"


def start(command: str, argv: Sequence[str], *, console: bool = False, folder: Path | None = None) -> Path | None:
    """Log this run to a new file in `folder` (default: app.paths.log_dir()) and return its path; None when the
    folder cannot be written (said once on stderr; the run goes on without a file). Once per process: a second
    call returns the first file. `console`: also show warnings on stderr, as Python did before (the window)."""
    global _handler, _problem
    if _handler is not None:
        return Path(_handler.baseFilename)
    _note_password_files(argv)
    root = logging.getLogger()
    if console and not any(getattr(handler, "stream", None) is sys.stderr for handler in root.handlers):
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setFormatter(logging.Formatter(CONSOLE_FORMAT))
        stderr.setLevel(logging.WARNING)  # what Python printed before without any set-up (logging.lastResort)
        root.addHandler(stderr)
    for handler in root.handlers:
        if handler.level == logging.NOTSET:  # keeps what it showed before the root logger is opened up below
            handler.setLevel(root.getEffectiveLevel())
        handler.addFilter(RedactSecrets())
    folder = folder or log_dir()
    name = f"{PREFIX}{time.strftime('%Y%m%d-%H%M%S')}-{_label(command)}-{os.getpid()}.log"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        _prune(folder, KEEP_RUNS - 1)
        handler = _PrivateFile(folder / name, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8",
                               errors="backslashreplace")  # a file name's bytes that are not UTF-8 (os.fsdecode) as \xNN
    except OSError as exc:
        _problem = f"{folder} cannot be written ({exc.strerror or exc}): set {LOG_DIR_ENV} to a folder you can write"
        print(f"tdw-recorder: no log file this run: {_problem}.", file=sys.stderr)
        return None
    handler.setFormatter(logging.Formatter(FILE_FORMAT))
    handler.setLevel(logging.INFO)
    handler.addFilter(RedactSecrets())
    root.addHandler(handler)
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)
    _handler = handler
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "tdw-recorder"
    said(f"TDW Recorder {__version__} ({command}): {shlex.join([program, *public_argv(argv)])} | "  # the first line,
         f"Python {platform.python_version()} on {platform.platform()} | pid {os.getpid()}", logging.INFO)  # file alone
    return Path(handler.baseFilename)


def said(message: str, level: int = logging.ERROR) -> None:
    """A line the run told its user on stderr, kept in this run's log file too (in the file alone: stderr has it)."""
    if _handler is not None:
        _handler.handle(log.makeRecord(log.name, level, __file__, 0, "%s", (message,), None))


def stop() -> None:
    """Close this run's file (tests; at exit logging closes it anyway)."""
    global _handler, _problem
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
    _handler, _problem = None, "not started"


def current_file() -> Path | None:
    return Path(_handler.baseFilename) if _handler is not None else None


def status() -> tuple[bool, str]:
    """(has a file, what to say): for `doctor`."""
    path = current_file()
    if path is None:
        return False, f"no log file this run: {_problem}"
    return True, f"{path} (this run; the last {KEEP_RUNS} runs are kept in that folder)"
