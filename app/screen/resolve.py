"""The one place a region is decided: what the user typed (screen, monitor, window, rectangle, the TDW window)
becomes a rectangle on the display, and maybe the window to follow. Preflight, the session, the OBS backends and the
build's own capture all call this, so a window is clamped and rounded the same way everywhere."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from app.errors import RecorderError
from app.model.region import Region, RegionSpec
from app.screen.display import Display
from app.screen.x11 import Monitor, WindowInfo

MIN_WINDOW_SIDE = 16  # smaller windows of a build are splash or helper windows, not what it renders to


@dataclass(frozen=True)
class Target:
    """A resolved picture source: the rectangle to record, and the window it belongs to (None: a fixed area)."""

    region: Region
    window_id: int | None = None


def of_window(window: WindowInfo, screen: tuple[int, int]) -> Target:
    """A window's visible part, with even sides (yuv420p)."""
    return Target(window.region.clamped(*screen).rounded_even(), window.window_id)


def whole_screen(display: Display) -> Target:
    return Target(Region(0, 0, *display.size()).rounded_even())


def monitors(display: Display) -> list[Monitor]:
    """The display's monitors in the order `monitor:<number>` counts them (RandR's order, from 1)."""
    return list(display.monitors())  # a display that cannot list them raises a one-line RecorderError


def describe_monitor(monitor: Monitor) -> str:
    """`DP-1, 1280x720+0+0` (xrandr's geometry), `, primary` for the primary one."""
    return f"{monitor.name}, {monitor.width}x{monitor.height}+{monitor.x}+{monitor.y}" + (", primary" if monitor.primary else "")


def find_monitor(query: str, found: list[Monitor]) -> tuple[int, Monitor]:
    """`monitor:<query>`: a 1-based number, else a RandR name (exact first, then ignoring case): (number, monitor).
    Raises a one-line RecorderError that lists the monitors there are."""
    query = query.strip()
    if query.isdigit() and 1 <= int(query) <= len(found):
        return int(query), found[int(query) - 1]
    for same in (lambda name: name == query, lambda name: name.lower() == query.lower()):
        for number, monitor in enumerate(found, 1):
            if same(monitor.name):
                return number, monitor
    there = ", ".join(f"{n} ({describe_monitor(m)})" for n, m in enumerate(found, 1)) or "none"
    what = f"Monitor {query}" if query.isdigit() else f"Monitor {query!r}"
    raise RecorderError(f"{what} is not connected: use one of {there}.")


def of_monitor(monitor: Monitor, screen: tuple[int, int]) -> Target:
    """A monitor's part of the screen, with even sides (yuv420p)."""
    return Target(monitor.region.clamped(*screen).rounded_even())


def resolve(spec: RegionSpec, display: Display, round_odd: bool = False) -> Target | None:
    """The rectangle for `spec` on `display` now; None for the TDW window (found once the build opens it).

    Whole screens, monitors and windows are rounded to even sides silently; a typed rectangle only when `round_odd`.
    Raises RecorderError (one line) when the display, the monitor or the window cannot be found."""
    if spec.kind == "tdw":
        return None
    screen = display.size()
    if spec.kind == "screen":
        return Target(Region(0, 0, *screen).rounded_even())
    if spec.kind == "monitor":
        return of_monitor(find_monitor(spec.query, monitors(display))[1], screen)
    if spec.kind == "window":
        return of_window(display.find_window(spec.query), screen)
    assert spec.region is not None
    return Target(spec.region.rounded_even() if round_odd else spec.region)


def wait_for_window(display: Display, pids: Callable[[], set[int]], timeout: float,
                    given_up: Callable[[], bool] = lambda: False, poll_s: float = 0.2) -> Target | None:
    """The first real window of the processes `pids()` (matched by _NET_WM_PID), once it opens; None when `timeout`
    passes or `given_up()` says so first. A display that fails for a moment is asked again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not given_up():
        try:
            windows = [w for w in display.windows_of_process(pids())
                       if w.region.width > MIN_WINDOW_SIDE and w.region.height > MIN_WINDOW_SIDE]
            if windows:
                return of_window(windows[0], display.size())
        except RecorderError:
            pass
        time.sleep(poll_s)
    return None
