"""X11Display against a real Xvfb + openbox: windows, owners and monitors through the X protocol."""

import gc
import os
import subprocess
import threading
from contextlib import contextmanager

import pytest
from Xlib import Xatom
from Xlib.display import Display
from Xlib.protocol.display import Display as ProtocolDisplay

from app.errors import RecorderError
from app.model.region import Region
from app.screen.x11 import Monitor, X11Display, connect
from tests.support.servers import XServer


@contextmanager
def raw_windows(xserver, *specs):
    """Windows made straight through the protocol: (x, y, w, h, {property: (type, bytes or [int])}).

    override_redirect keeps openbox away, so their geometry is exactly what was asked.
    """
    conn = Display(xserver.display)
    root = conn.screen().root
    made = []
    for x, y, width, height, props in specs:
        window = root.create_window(x, y, width, height, 0, conn.screen().root_depth, override_redirect=1)
        for name, (kind, value) in props.items():
            atom = getattr(Xatom, name, None) or conn.intern_atom(name)
            kind_atom = getattr(Xatom, kind, None) or conn.intern_atom(kind)
            window.change_property(atom, kind_atom, 32 if kind == "CARDINAL" else 8, value)
        window.map()
        made.append(window)
    conn.sync()
    try:
        yield [w.id for w in made]
    finally:
        for window in made:
            window.destroy()
        conn.close()


def absolute_origin(xserver, window_id: int) -> tuple[int, int]:
    """The oracle: xwininfo's own reading (it is not translated), which the old implementation parsed."""
    text = subprocess.run(["xwininfo", "-id", hex(window_id)], env=xserver.env(), capture_output=True, text=True,
                          check=True).stdout
    fields = dict(line.strip().split(": ", 1) for line in text.splitlines() if ": " in line and "Absolute" in line)
    return int(fields["Absolute upper-left X"]), int(fields["Absolute upper-left Y"])


def test_live_display_size_and_window_lookup(xserver, anim_window):
    display = X11Display(env=xserver.env())
    assert display.size() == (xserver.width, xserver.height)
    window = anim_window("Lookup Me", 320, 240, 200, 150)
    assert window.region.width == 320 and window.region.height == 240
    # openbox reparents the client into a frame with a title bar: the client sits at or below the requested y,
    # and its absolute position is what xwininfo reports for it
    assert window.region.x >= 200 and window.region.y > 150
    assert (window.region.x, window.region.y) == absolute_origin(xserver, window.window_id)
    assert window.wm_class == "tk Tk"
    assert display.find_window("lookup me").window_id == window.window_id  # case-insensitive substring
    assert display.find_window(hex(window.window_id)).region == window.region
    assert [w.region for w in display.windows() if w.title == "Lookup Me"] == [window.region]
    assert display.window_pid(window.window_id) is None  # Tk sets no _NET_WM_PID; the stand-in build does
    display.close()


def test_titles_in_any_encoding_off_screen_windows_and_owners(xserver):
    utf8, latin1, broken = "Left of screen — ünïcode", "Caf\xe9 Latin-1 title", "broken \ufffd"
    with raw_windows(
        xserver,
        (-50, 10, 640, 480, {"_NET_WM_NAME": ("UTF8_STRING", utf8.encode()), "WM_NAME": ("STRING", b"old name"),
                             "_NET_WM_PID": ("CARDINAL", [424242])}),
        (30, 40, 200, 100, {"WM_NAME": ("STRING", latin1.encode("latin-1"))}),  # ICCCM: STRING is Latin-1
        (60, 70, 200, 100, {"_NET_WM_NAME": ("UTF8_STRING", b"broken \xff")}),  # not UTF-8 at all
        (5, 5, 1, 1, {"WM_NAME": ("STRING", b"Too small to pick")}),
        (5, 5, 100, 100, {}),  # no name
    ) as (named, old_style, bad, tiny, unnamed):
        display = X11Display(env=xserver.env())
        listed = {w.window_id: w for w in display.windows()}
        assert (listed[named].title, listed[named].region) == (utf8, Region(-50, 10, 640, 480))
        assert (listed[old_style].title, listed[old_style].region) == (latin1, Region(30, 40, 200, 100))
        assert listed[bad].title == broken
        assert tiny not in listed and unnamed not in listed
        assert display.find_window("café").window_id == old_style
        assert display.window_pid(named) == 424242 and display.window_pid(old_style) is None
        assert [w.window_id for w in display.windows_of_process({424242, 1})] == [named]
        assert display.windows_of_process({1}) == []
        display.close()


def test_window_queries_start_no_tools_and_hold_one_connection(xserver, anim_window, monkeypatch, tmp_path):
    """With no xwininfo/xprop on PATH every query still answers: they go through the X protocol."""
    window = anim_window("No Tools", 320, 240, 100, 80)
    monkeypatch.setenv("PATH", str(tmp_path))
    gc.collect()  # displays the fixture left behind
    before = open_descriptors()
    with X11Display(env=xserver.env()) as display:
        assert display.find_window("No Tools").region == window.region
        assert display.size() == (xserver.width, xserver.height)
        for _ in range(20):  # the session polls like this for the build's window
            display.windows_of_process({os.getpid()})
        assert open_descriptors() == before + 1
    assert open_descriptors() == before


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_monitors_of_a_multi_monitor_desk(xserver):
    env = xserver.env()
    display = X11Display(env=env)
    assert display.monitors()  # at least the screen itself
    try:
        for name, geometry in (("TDWREC-LEFT", "640/169x800/212+0+0"), ("TDWREC-RIGHT", "640/169x400/106+640+100")):
            subprocess.run(["xrandr", "--setmonitor", name, geometry, "none"], env=env, check=True)
        monitors = {m.name: m for m in display.monitors()}
        assert monitors["TDWREC-LEFT"] == Monitor("TDWREC-LEFT", 0, 0, 640, 800, False)
        assert monitors["TDWREC-RIGHT"].region == Region(640, 100, 640, 400)
    finally:
        for name in ("TDWREC-LEFT", "TDWREC-RIGHT"):
            subprocess.run(["xrandr", "--delmonitor", name], env=env, capture_output=True)
        display.close()
    assert not {"TDWREC-LEFT", "TDWREC-RIGHT"} & {m.name for m in X11Display(env=env).monitors()}


def test_a_connection_keeps_its_extension_tables_to_itself(xserver):
    # python-xlib shares these class attributes between all connections of a process, so a second X server
    # that numbers its extensions differently (Xwayland) broke the first (tests/screen/test_two_displays.py)
    shared = (ProtocolDisplay.extension_major_opcodes, ProtocolDisplay.event_classes, ProtocolDisplay.error_classes)
    before = [dict(table) for table in shared]
    conn = connect(xserver.display)
    try:
        own = vars(conn.display)
        assert all(own[name] is not table for name, table in
                   zip(("extension_major_opcodes", "event_classes", "error_classes"), shared))
        assert own["extension_major_opcodes"]["RANDR"] == conn.query_extension("RANDR").major_opcode
        assert conn.screen().root.xrandr_get_monitors(is_active=True).monitors  # RandR works on its own tables
    finally:
        conn.close()
    assert [dict(table) for table in shared] == before


def test_unknown_window_and_missing_display_are_one_line_errors(xserver):
    with pytest.raises(RecorderError, match="sources"):
        X11Display(env=xserver.env()).find_window("no such window title")
    with pytest.raises(RecorderError, match="does not exist"):
        X11Display(env=xserver.env()).find_window("0x7ffffff")
    with pytest.raises(RecorderError, match="does not exist"):
        X11Display(env=xserver.env()).window(2**40)  # no window id is that long
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    with pytest.raises(RecorderError, match="No DISPLAY"):
        X11Display(env=env).size()
    with pytest.raises(RecorderError, match="cannot be reached"):
        X11Display(display=":987", env=env).size()


def test_no_window_manager_and_a_display_that_goes_away():
    private = XServer(width=320, height=240).start(window_manager=False)
    display = X11Display(env=private.env())
    try:
        assert display.size() == (320, 240)
        # no window manager: no EWMH client list, so the whole tree is searched
        with raw_windows(private, (10, 20, 100, 50, {"WM_NAME": ("STRING", b"Bare"),
                                                      "_NET_WM_PID": ("CARDINAL", [424243])})) as (bare,):
            assert [(w.window_id, w.title, w.region) for w in display.windows()] == [
                (bare, "Bare", Region(10, 20, 100, 50))]
            assert [w.window_id for w in display.windows_of_process({424243})] == [bare]
    finally:
        private.stop()
    with pytest.raises(RecorderError, match="cannot be reached"):
        display.size()
    with pytest.raises(RecorderError, match="cannot be reached"):
        display.windows()  # the next call tries a new connection, and says the same


def test_a_window_change_is_told_by_the_server_and_a_stop_wakes_the_wait(xserver, anim_window):
    """SizeWatch waits on the X server instead of asking a window's size 20 times a second (that cost the window
    ~1 % of a core): a resize wakes the wait, a quiet window lets it time out, and the stop pipe ends it at once."""
    win = anim_window("Watched Pattern", 320, 240)
    display = X11Display(env=xserver.env())
    assert display.wait_for_window_change(win.window_id, 0.2) is False  # nothing happened
    subprocess.run(["xdotool", "windowsize", str(win.window_id), "400", "300"], env=xserver.env(), check=True)
    assert display.wait_for_window_change(win.window_id, 30) is True
    assert display.window(win.window_id).region.width == 400
    wake_read, wake_write = os.pipe()
    os.write(wake_write, b"x")
    woken: list[bool] = []
    waiter = threading.Thread(target=lambda: woken.append(display.wait_for_window_change(win.window_id, 600, wake_read)))
    waiter.start()
    waiter.join(60)
    assert woken == [False]  # it returned (the stop), without a change
    assert display.wait_for_window_change(0x7FFFFF, 0.1) is True  # no such window: the caller's next query says so
    display.close()
    os.close(wake_read), os.close(wake_write)
