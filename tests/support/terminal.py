"""The real CLI as a terminal runs it, for the signal and leak tests (tests/test_signals.py, tests/test_leaks.py).

A shell starts each command as a job in its own process group, and the terminal sends Ctrl+C (SIGINT) and, when
it is closed, SIGHUP to that whole group: `TerminalJob.send` does the same (`os.killpg`). What the job prints is
collected line by line as it comes; every process it starts is noted while it runs, so a test can check that
none outlives it, wherever it was reparented to.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

import psutil

from app.ffmpeg.locate import find_ffmpeg

ROOT = Path(__file__).resolve().parents[2]

# An ffmpeg whose remux of a crash-safe recording into the final file (the only ffmpeg given +faststart) first
# waits $SLOW_REMUX_S seconds: the finishing of a long recording, so that a signal surely arrives while it runs.
SLOW_FFMPEG = """#!{python}
import os, sys, time
if "+faststart" in sys.argv:
    time.sleep(float(os.environ.get("SLOW_REMUX_S", "0")))
os.execv({ffmpeg!r}, [{ffmpeg!r}, *sys.argv[1:]])
"""


def slow_ffmpeg(folder: Path) -> Path:
    path = folder / "slow-ffmpeg"
    path.write_text(SLOW_FFMPEG.format(python=sys.executable, ffmpeg=find_ffmpeg(None).path))
    path.chmod(0o755)
    return path


class Descendants:
    """Every process seen below `pid` while it runs (polled), to find any that outlives it."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.seen: dict[int, psutil.Process] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                for child in psutil.Process(self.pid).children(recursive=True):
                    self.seen.setdefault(child.pid, child)
            except psutil.NoSuchProcess:
                return
            time.sleep(0.05)

    def names(self) -> set[str]:
        names = set()
        for proc in self.seen.values():
            try:
                names.add(proc.name())
            except psutil.NoSuchProcess:
                pass
        return names

    def alive(self, timeout: float = 10.0) -> list[str]:
        """Those still running after `timeout` (zombies count as gone)."""
        self._stop.set()
        self._thread.join(5)
        deadline = time.monotonic() + timeout
        while True:
            left = []
            for proc in self.seen.values():
                try:
                    if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                        left.append(f"{proc.pid} {' '.join(proc.cmdline())[:100]}")
                except psutil.NoSuchProcess:
                    pass
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.1)


class TerminalJob:
    """`main.py ARGS` in its own process group, as a shell job; TMPDIR is `tmp` (to see what it leaves there)."""

    def __init__(self, args: list[str], tmp: Path, env: dict[str, str] | None = None) -> None:
        tmp.mkdir(parents=True, exist_ok=True)
        self.tmp = tmp
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT,
                                     env={**(env if env is not None else os.environ), "TMPDIR": str(tmp)},
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.descendants = Descendants(self.proc.pid)
        self._readers = [threading.Thread(target=self._read, args=(pipe, lines), daemon=True)
                         for pipe, lines in ((self.proc.stdout, self.stdout), (self.proc.stderr, self.stderr))]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(pipe, lines: list[str]) -> None:
        for line in pipe:
            lines.append(line)

    @property
    def said(self) -> str:
        return "".join(self.stderr)

    def send(self, sig: int) -> None:
        """As the terminal sends it: to the job's whole process group."""
        os.killpg(self.proc.pid, sig)

    def wait_until(self, ready: Callable[[], object], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if time.monotonic() > deadline or self.proc.poll() is not None and not ready():
                code = self.proc.poll()
                self.kill()  # a failed test leaves no recording running on
                raise AssertionError(f"no {what}; exit code {code}; it said:\n{self.said[-3000:]}")
            time.sleep(0.02)

    def wait_said(self, text: str, timeout: float = 15.0) -> None:
        self.wait_until(lambda: text in self.said, timeout, f"{text!r} on stderr")

    def kill(self) -> None:
        """The whole job at once (SIGKILL to its group), as a test that gives up on it must leave nothing running."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()

    def finish(self, timeout: float = 90.0) -> int:
        try:
            code = self.proc.wait(timeout)
        finally:
            self.kill()
        for reader in self._readers:
            reader.join(10)
        return code
