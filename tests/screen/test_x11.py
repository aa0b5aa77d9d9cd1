import os
from pathlib import Path

import pytest

from app.errors import RecorderError
from app.screen.region import Region
from app.screen.x11 import X11Display, parse_tree

DATA = Path(__file__).parent.parent / "data"


def test_parse_tree_keeps_named_windows_with_absolute_geometry():
    windows = parse_tree((DATA / "xwininfo_tree.txt").read_text())
    assert [(w.window_id, w.title, w.region) for w in windows] == [
        (0x40000D, "Test Pattern", Region(101, 100, 320, 240)),
        (0x600003, "TDW", Region(0, 25, 1280, 720)),
        (0x700001, "Left of screen — ünïcode", Region(-50, 10, 640, 480)),
    ]
    assert windows[0].wm_class == "tk Tk"


def test_live_display_size_and_window_lookup(xserver, anim_window):
    display = X11Display(env=xserver.env())
    assert display.size() == (xserver.width, xserver.height)
    window = anim_window("Lookup Me", 320, 240, 200, 150)
    assert window.region.width == 320 and window.region.height == 240
    # openbox adds a title bar above the client, so the client sits at or below the requested y
    assert window.region.x >= 200 and window.region.y >= 150
    assert display.find_window("lookup me").window_id == window.window_id  # case-insensitive substring
    assert display.find_window(hex(window.window_id)).region == window.region
    assert display.window_pid(window.window_id) is None  # Tk sets no _NET_WM_PID; the stand-in build does


def test_unknown_window_and_missing_display_are_one_line_errors(xserver):
    with pytest.raises(RecorderError, match="sources"):
        X11Display(env=xserver.env()).find_window("no such window title")
    with pytest.raises(RecorderError, match="does not exist"):
        X11Display(env=xserver.env()).find_window("0x7ffffff")
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    with pytest.raises(RecorderError, match="No DISPLAY"):
        X11Display(env=env).size()
    with pytest.raises(RecorderError, match="cannot be reached"):
        X11Display(display=":987", env=env).size()
