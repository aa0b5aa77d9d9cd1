"""Pausing one recording: whether its backend can, and the paused stretches' clock.

The session asks `pausable()` before a pause (one line when the backend cannot, from its registry entry), and keeps
a `PausedTime`: seconds paused in all, and a tick once a second while paused, so the live status (the CLI's line,
the window, `ctl status`) shows the paused time grow although the capture reports nothing meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from app.capture.base import Pausable, Recorder
from app.capture.build_ffmpeg import BuildFfmpegRecorder
from app.capture.ffmpeg_screen import FfmpegScreenRecorder
from app.capture.registry import info
from app.errors import RecorderError

log = logging.getLogger(__name__)

TICK_S = 1.0


def pausable(backend: str, recorder: Recorder | None) -> Pausable:
    """The recorder, when its backend declares it can pause (registry `can_pause`); else a one-line RecorderError."""
    entry = info(backend)
    if not entry.can_pause or not isinstance(recorder, Pausable):
        raise RecorderError(entry.pause_advice or f"{entry.label} cannot pause: stop and record again.")
    return recorder


def steer_with_scene(recorder: Recorder | None, scene) -> None:
    """A TDW scene helps its recorder pause (`scene`: app.scene.runner.SceneRunner): the build's own ffmpeg takes its
    orders with the scene's frames; our ffmpeg on the scene's window holds the scene at resume until it records."""
    if isinstance(recorder, BuildFfmpegRecorder):
        recorder.steer = scene.steer_capture
    elif isinstance(recorder, FfmpegScreenRecorder):
        recorder.hold_scene = (scene.hold, scene.release_resize)


class PausedTime:
    """Seconds paused so far; `on_tick()` is called every TICK_S while paused (from a thread of its own)."""

    def __init__(self, on_tick: Callable[[], None], clock: Callable[[], float] = time.monotonic) -> None:
        self._on_tick = on_tick
        self._clock = clock
        self._since: float | None = None
        self._total = 0.0
        self._resumed = threading.Event()

    @property
    def paused(self) -> bool:
        return self._since is not None

    def seconds(self) -> float:
        """Paused in all, the stretch under way included."""
        since = self._since
        return self._total + (self._clock() - since if since is not None else 0.0)

    def begin(self) -> None:
        if self._since is not None:
            return
        self._since = self._clock()
        self._resumed.clear()
        threading.Thread(target=self._tick, name="paused-tick", daemon=True).start()

    def end(self) -> float:
        """The stretch is over (resumed, or stopped while paused); returns the seconds paused in all."""
        since, self._since = self._since, None
        if since is not None:
            self._total += self._clock() - since
        self._resumed.set()
        return self._total

    def _tick(self) -> None:
        while not self._resumed.wait(TICK_S):
            self._on_tick()


class Pauser:
    """Pause and resume of one recording (the session's), one at a time and never after its stop has begun.
    `state()` is the session's state, `recorder()` its recorder, `publish(**changes)` sends it a new status."""

    def __init__(self, backend: str, state: Callable[[], str], recorder: Callable[[], Recorder | None],
                 publish: Callable[..., None], clock: Callable[[], float] = time.monotonic) -> None:
        self._backend = backend
        self._state = state
        self._recorder = recorder
        self._publish = publish
        self._lock = threading.Lock()  # the ctl server, the window and a signal may ask at once
        self._stopping = False
        self.time = PausedTime(lambda: publish(), clock)

    def pause(self) -> None:
        with self._lock:
            if self._state() == "paused":
                raise RecorderError("The recording is paused already: resume goes on.")
            if self._state() != "recording" or self._recorder() is None or self._stopping:
                raise RecorderError("Nothing is being recorded yet (or it is ending): pause once it records.")
            pausable(self._backend, self._recorder()).pause()
            self.time.begin()
            log.info("paused")
            self._publish(state="paused")

    def resume(self) -> None:
        with self._lock:
            if self._state() != "paused" or self._stopping:
                raise RecorderError("The recording is not paused: nothing to resume.")
            pausable(self._backend, self._recorder()).resume()
            log.info("resumed after %.2f s paused in all", self.time.end())
            self._publish(state="recording")

    def stop(self) -> float:
        """No pause or resume from now on (one under way finishes first); returns the seconds paused in all."""
        with self._lock:
            self._stopping = True
            return self.time.end()
