"""The batch's progress on stderr: one line per event, and a live line (done/failed/running, fps, ETA).

On a terminal the live line is redrawn in place under the events; otherwise (a log file, CI) events are
printed as they come and the live line every `every_s` seconds, so logs stay readable.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Callable, TextIO


@dataclass(frozen=True)
class Running:
    name: str
    state: str  # starting, recording, stopping, finalising
    frames: int
    fps: float


@dataclass(frozen=True)
class Snapshot:
    """The batch at one moment, for a GUI: counts by status (done, failed, pending, ...), the running jobs, ETA."""
    total: int
    counts: dict
    running: tuple[Running, ...]
    eta_s: float | None


def eta_s(remaining: int, running_elapsed: list[float], walls: list[float], capacity: int) -> float | None:
    """Seconds until the last job ends, from the mean time of the attempts finished so far (None before one ends)."""
    if not walls:
        return None
    mean = sum(walls) / len(walls)
    left = mean * remaining + sum(max(0.0, mean - e) for e in running_elapsed)
    return left / max(1, min(capacity, remaining + len(running_elapsed)))


def _clock_text(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else f"{seconds // 60}:{seconds % 60:02d}"


def live_line(total: int, done: int, failed: int, running: list[Running], eta: float | None) -> str:
    jobs = ", ".join(
        f"{r.name} {r.fps:.0f} fps {r.frames} fr" if r.state == "recording" else f"{r.name} {r.state}" for r in running
    )
    return (f"[batch] {done}/{total} done, {failed} failed, {len(running)} running"
            + (f": {jobs}" if jobs else "") + f" | ETA {_clock_text(eta)}")


class Progress:
    def __init__(self, stream: TextIO | None = None, every_s: float = 15.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every_s = every_s
        self._clock = clock
        self._last = -1e9
        self._shown = ""

    def event(self, text: str) -> None:
        self._clear()
        print(text, file=self.stream, flush=True)
        if self.tty and self._shown:
            self._draw(self._shown)

    def live(self, line: str) -> None:
        if self.tty:
            self._draw(line)
        elif self._clock() - self._last >= self.every_s:
            self._last = self._clock()
            print(line, file=self.stream, flush=True)
        self._shown = line

    def finish(self) -> None:
        self._clear()
        self._shown = ""

    def _draw(self, line: str) -> None:
        self.stream.write("\r\x1b[2K" + line[: 200])
        self.stream.flush()

    def _clear(self) -> None:
        if self.tty and self._shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
