"""Which source a scene's recording hears when audio is "default": the monitor of the sink the build plays to.

"What the computer plays" (the default sink's monitor) is silent when the user routed the TDW build to
another output (headphones, a second card, PULSE_SINK). The build is found by its processes (the build,
the scene and their children: a build may play through a helper process) in `pactl list sink-inputs`
(app.audio.streams). A build with no sound stream yet when the recording starts is recorded from the default
sink's monitor instead, and the note says so: every recording with sound names its source in one line.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

import psutil

from app.audio.streams import monitor_of_processes

STREAM_GRACE_S = 1.0  # how long to wait for a running build's sound stream before falling back


@dataclass(frozen=True)
class AudioChoice:
    """The source a recording uses, and one line saying why (for the log, the status and the result)."""

    source: str
    note: str


def chosen(source: str, default: bool) -> AudioChoice:
    """No build to follow: the source from the plan (the default sink's monitor, or the user's choice)."""
    why = "the default output (what the computer plays)" if default else "as chosen"
    return AudioChoice(source, f"Audio from {source}: {why}.")


def follows_build(settings) -> bool:
    """Whether a recording's "default" sound follows its TDW build (a scene runs, on PulseAudio)."""
    return bool(settings.scene and settings.audio in ("", "none", "default") and settings.platform.startswith("linux"))


def with_descendants(pids: Iterable[int]) -> set[int]:
    """`pids` and every process they started (still running)."""
    found = set(pids)
    for pid in list(found):
        try:
            found.update(child.pid for child in psutil.Process(pid).children(recursive=True))
        except psutil.Error:
            pass
    return found


def build_source(
    default_monitor: str,
    pids: Callable[[], Iterable[int]],
    env: Mapping[str, str] | None = None,
    find: Callable[[Iterable[int]], str | None] | None = None,
    grace_s: float = STREAM_GRACE_S,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> AudioChoice:
    """The monitor of the sink the build's processes play to; after `grace_s` without one, `default_monitor`."""
    find = find or (lambda wanted: monitor_of_processes(wanted, env))
    deadline = clock() + grace_s
    while True:
        found = find(with_descendants(pids()))
        if found:
            return AudioChoice(found, f"Audio from {found}: the sink the TDW build plays to.")
        if clock() >= deadline:
            return AudioChoice(default_monitor, f"Audio from {default_monitor}: the default output, because the "
                                                "TDW build had no sound stream when recording started.")
        sleep(0.1)
