"""One finishing ffmpeg (the remux to MP4 at the end of a recording, `recover`, a sound file's conversion): to its end,
with its progress in percent of the file's length and a time limit that grows with the file.

A fixed 600 s limit ended the finishing of long recordings with an uncaught TimeoutExpired, and nothing said how
far it had got. Here the limit is generous for the file at hand (a remux reads and writes it once) and a finish
that stops making progress for a minute is ended too; either way the caller gets a sentence, never an exception.
"""

from __future__ import annotations

import collections
import logging
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Callable

from app.processes import stop_tree

log = logging.getLogger(__name__)

BASE_LIMIT_S = 120.0  # ffmpeg starting and probing, whatever the size
SLOWEST_BYTES_PER_S = 5e6  # a remux reads and writes each byte once: a slow USB disk still does 5 MB/s
SECONDS_PER_MEDIA_S = 0.5  # a sound conversion (FLAC -> AAC) runs at 2x real time on the slowest machine we know
STUCK_S = 60.0  # no progress report for this long: ffmpeg is stuck (a hung disk, a frozen network folder)


@dataclass(frozen=True)
class Finished:
    returncode: int | None  # None: it was ended (the limit, or stuck)
    stderr: str
    problem: str | None = None  # a sentence when it was ended


def time_limit(length_s: float | None, size_bytes: int) -> float:
    """Seconds a finish of this file may take: its size at the slowest disk speed, or its length at the slowest
    conversion speed, whichever is more, plus a fixed start."""
    return BASE_LIMIT_S + max(size_bytes / SLOWEST_BYTES_PER_S, (length_s or 0.0) * SECONDS_PER_MEDIA_S)


def with_progress(command: list[str]) -> list[str]:
    """The command with ffmpeg's machine-readable progress on stdout (added once, right after the binary)."""
    if "-progress" in command:
        return list(command)
    return [command[0], "-progress", "pipe:1", "-stats_period", "0.5", "-nostats", *command[1:]]


def run_finishing(command: list[str], length_s: float | None, size_bytes: int,
                  on_percent: Callable[[int], None] = lambda _p: None, what: str = "the file") -> Finished:
    """Run `command` to its end in its own session (a Ctrl+C to the terminal never cuts it); `on_percent` hears
    0..100 as ffmpeg's output time advances through `length_s`."""
    limit = time_limit(length_s, size_bytes)
    proc = subprocess.Popen(with_progress(command), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    errors: collections.deque[bytes] = collections.deque(maxlen=60)
    reader = threading.Thread(target=lambda: errors.extend(proc.stderr or ()), name="finishing-stderr", daemon=True)
    reader.start()
    moved = [time.monotonic()]
    ended: list[str] = []

    def guard() -> None:
        started = time.monotonic()
        while proc.poll() is None:
            now = time.monotonic()
            if now - started > limit:
                ended.append(f"Finishing {what} took over {limit:.0f} s (the limit for its size) and was stopped.")
            elif now - moved[0] > STUCK_S:
                ended.append(f"Finishing {what} made no progress for {STUCK_S:.0f} s (is the disk still there?) "
                             "and was stopped.")
            if ended:
                stop_tree(proc.pid, timeout=5)
                return
            time.sleep(0.5)

    threading.Thread(target=guard, name="finishing-guard", daemon=True).start()
    on_percent(0)
    shown = 0
    assert proc.stdout is not None
    for raw in proc.stdout:
        moved[0] = time.monotonic()
        key, _, value = raw.decode(errors="replace").strip().partition("=")
        if key == "out_time_us" and length_s and value.lstrip("-").isdigit():
            percent = max(0, min(99, int(int(value) / 1e6 / length_s * 100)))
            if percent > shown:
                shown = percent
                on_percent(percent)
        elif key == "progress" and value == "end":
            on_percent(100)
    code = proc.wait()
    reader.join(5)
    text = b"".join(errors).decode(errors="replace")
    if ended:
        log.warning("%s", ended[0])
        return Finished(None, text, ended[0])
    return Finished(code, text)
