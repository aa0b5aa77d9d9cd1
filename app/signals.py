"""What a signal that ends the app does: one policy for the CLI, the window and a batch (and its workers).

SIGINT (Ctrl+C), SIGTERM and SIGHUP (the terminal was closed) each end a recording as Stop does: the capture
stops and the file is finished. One more while it finishes only says what is going on; another within
`AGAIN_S` of that stops now: the final file is not made, and the crash-safe recording (it plays as it is) is
left for `tdw-recorder recover`, which finishes it once. A signal before anything records unwinds at once.

Handlers run on the main thread (Python's rule), so what they call must be safe there: setting an event,
sending a signal, starting a thread, writing one line straight to a file descriptor.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Sequence

import psutil

from app.output import RECORDING_INFIX

ENDING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
AGAIN_S = 2.0  # a signal within this long of the "still finishing" note stops now
CUT_WATCH_S = 60.0  # how long "stop now" keeps watching for the finishing ffmpeg to start

STILL_FINISHING = (f"Still finishing the recording (a few seconds); press Ctrl+C again within {AGAIN_S:g} s to stop now "
                   "and leave the file for `tdw-recorder recover`.")
STOPPING_NOW = ("Stopping now: the final file is not made; the crash-safe recording (it plays as it is) is left "
                "for `tdw-recorder recover`, which finishes it.")


def describe(signum: int) -> str:
    """How a user would name the signal."""
    names = {int(signal.SIGINT): "Ctrl+C", int(signal.SIGHUP): "SIGHUP (the terminal was closed)"}
    return names.get(int(signum), signal.Signals(signum).name)


class Interrupted(KeyboardInterrupt):
    """An ending signal before anything was recorded: unwinds (stopping what started), nothing to finish."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class EndingSignals:
    """The policy, given what "stop", "say" and "now" mean to one front end.

    `stop(signum)` runs for the first ending signal (it may raise `Interrupted` when nothing records yet);
    every later one says `STILL_FINISHING` (or the front end's own text), and one within `AGAIN_S` of that
    calls `now()` after saying `STOPPING_NOW`.
    """

    def __init__(self, stop: Callable[[int], None], say: Callable[[str], None], now: Callable[[], object] | None = None,
                 *, still: str = STILL_FINISHING, stopping_now: str = STOPPING_NOW,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._stop, self._say, self._now = stop, say, now or (lambda: None)
        self.still, self.stopping_now = still, stopping_now  # what later signals say (a front end may change them)
        self.again: Callable[[int], None] = lambda _signum: None  # runs for every signal after the first
        self._clock = clock
        self.received: list[int] = []
        self.now_requested = False
        self._noted_at: float | None = None  # when "still finishing" was last said
        self._pid = os.getpid()

    def handle(self, signum: int, _frame=None) -> None:
        if os.getpid() != self._pid:
            return  # a child we are forking, still in our process group (Python code runs there before exec): not ours
        self.received.append(signum)
        if len(self.received) == 1:
            self._stop(signum)
            return
        self.again(signum)
        at = self._clock()
        if self._noted_at is not None and at - self._noted_at <= AGAIN_S and not self.now_requested:
            self.now_requested = True
            self._say(self.stopping_now)
            self._now()
            return
        self._noted_at = at
        self._say(self.still)

    def install(self, signals: Sequence[int] = ENDING) -> Callable[[], None]:
        """Handle `signals` from now on; returns what puts the previous handlers back."""
        self._pid = os.getpid()
        previous = {sig: signal.signal(sig, self.handle) for sig in signals}

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        return restore


def stderr_fd() -> int:
    try:
        return sys.stderr.fileno()
    except (AttributeError, ValueError, OSError):  # replaced by an object without a descriptor (tests, no console)
        return 2


def say_on(fd: int | None = None, prefix: str = "tdw-recorder: ", newline_first: bool = False) -> Callable[[str], None]:
    """A `say` that writes one line straight to `fd` (default: stderr's), with no Python buffer a handler could
    re-enter; a closed terminal (EIO) or pipe is ignored: there is no one left to tell. `newline_first`: a live
    status line (ending in a carriage return) is on the terminal."""
    if fd is None:
        fd = stderr_fd()

    def say(text: str) -> None:
        try:
            line = ("\n" if newline_first else "") + f"{prefix}{text}\n"
            os.write(fd, line.encode("utf-8", "replace"))
        except OSError:
            pass

    return say


def detach_from_terminal() -> None:
    """SIGHUP: the terminal is gone, and writing to it would fail (EIO). Our stdout and stderr that went to it
    now go nowhere, so finishing the recording never trips over a print."""
    for fd in (1, 2):
        try:
            if os.isatty(fd):
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, fd)
                os.close(null)
        except OSError:
            pass


def finishes_a_recording(cmdline: Sequence[str]) -> bool:
    """An ffmpeg that reads a crash-safe `NAME.recording.EXT` (`-i`) and writes another file beside it, or in a private
    folder beside it (app.output.private_folder): the remux (or conversion) that makes the final file.
    `ffmpeg -i FILE` alone (a probe) does not count."""
    args = list(cmdline)
    for i, arg in enumerate(args[:-1]):
        source = Path(args[i + 1])
        if arg == "-i" and f"{RECORDING_INFIX}." in source.name:
            return any(a != args[i + 1] and not a.startswith("-") and _beside(Path(a), source.parent) for a in args[i + 2:])
    return False


def _beside(path: Path, folder: Path) -> bool:
    """`path` is in `folder`, or in a private (dot-named) folder of it."""
    return path.parent == folder or (path.parent.parent == folder and path.parent.name.startswith("."))


def cut_finishing(pid: int | None = None, watch_s: float = CUT_WATCH_S, poll_s: float = 0.05) -> threading.Event:
    """Stop now: kill the ffmpeg that makes a final file from a crash-safe recording, among `pid`'s (default: our)
    descendants, now or when it starts within `watch_s`. The finishing code sees the remux fail, removes its
    partial output and keeps the crash-safe file for `recover`. Returns an event that ends the watch early."""
    done = threading.Event()
    root = psutil.Process(pid or os.getpid())

    def watch() -> None:
        deadline = time.monotonic() + watch_s
        while not done.is_set() and time.monotonic() < deadline:
            try:
                children = root.children(recursive=True)
            except psutil.NoSuchProcess:
                return
            for child in children:
                try:
                    if finishes_a_recording(child.cmdline()):
                        child.kill()
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    pass
            done.wait(poll_s)

    threading.Thread(target=watch, name="cut-finishing", daemon=True).start()
    return done
