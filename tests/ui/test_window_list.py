"""The window list fills itself: on open, and again while the form can be edited (not while recording)."""

from PySide6.QtCore import Qt


def test_a_window_opened_later_is_listed_without_refresh_and_listing_pauses_while_recording(make_window, anim_window, qtbot):
    window = make_window()
    panel = window.form.region
    qtbot.waitUntil(lambda: panel.window_combo.count() > 0 or panel.window_combo.placeholderText() != "listing the open windows…",
                    timeout=10000)  # listed on open, with no click
    anim_window("Opened Later", 320, 240, 700, 400)
    qtbot.waitUntil(lambda: panel.select_window("Opened Later"), timeout=10000)
    qtbot.waitUntil(lambda: window.record_button.isEnabled() and window.live.problems == [], timeout=10000)
    assert panel._list_timer.isActive()
    qtbot.mouseClick(window.record_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.worker.busy, timeout=5000)
    assert not panel._list_timer.isActive()  # no listing while recording
    qtbot.mouseClick(window.stop_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not window.worker.busy and window.message.isVisible(), timeout=30000)
    assert panel._list_timer.isActive()
