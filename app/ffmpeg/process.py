"""One running ffmpeg: progress to a callback, a tail of its errors, and a graceful stop ladder."""

from __future__ import annotations

import array
import collections
import logging
import subprocess
import threading
import time
from typing import Callable, Sequence

try:  # POSIX: how much of the frame route's pipe ffmpeg has read
    import fcntl
    import termios
except ImportError:  # pragma: no cover - Windows
    fcntl = termios = None  # type: ignore[assignment]

from app.ffmpeg.progress import ProgressParser
from app.model.progress import Progress
from app.processes import kill_group, one_death_signal, spawn, stop_tree

log = logging.getLogger(__name__)

DISK_FULL_MARKERS = ("No space left on device", "File too large")


STALLED_WAIT_S = 2.0  # how long a stalled ffmpeg is given at each step of stop() before the next
QUIET_S = 3.0  # progress reports standing still this long: stop() treats ffmpeg as stalled

class FfmpegProcess:
    """Runs ffmpeg without ever blocking the caller; all reading happens on daemon threads."""

    def __init__(
        self,
        cmd: Sequence[str],
        on_progress: Callable[[Progress], None] | None = None,
        on_exit: Callable[[int], None] | None = None,
        env: dict[str, str] | None = None,
        niceness: int = 0,
    ) -> None:
        self.cmd = list(cmd)
        self._niceness = niceness  # > 0: below our priority (frames waiting in a queue, nothing live to miss)
        self._on_progress = on_progress or (lambda _s: None)
        self._on_exit = on_exit or (lambda _rc: None)
        self._env = env
        self._stderr: collections.deque[str] = collections.deque(maxlen=40)
        self.last_stats = Progress()
        self.proc: subprocess.Popen | None = None
        self.stop_requested = False
        self.stalled = False  # it stopped making progress: ending it does not wait for it to finish its file
        # an input it reads is frozen (a sound server that does not answer): it cannot hear `q` or SIGTERM while it
        # waits on it, so stop() kills it at once (the live Matroska file is flushed packet by packet: it plays)
        self.frozen_input = False
        self._moved_at: float | None = None  # when its progress last moved (monotonic)
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        log.info("starting: %s", " ".join(self.cmd))
        argv, death_signal = one_death_signal(self.cmd)  # a second SIGTERM would make ffmpeg drop its file's end
        self.proc = spawn(
            argv, death_signal=death_signal, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=self._env, bufsize=0, niceness=self._niceness,
        )
        self._threads = [
            threading.Thread(target=self._read_progress, name="ffmpeg-progress", daemon=True),
            threading.Thread(target=self._read_stderr, name="ffmpeg-stderr", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def stderr_tail(self) -> list[str]:
        return list(self._stderr)

    @property
    def disk_full(self) -> bool:
        return any(marker in line for line in self._stderr for marker in DISK_FULL_MARKERS)

    def _record_stats(self, stats: Progress) -> None:
        if (stats.frames, stats.size_bytes, stats.out_time_s) != (self.last_stats.frames, self.last_stats.size_bytes,
                                                                  self.last_stats.out_time_s):
            self._moved_at = time.monotonic()
        self.last_stats = stats
        self._on_progress(stats)

    def _looks_stalled(self) -> bool:
        """It has written nothing new for a while (its progress reports, if any, stand still)."""
        return self.stalled or (self._moved_at is not None and time.monotonic() - self._moved_at > QUIET_S)

    def _read_progress(self) -> None:
        assert self.proc and self.proc.stdout
        parser = ProgressParser(self._record_stats)
        for raw in iter(self.proc.stdout.readline, b""):
            parser.feed(raw.decode("utf-8", "replace"))
        returncode = self.proc.wait()
        for thread in self._threads[1:]:
            thread.join(timeout=2)
        self._on_exit(returncode)

    def _read_stderr(self) -> None:
        assert self.proc and self.proc.stderr
        for raw in iter(self.proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                self._stderr.append(line)
                log.debug("ffmpeg: %s", line)

    def write(self, data: bytes) -> bool:
        """Feed stdin (the frame route); False once ffmpeg has gone away."""
        if self.proc is None or self.proc.stdin is None or self.proc.stdin.closed:
            return False
        try:
            self.proc.stdin.write(data)
            return True
        except (BrokenPipeError, OSError, ValueError):
            return False

    def flush(self) -> bool:
        """Send what write() still holds in its buffer (a small write, such as a header, may wait there)."""
        if self.proc is None or self.proc.stdin is None or self.proc.stdin.closed:
            return False
        try:
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):
            return False

    def unread_input(self) -> int | None:
        """Bytes written to ffmpeg's stdin that it has not read yet (None when that cannot be told)."""
        if self.proc is None or self.proc.stdin is None or self.proc.stdin.closed or termios is None:
            return None
        try:
            waiting = array.array("i", [0])
            fcntl.ioctl(self.proc.stdin.fileno(), termios.FIONREAD, waiting)  # a pipe counts its bytes at either end
            return int(waiting[0])
        except (OSError, ValueError):
            return None

    def finish_input(self, timeout: float = 60.0) -> int | None:
        """End of the piped input: ffmpeg encodes what it has, closes the file and exits."""
        if self.proc is None:
            return None
        self.stop_requested = True
        timeout = min(timeout, STALLED_WAIT_S) if self.stalled else timeout
        if self.proc.stdin and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except (OSError, ValueError):  # gone already, or stdin closed by an earlier stop()
                pass
        code = self.wait(timeout)
        if code is None:
            stop_tree(self.proc.pid, timeout=5)
            code = self.wait(5)
        return code

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for ffmpeg to end and its output to be read; None if it is still running."""
        if self.proc is None:
            return None
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        self._threads[0].join(timeout=5 if timeout is None else max(timeout, 0.5))
        if self._threads[0].is_alive():
            # ffmpeg's guard (app.processes.one_death_signal) ended, but ffmpeg still holds its output open: it is
            # still running (e.g. blocked reading a frozen sound server, deaf to SIGTERM)
            return None
        return code

    def stop(self, timeout: float = 5.0) -> int | None:
        """Ask ffmpeg to finish (`q`), then terminate, then kill its whole tree; each step waits `timeout`
        (a live recording finishes within a second of `q`), or less when it has stopped making progress."""
        if self.proc is None:
            return None
        self.stop_requested = True
        if self.frozen_input and self.proc.poll() is None:
            kill_group(self.proc.pid)
            stop_tree(self.proc.pid, timeout=STALLED_WAIT_S)
            return self.wait(STALLED_WAIT_S)
        timeout = min(timeout, STALLED_WAIT_S) if self._looks_stalled() else timeout
        if self.proc.poll() is None and self.proc.stdin:
            try:
                self.proc.stdin.write(b"q")
                self.proc.stdin.flush()
                self.proc.stdin.close()
            except (OSError, ValueError):  # gone already, or stdin closed by an earlier stop()
                pass
        code = self.wait(timeout)
        if code is None:
            log.warning("ffmpeg did not finish within %.0f s of 'q'; terminating it", timeout)
            self.proc.terminate()  # one SIGTERM reaches ffmpeg (through its guard): it still closes its file
            code = self.wait(timeout)
        if code is None:
            stop_tree(self.proc.pid, timeout=timeout)
            code = self.wait(timeout)
        if code is None:
            kill_group(self.proc.pid)  # what is left of its process group once the guard is gone: ffmpeg itself
            code = self.wait(timeout)
        return code


def describe_failure(proc: FfmpegProcess, returncode: int) -> str:
    """One line for an ffmpeg that ended on its own."""
    if proc.disk_full:
        return "The disk is full, so the recording stopped: free some space or choose another folder."
    tail = [line for line in proc.stderr_tail if line.strip()]
    detail = tail[-1] if tail else f"exit code {returncode}"
    return f"ffmpeg stopped unexpectedly ({detail})."
