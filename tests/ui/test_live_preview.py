"""The live preview: a small picture of what is recorded, twice a second, off by a click (and remembered)."""

from PySide6.QtCore import Qt

from tests.ui.test_recording import ready_window
from tests.ui.test_scene import choose_demo


def thumbnail_is_a_picture(window) -> bool:
    pixmap = window.preview.thumbs[0].pixmap()
    return pixmap is not None and not pixmap.isNull() and pixmap.height() > 0


def varied(pixmap) -> bool:
    """Not one flat colour: a grab of the window, not an empty picture."""
    image = pixmap.toImage()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    return len(colours) > 2


def test_a_screen_recording_shows_its_window_live_and_the_preview_turns_off_and_stays_off(
        no_orphans, make_window, anim_window, qtbot):
    window = ready_window(make_window, anim_window, qtbot, "Preview Source")
    assert window.preview.enabled_box.isChecked() and window.preview.shown_names() == []  # nothing before recording
    qtbot.mouseClick(window.record_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.preview.shown_names() == ["What the screen route grabs"] and thumbnail_is_a_picture(window),
                    timeout=20000)
    assert varied(window.preview.thumbs[0].pixmap())
    window.preview.enabled_box.setChecked(False)  # off by a click: nothing shown, nothing grabbed
    assert window.preview.shown_names() == [] and not window.preview._timer.isActive()
    qtbot.mouseClick(window.stop_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not window.worker.busy and window.message.isVisible(), timeout=30000)
    window.shutdown()
    again = make_window(first_run=False)
    assert not again.preview.enabled_box.isChecked()  # remembered


def test_tdw_frames_show_the_cameras_own_picture(no_orphans, make_window, qtbot):
    window = make_window()
    choose_demo(window, args="150")
    qtbot.waitUntil(lambda: window.record_button.isEnabled() and window.live.problems == [], timeout=15000)
    qtbot.mouseClick(window.record_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(window.preview.shown_names()) == 1 and thumbnail_is_a_picture(window), timeout=30000)
    (camera,) = window.preview.shown_names()
    assert camera != "What the screen route grabs"  # the avatar's name: TDW's own images, not a screen grab
    assert varied(window.preview.thumbs[0].pixmap())
    window.stop_action.trigger()
    # the worker is idle a moment before the window hears the recording finished (a queued signal): wait for both
    qtbot.waitUntil(lambda: not window.worker.busy and window.preview.shown_names() == [], timeout=30000)
