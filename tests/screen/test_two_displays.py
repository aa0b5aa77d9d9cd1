"""One process, two X servers: an Xvfb (a headless job's display, here the test desk with openbox) and the Xwayland
of a Wayland desktop (weston, headless), as a batch that mixes desktop and headless jobs, or the window on a
Wayland desktop checking a headless display, asks them.

python-xlib 0.33 keeps the extensions' opcodes and event classes per process, and the two servers number their
extensions differently: the second connection failed with "TypeError: 'type' object does not support item
assignment" (app/screen/x11_connect.py, _OwnTables). Each test here opens both, in either order, keeps both connections
open and asks each again after the other has been opened.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.screen.display import open_display
from app.screen.resolve import find_monitor, monitors
from app.screen.x11 import Monitor, X11Display
from app.processes import stop_tree
from tests.support.wayland import open_window

XVFB_TITLE = "Two Displays Xvfb"
XWAYLAND_TITLE = "Two Displays Xwayland"


@pytest.fixture(scope="module")
def xwayland_window(weston):
    window = open_window(weston.env(), XWAYLAND_TITLE, 320, 240)
    yield
    stop_tree(window.pid, timeout=3)


def _ask_xvfb(display: X11Display, xserver) -> None:
    assert display.size() == (xserver.width, xserver.height)
    assert [(m.x, m.y, m.width, m.height) for m in display.monitors()] == [(0, 0, xserver.width, xserver.height)]
    titles = [w.title for w in display.windows()]
    assert XVFB_TITLE in titles and XWAYLAND_TITLE not in titles
    found = display.find_window(XVFB_TITLE)
    assert (found.region.width, found.region.height) == (320, 240)


def _ask_xwayland(display: X11Display, weston) -> None:
    assert display.size() == (800, 600)
    # Xwayland's RandR lists weston's one output as a monitor (RandR 1.5)
    assert display.monitors() == [Monitor("XWAYLAND0", 0, 0, 800, 600, False)]
    titles = [w.title for w in display.windows()]
    assert XWAYLAND_TITLE in titles and XVFB_TITLE not in titles
    found = display.find_window(XWAYLAND_TITLE)
    assert (found.region.width, found.region.height) == (320, 240)


@pytest.mark.parametrize("first", ["xvfb", "xwayland"])
def test_x11_display_asks_xvfb_and_xwayland_from_one_process(xserver, anim_window, weston, xwayland_window, first):
    anim_window(XVFB_TITLE, 320, 240, 100, 80)
    asks = {"xvfb": lambda d: _ask_xvfb(d, xserver), "xwayland": lambda d: _ask_xwayland(d, weston)}
    envs = {"xvfb": xserver.env(), "xwayland": weston.env()}
    order = [first, *(name for name in asks if name != first)]
    with X11Display(env=envs[order[0]]) as one, X11Display(env=envs[order[1]]) as two:
        asks[order[0]](one)  # connects to the first server
        asks[order[1]](two)  # the second connection: the TypeError was raised here
        # both connections stay open; the first sends its RandR requests with its own server's opcode
        asks[order[0]](one)
        asks[order[1]](two)


@pytest.mark.parametrize("first", ["headless", "desktop"])
def test_open_display_of_a_wayland_desktop_and_a_headless_xvfb(xserver, weston, first):
    # a headless job started from a Wayland desktop: WAYLAND_DISPLAY is set, DISPLAY is the Xvfb, so open_display
    # asks the X server itself whether it is Xwayland (app.screen.session_type.is_xwayland), as it does the desktop's
    envs = {"headless": xserver.env(weston.env()), "desktop": weston.env()}
    expected = {"headless": ("x11", xserver.display, (xserver.width, xserver.height)),
                "desktop": ("xwayland", weston.display, (800, 600))}
    order = [first, *(name for name in envs if name != first)]
    opened = {name: open_display(envs[name], platform="linux") for name in order}
    try:
        for name in [*order, *order]:
            display = opened[name]
            assert (display.kind, display.display, display.size()) == expected[name]
            assert find_monitor("1", monitors(display))[1].region.width == expected[name][2][0]
    finally:
        for display in opened.values():
            display.close()  # X11Display and XwaylandDisplay: one connection each


def test_every_x_connection_of_the_engine_has_its_own_extension_tables():
    """A plain python-xlib Display() beside another server's connection fails as above: the global shortcuts opened
    one and broke the window on a desk with Xwayland and Xvfb. Every connection goes through connect()."""
    import re

    root = Path(__file__).resolve().parents[2] / "app"
    plain = [str(path.relative_to(root)) for path in root.rglob("*.py") if path.name != "x11_connect.py"
             and re.search(r"(?<![\w.])(?<!class )Display\(", path.read_text())]
    assert plain == []
