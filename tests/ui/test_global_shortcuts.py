"""Global shortcuts in the window, on the real Xvfb: pressed (xdotool, through the X server's own key handling)
while another window has the focus; a shortcut another X client holds first is reported under its field."""

import subprocess

from Xlib import X, XK
from Xlib.display import Display

from app.screen.hotkeys import WAYLAND_ADVICE, GlobalShortcuts, parse
from app.ui.widgets import select_data
from tests.ui.test_recording import ready_window


def focus(env, window_id: int) -> None:
    subprocess.run(["xdotool", "windowactivate", "--sync", str(window_id)], env=env, check=True, timeout=10)


def test_ctrl_alt_r_starts_and_stops_while_another_window_has_the_focus(no_orphans, make_window, anim_window, qtbot, env,
                                                                        store):
    window = ready_window(make_window, anim_window, qtbot, "Shortcut Source")
    select_data(window.form.extras.encoder, "auto")  # the window's encoder choice, saved with the settings
    assert store.load().encoding.video_codec == "auto"
    qtbot.waitUntil(lambda: window.record_button.isEnabled() and window.live.problems == [], timeout=10000)
    assert window.form.extras.shortcuts() == {"record": "Ctrl+Alt+R", "pause": "Ctrl+Alt+P"}
    assert not any(label.isVisible() for label in window.form.extras.key_problems.values())
    other = anim_window("Focus Thief", 200, 150, 20, 20)
    focus(env, other.window_id)
    qtbot.waitUntil(lambda: not window.isActiveWindow(), timeout=5000)
    active = subprocess.run(["xdotool", "getactivewindow"], env=env, capture_output=True, text=True, timeout=10).stdout
    assert int(active) == other.window_id
    subprocess.run(["xdotool", "key", "ctrl+alt+r"], env=env, check=True, timeout=10)
    qtbot.waitUntil(lambda: window.worker.busy, timeout=5000)
    statuses = []
    window.bridge.status.connect(statuses.append)
    qtbot.waitUntil(lambda: any(s.frames > 0 for s in statuses), timeout=20000)
    assert window.status_panel.path.text().endswith("\nEncoder: libx264 (auto: none of h264_nvenc, h264_vaapi, h264_qsv "
                                                    "works here).")  # the status says what auto chose
    focus(env, other.window_id)
    subprocess.run(["xdotool", "key", "ctrl+alt+p"], env=env, check=True, timeout=10)  # pause, from the other window
    qtbot.waitUntil(lambda: window.worker.status is not None and window.worker.status.paused, timeout=5000)
    assert window.pause_button.text().endswith("Resume")
    subprocess.run(["xdotool", "key", "ctrl+alt+p"], env=env, check=True, timeout=10)  # and resume
    qtbot.waitUntil(lambda: window.worker.status is not None and window.worker.status.state == "recording", timeout=5000)
    assert window.worker.status.paused_s > 0
    subprocess.run(["xdotool", "key", "ctrl+alt+r"], env=env, check=True, timeout=10)
    qtbot.waitUntil(lambda: not window.worker.busy and window.message.isVisible(), timeout=30000)
    assert window.message.property("kind") == "success", window.message.label.text()
    assert len(window.recordings.paths()) == 1


def test_a_shortcut_another_program_holds_is_reported_and_a_free_one_is_saved(make_window, qtbot, xserver, store):
    thief = Display(xserver.display)  # another X client grabs Ctrl+Alt+K first
    code = thief.keysym_to_keycode(XK.string_to_keysym("k"))
    thief.screen().root.grab_key(code, X.ControlMask | X.Mod1Mask, True, X.GrabModeAsync, X.GrabModeAsync)
    thief.sync()
    try:
        window = make_window()
        window.form.extras.keys["record"].setKeySequence("Ctrl+Alt+K")
        window.apply_shortcuts()
        label = window.form.extras.key_problems["record"]
        assert label.isVisible() and label.text().startswith("Shortcut Ctrl+Alt+K is taken by another program")
        window.form.extras.keys["record"].setKeySequence("Ctrl+Alt+J")
        window.apply_shortcuts()
        assert not label.isVisible()
        assert store.shortcuts({"record": "", "pause": ""}) == {"record": "Ctrl+Alt+J", "pause": "Ctrl+Alt+P"}
    finally:
        thief.close()


def test_without_x_on_wayland_the_shortcuts_say_where_to_bind_ctl():
    keys = GlobalShortcuts(lambda _action: None, env={"WAYLAND_DISPLAY": "wayland-0"})
    assert keys.bind({"record": "Ctrl+Alt+R", "pause": ""}) == {"record": WAYLAND_ADVICE}
    assert parse("Ctrl+Alt+R") == (X.ControlMask | X.Mod1Mask, "R")
    for bad in ("R", "Ctrl+", "Hyper+R"):
        try:
            parse(bad)
        except ValueError as exc:
            assert bad in str(exc)
        else:
            raise AssertionError(f"{bad!r} was taken")
