"""Which kind of desktop session this is (X11 or Wayland), and whether an X server is Xwayland.

Under a Wayland compositor (GNOME, KDE, weston...) X11 programs such as a TDW build talk to Xwayland. Its
root window stays empty (the compositor, not X, draws the desktop), so x11grab of the screen records black,
while one X11 window grabbed by its id (x11grab -window_id) records its picture.
"""

from __future__ import annotations

from typing import Mapping

from Xlib import error as xerror

from app.screen.x11 import connect

WAYLAND = "wayland"
X11 = "x11"


def session_type(env: Mapping[str, str]) -> str:
    """"wayland" when `env` is a Wayland session's (WAYLAND_DISPLAY set, or XDG_SESSION_TYPE=wayland),
    "x11" when XDG_SESSION_TYPE says so or nothing says otherwise."""
    if env.get("WAYLAND_DISPLAY", "").strip() or env.get("XDG_SESSION_TYPE", "").strip().lower() == WAYLAND:
        return WAYLAND
    return X11


def is_xwayland(display: str) -> bool | None:
    """Whether the X server at `display` is Xwayland: it has the XWAYLAND extension (Xwayland 23.1+) or RandR
    outputs named XWAYLAND<n> (older ones); None when it cannot be asked."""
    try:
        conn = connect(display)  # its own extension tables: beside a connection to another X server
    except (xerror.DisplayError, xerror.XError, OSError):
        return None
    try:
        if "XWAYLAND" in conn.list_extensions():
            return True
        if not conn.has_extension("RANDR"):
            return False
        root = conn.screen().root
        resources = root.xrandr_get_screen_resources()
        names = [conn.xrandr_get_output_info(output, resources.config_timestamp).name for output in resources.outputs]
        return any(name.startswith("XWAYLAND") for name in names)
    except (xerror.XError, xerror.ConnectionClosedError, OSError):
        return None
    finally:
        try:
            conn.close()
        except (xerror.ConnectionClosedError, OSError):
            pass
