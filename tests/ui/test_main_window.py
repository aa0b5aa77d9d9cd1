"""The window's controls, the window list, and inline preflight problems, on a real X display."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from app.capture.registry import BACKENDS, register
from app.model.backend import BackendInfo
from app.machine import Machine
from app.ui.main_window import MainWindow


def items(combo):
    return [(combo.itemText(i), combo.model().item(i).isEnabled(), combo.itemData(i, Qt.ToolTipRole)) for i in range(combo.count())]


def test_modes_backends_and_shortcuts(make_window):
    window = make_window()
    assert window.windowTitle() == "TDW Recorder"
    modes = items(window.form.mode)
    assert [m[0] for m in modes] == ["Video from screen", "Audio + video", "Audio only", "Video from TDW frames"]
    assert all(enabled for _, enabled, _ in modes)
    assert [window.form.mode.itemData(i) for i in range(4)] == ["video", "av", "audio", "video-frames"]
    backends = items(window.form.backend)
    assert [window.form.backend.itemData(i) for i in range(len(backends))] == list(BACKENDS)
    assert [b[0] for b in backends] == [b.label for b in BACKENDS.values()]
    assert backends[0][:2] == ("ffmpeg", True)
    assert window.record_action.shortcut() == QKeySequence("Ctrl+R")
    assert window.stop_action.shortcuts() == [QKeySequence("Ctrl+S"), QKeySequence(Qt.Key_Escape)]


def test_an_unavailable_backend_is_shown_disabled_with_its_reason(make_window, qtbot):
    reason = "Fake capture is not installed: install it and press Check again."
    register(BackendInfo("fake-capture", "Fake capture", factory=lambda _context: None, unavailable=lambda: reason))
    try:
        window = make_window()
        combo = window.form.backend
        qtbot.waitUntil(lambda: ("Fake capture", False, reason) in items(combo), timeout=10000)
        assert combo.currentData() == "ffmpeg"
        combo.setCurrentIndex(combo.findData("fake-capture"))  # e.g. remembered from when it was installed
        qtbot.waitUntil(lambda: window.form.problems["backend"].text() == reason, timeout=10000)
        assert not window.record_button.isEnabled()
    finally:
        BACKENDS.pop("fake-capture", None)


def test_framerate_follows_the_mode_unless_the_user_chose_one(make_window):
    window = make_window()
    form = window.form
    assert form.fps.value() == 30 and not form.audio.isEnabled()
    form.mode.setCurrentIndex(1)  # Audio + video
    assert form.fps.value() == 60 and form.audio.isEnabled()
    assert form.settings().audio == "default"
    form.mode.setCurrentIndex(0)
    assert form.fps.value() == 30 and form.settings().audio == "none"
    form.fps.setValue(25)
    form.mode.setCurrentIndex(2)  # Audio only
    assert form.fps.value() == 25 and not form.region.isEnabled()


def test_audio_sources_come_from_the_sound_server(make_window, qtbot, pulse):
    window = make_window()
    combo = window.form.audio
    qtbot.waitUntil(lambda: combo.findData(f"{pulse.sink}.monitor") >= 0, timeout=10000)
    assert combo.itemText(0) == "default (what the computer plays)"
    window.form.mode.setCurrentIndex(1)
    combo.setCurrentIndex(combo.findData(f"{pulse.sink}.monitor"))
    assert window.form.settings().audio == f"{pulse.sink}.monitor"
    qtbot.waitUntil(lambda: window.record_button.isEnabled(), timeout=10000)


def test_tdw_frames_offer_sound_but_record_none_until_a_source_is_picked(make_window, qtbot, pulse):
    window = make_window()
    form, combo = window.form, window.form.audio
    monitor = f"{pulse.sink}.monitor"
    qtbot.waitUntil(lambda: combo.findData(monitor) >= 0, timeout=10000)
    form.mode.setCurrentIndex(form.mode.findData("av"))
    combo.setCurrentIndex(combo.findData(monitor))
    assert combo.findData("none") == -1  # audio + video needs a source: "none" is no choice there
    form.mode.setCurrentIndex(form.mode.findData("video-frames"))
    assert combo.isEnabled() and combo.currentData() == "none" and combo.itemText(0) == "none (TDW frames only)"
    assert form.settings().audio == "none" and not form.settings().wants_audio  # the source of av is not carried over
    combo.setCurrentIndex(combo.findData("default"))
    assert form.settings().audio == "default" and form.settings().wants_audio
    form.mode.setCurrentIndex(form.mode.findData("av"))
    assert combo.currentData() == monitor and form.settings().audio == monitor  # each keeps its own choice
    form.mode.setCurrentIndex(form.mode.findData("video"))
    assert not combo.isEnabled() and form.settings().audio == "none"
    form.mode.setCurrentIndex(form.mode.findData("video-frames"))
    assert combo.currentData() == "default" and form.settings().audio == "default"


def test_a_window_picked_from_the_refreshed_list_is_recorded_by_title(make_window, anim_window, qtbot):
    window = make_window()
    anim_window("Pick Me", 320, 240, 760, 420)
    panel = window.form.region
    qtbot.mouseClick(panel.refresh_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: panel.select_window("Pick Me"), timeout=10000)
    text = panel.window_combo.currentText()
    assert text.startswith("Pick Me") and "320×240 at " in text
    assert window.form.settings().region == "window:Pick Me"
    qtbot.waitUntil(lambda: window.record_button.isEnabled() and window.live.problems == [], timeout=10000)
    qtbot.waitUntil(lambda: not panel.thumbnail.pixmap().isNull(), timeout=5000)


def test_an_odd_region_and_fps_0_are_shown_inline_and_block_record(make_window, qtbot):
    window = make_window()
    form, panel = window.form, window.form.region
    qtbot.waitUntil(lambda: window.record_button.isEnabled(), timeout=10000)
    panel.rect_radio.setChecked(True)
    qtbot.keyClicks(panel.rect_edit, "100,80,321x241")
    form.fps.setValue(0)
    qtbot.waitUntil(lambda: panel.problem.isVisible() and form.problems["fps"].isVisible(), timeout=10000)
    assert "odd" in panel.problem.text() and "320x240" in panel.problem.text()
    assert "Framerate" in form.problems["fps"].text()
    assert not window.record_button.isEnabled() and not window.record_action.isEnabled()
    assert "2 problems" in window.readiness.text()
    assert panel.round_button.isVisible()
    qtbot.mouseClick(panel.round_button, Qt.LeftButton)
    assert panel.rect_edit.text() == "100,80,320x240"
    form.fps.setValue(30)
    qtbot.waitUntil(lambda: window.record_button.isEnabled(), timeout=10000)
    assert not panel.problem.isVisible() and not form.problems["fps"].isVisible()


def test_a_region_off_the_screen_is_a_live_problem(make_window, qtbot):
    window = make_window()
    panel = window.form.region
    panel.rect_radio.setChecked(True)
    panel.rect_edit.setText("1200,700,320x240")
    qtbot.waitUntil(lambda: "does not fit" in panel.problem.text(), timeout=10000)
    assert not panel.round_button.isVisible() and not window.record_button.isEnabled()


def test_a_bad_output_folder_is_shown_under_the_folder(make_window, qtbot, tmp_path):
    window = make_window()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    window.form.folder.setText(str(blocker))
    label = window.form.problems["output_dir"]
    qtbot.waitUntil(label.isVisible, timeout=10000)
    assert "is a file, not a folder" in label.text()
    assert not window.record_button.isEnabled()


def test_the_window_opens_on_a_machine_that_lacks_everything(qtbot, store, tmp_path):
    settings = store.load()
    settings.ffmpeg_path = str(tmp_path / "no-ffmpeg")
    settings.output_dir = str(tmp_path)
    store.save(settings)
    bare = Machine(env={"PATH": "/usr/bin:/bin", "PULSE_SERVER": f"unix:{tmp_path}/no-pulse"}, platform="linux")
    window = MainWindow(machine=bare, store=store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.banner.checks is not None and window.live.problems is not None, timeout=20000)
    assert window.banner.isVisible()
    text = window.banner.details.text()
    assert "Display: No DISPLAY is set" in text and "Sound server:" in text and "ffmpeg:" in text
    assert "not an executable file" in window.form.problems["ffmpeg"].text()
    assert "No DISPLAY" in window.form.region.problem.text()
    assert not window.record_button.isEnabled()
