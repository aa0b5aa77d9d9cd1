"""The display-server seam: every caller asks `open_display()` and gets an object that can size the screen and
list and find windows. X11 (and Xwayland, where X11 apps such as a TDW build run on a Wayland desktop) is the
one implementation today; a Wayland one is added beside it here, without touching any caller.

`kind` says which: "x11" for an X server of an X11 session (or any plain X server, such as Xvfb), "xwayland"
for the Xwayland of a Wayland session. Its windows are found and grabbed (by id) as on X11, but its root
window is empty: a grab of the screen or of a rectangle records black (app.preflight refuses those).
"""

from __future__ import annotations

import os
import sys
from typing import Mapping, Protocol

from app.errors import RecorderError
from app.screen.session_type import WAYLAND, is_xwayland, session_type
from app.screen.x11 import Monitor, WindowInfo, X11Display

XWAYLAND = "xwayland"


class Display(Protocol):
    """What the recorder asks of a display server."""

    display: str  # its name, e.g. ":0"
    kind: str  # "x11", "xwayland" or "none" (app.model.backend.BackendInfo.display_servers lists those a backend records)

    def size(self) -> tuple[int, int]: ...

    def windows(self) -> list[WindowInfo]: ...

    def window(self, window_id: int) -> WindowInfo: ...

    def find_window(self, query: str) -> WindowInfo: ...

    def windows_of_process(self, pids: set[int]) -> list[WindowInfo]: ...

    def monitors(self) -> list[Monitor]: ...  # RandR's order, as `monitor:<number>` counts them


class XwaylandDisplay(X11Display):
    """The X server of a Wayland session: X11 windows only; the desktop around them is not X's to grab.

    monitors() lists what Xwayland's RandR reports (the compositor's outputs); app.preflight refuses recording one."""

    kind = XWAYLAND


class UnsupportedDisplay:
    """Windows and macOS: screen rectangles are recorded by ffmpeg's own devices; windows cannot be listed yet."""

    kind = "none"

    def __init__(self, platform: str) -> None:
        self.display = ""
        self._platform = platform

    def _refuse(self) -> RecorderError:
        return RecorderError(f"Windows cannot be listed on {self._platform} yet: record a rectangle (X,Y,WxH) instead.")

    def size(self) -> tuple[int, int]:
        raise self._refuse()

    def windows(self) -> list[WindowInfo]:
        raise self._refuse()

    def window(self, window_id: int) -> WindowInfo:
        raise self._refuse()

    def find_window(self, query: str) -> WindowInfo:
        raise self._refuse()

    def windows_of_process(self, pids: set[int]) -> list[WindowInfo]:
        raise self._refuse()

    def monitors(self) -> list[Monitor]:
        raise RecorderError("Monitors cannot be listed on this display: record 'screen' or a rectangle (X,Y,WxH) instead.")


def open_display(env: Mapping[str, str] | None = None, platform: str = sys.platform) -> Display:
    """The display server this process (or `env`'s DISPLAY) talks to.

    In a Wayland session (WAYLAND_DISPLAY or XDG_SESSION_TYPE=wayland in `env`) DISPLAY is Xwayland, unless the
    X server says it is not (e.g. an Xvfb of xvfb-run started from a Wayland desktop's terminal)."""
    if platform.startswith("linux") or platform.startswith("freebsd"):
        env = env if env is not None else os.environ
        if session_type(env) == WAYLAND and is_xwayland(env.get("DISPLAY", "")) is not False:
            return XwaylandDisplay(env=env)
        return X11Display(env=env)
    return UnsupportedDisplay(platform)
