"""Noticing a child that stops making progress without exiting (a frozen ffmpeg, a build that connected and
then never answers): each watched source is read a few times a second; one whose reading has not changed for
its limit, while it is expected to move, is a stall, reported once in words that name it.

Sources are plain callables, so every route hands in what it can measure (ffmpeg's progress, the scene's
frames, the build's CPU time) and the session decides what a stall ends.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Hashable

log = logging.getLogger(__name__)

FRAME_BACKLOG = 60  # frames piped in but not encoded, beyond which a frame route's ffmpeg is not keeping up
STALL_S = 4.0  # no progress this long: a stall (the goal: the user is told within 5 s)
POLL_S = 0.25


@dataclass
class Source:
    """One thing expected to move: `read()` returns anything comparable; a change is progress."""

    name: str
    read: Callable[[], Hashable]
    message: str  # what the user is told, one line that names what stalled and what was kept
    expected: Callable[[], bool] = lambda: True  # False while it may legitimately stand still
    limit_s: float = STALL_S


class Watchdog:
    """Reads every source each `poll_s`; calls `on_stall(source)` once for the first that stalls, then stops."""

    def __init__(self, sources: list[Source], on_stall: Callable[[Source], None], poll_s: float = POLL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._sources = sources
        self._on_stall = on_stall
        self._poll_s = poll_s
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="watchdog", daemon=True)

    def add(self, source: Source) -> None:
        """Watch one more source (the capture and the scene start at different moments)."""
        self._sources = [*self._sources, source]

    def start(self) -> "Watchdog":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        last: dict[str, tuple[Hashable, float]] = {}
        while not self._stop.wait(self._poll_s):
            now = self._clock()
            for source in list(self._sources):
                try:
                    reading = source.read()
                    expected = source.expected()
                except Exception:  # noqa: BLE001 - a source that cannot be read now is asked again
                    log.debug("watchdog source %s could not be read", source.name, exc_info=True)
                    continue
                seen = last.get(source.name)
                if not expected or seen is None or seen[0] != reading:
                    last[source.name] = (reading, now)
                elif now - seen[1] >= source.limit_s:
                    log.info("stall: %s (%s unchanged for %.1f s)", source.name, reading, now - seen[1])
                    self._stop.set()
                    self._on_stall(source)
                    return


def _tree_cpu(pid: int | None) -> float:
    """CPU seconds used by a process and its children so far (0 when it is gone)."""
    import psutil

    if pid is None:
        return 0.0
    try:
        root = psutil.Process(pid)
        total = sum(root.cpu_times()[:2])
        for child in root.children(recursive=True):
            try:
                total += sum(child.cpu_times()[:2])
            except psutil.Error:
                pass
        return total
    except psutil.Error:
        return 0.0


def capture_source(recorder, recording: Callable[[], bool], who: str = "ffmpeg") -> Source:
    """ffmpeg (or OBS, or fmedia) reports what it has written; a capture that writes nothing new has stalled.
    Not expected to move before its first progress, or while a followed window is hidden or being restarted."""
    def read() -> Hashable:
        p = recorder.progress()
        return p.frames, p.size_bytes, round(p.out_time_s, 2)

    def expected() -> bool:
        p = recorder.progress()
        # the frame routes: frames piped in by the scene. The encoder holds some back (lookahead) while the
        # scene is idle, so only a backlog beyond that means ffmpeg has stopped taking them
        queued = getattr(recorder, "frames_in", None)
        return (recording() and bool(p.frames or p.size_bytes) and not getattr(recorder, "waiting", False)
                and (queued is None or queued > p.frames + FRAME_BACKLOG))

    return Source("capture", read, f"The recorder ({who}) stopped making progress: nothing new was written for "
                  f"{STALL_S:g} s, so the recording was stopped.", expected)


def scene_build_source(scene) -> Source:
    """The scene sent the build a frame; the build answers each one. A build that neither answers nor uses any
    CPU meanwhile is stuck (one that loads a scene or renders a heavy frame is busy, not stalled)."""
    def read() -> Hashable:
        return scene.frames, round(_tree_cpu(scene.build.pid if scene.build else None) / 0.05)

    def expected() -> bool:
        return scene.connected.is_set() and not scene.ended.is_set() and scene.sent > scene.frames

    return Source("build", read, f"The TDW build stopped answering: it has not replied to the scene for {STALL_S:g} s "
                  "and is doing nothing (stuck), so the recording was stopped.", expected)
