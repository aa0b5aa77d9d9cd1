"""Every choice survives a restart: the settings go through QSettings (a temp ini file here)."""

from PySide6.QtCore import QSettings

from app.model.encoding import Encoding
from app.model.settings import CaptureSettings
from app.ui.settings_store import SettingsStore, WindowChoices


def test_the_store_round_trips_the_engine_settings(tmp_path, qapp):
    path = tmp_path / "s.ini"
    first = SettingsStore(QSettings(str(path), QSettings.IniFormat))
    settings = CaptureSettings(mode="av", region="window:TDW", fps=60, audio="default", duration=4.5,
                               encoding=Encoding(crf=23, preset="fast", container="mp4"), ffmpeg_path="/opt/ffmpeg")
    first.save(settings)
    first.save_choices(WindowChoices(countdown=5, audio_source="usb.monitor", frames_audio="default"))
    first.sync()
    again = SettingsStore(QSettings(str(path), QSettings.IniFormat))
    assert again.load() == settings
    assert again.load_choices() == WindowChoices(countdown=5, audio_source="usb.monitor", frames_audio="default")


def test_unreadable_settings_fall_back_to_defaults(tmp_path, qapp):
    qsettings = QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
    qsettings.setValue("capture/settings", "{not json")
    assert SettingsStore(qsettings).load() == CaptureSettings()


def test_a_new_window_shows_the_choices_of_the_last_one(make_window, qtbot, store):
    window = make_window()
    form = window.form
    form.mode.setCurrentIndex(1)  # Audio + video -> 60 fps
    form.region.rect_radio.setChecked(True)
    form.region.rect_edit.setText("10,20,200x100")
    form.name.setText("clip-%H%M")
    form.container.setCurrentIndex(form.container.findData("mp4"))
    form.finalise.setChecked(False)
    form.fps.setValue(50)
    form.duration.setValue(12.5)
    form.countdown.setCurrentIndex(form.countdown.findData(3))
    form.crf.setValue(23)
    form.preset.setCurrentIndex(form.preset.findData("fast"))
    form.draw_mouse.setChecked(False)
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible())

    again = make_window(first_run=False).form
    s = again.settings()
    assert (s.mode, s.region, s.fps, s.audio, s.name_pattern, s.duration) == ("av", "10,20,200x100", 50.0, "default", "clip-%H%M", 12.5)
    assert (s.encoding.container, s.encoding.crf, s.encoding.preset, s.finalise, s.draw_mouse) == ("mp4", 23, "fast", False, False)
    assert s.output_dir == str(make_window.out) and s.min_free_mb == 10  # fields the form does not show are kept
    assert again.countdown.currentData() == 3 and again.region.rect_radio.isChecked()


def test_the_sound_of_tdw_frames_and_the_source_of_audio_and_video_both_come_back(make_window, qtbot, pulse):
    window = make_window()
    form = window.form
    monitor = f"{pulse.sink}.monitor"
    qtbot.waitUntil(lambda: form.audio.findData(monitor) >= 0, timeout=10000)
    form.mode.setCurrentIndex(form.mode.findData("av"))
    form.audio.setCurrentIndex(form.audio.findData(monitor))
    form.mode.setCurrentIndex(form.mode.findData("video-frames"))
    form.audio.setCurrentIndex(form.audio.findData("default"))
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible())

    again = make_window(first_run=False)
    form = again.form
    assert form.mode_value() == "video-frames" and form.audio.currentData() == "default"
    assert form.settings().audio == "default"
    form.mode.setCurrentIndex(form.mode.findData("av"))
    assert form.settings().audio == monitor  # the choice of the mode not saved last is kept too
    form.mode.setCurrentIndex(form.mode.findData("video-frames"))
    form.audio.setCurrentIndex(form.audio.findData("none"))
    again.close()
    qtbot.waitUntil(lambda: not again.isVisible())

    last = make_window(first_run=False).form
    assert last.audio.currentData() == "none" and last.settings().audio == "none"  # none stays none, not "default"
    last.mode.setCurrentIndex(last.mode.findData("av"))
    assert last.settings().audio == monitor


def test_a_remembered_window_that_is_not_open_stays_selected(make_window, qtbot, store):
    settings = store.load()
    settings.region = "window:Long Gone"
    store.save(settings)
    window = make_window(first_run=False)
    panel = window.form.region
    qtbot.waitUntil(lambda: panel.window_combo.count() > 0, timeout=10000)
    assert panel.window_radio.isChecked()
    assert panel.window_combo.currentText() == "Long Gone  (not open now)"
    assert window.form.settings().region == "window:Long Gone"
    qtbot.waitUntil(lambda: "Long Gone" in panel.problem.text(), timeout=10000)


def test_the_scene_choices_come_back_too(make_window, qtbot, tmp_path):
    window = make_window()
    scene = window.form.scene
    scene.kind.setCurrentIndex(scene.kind.findData("script"))
    scene.script.setText(str(tmp_path / "my scene.py"))
    scene.args.setText("--frames 90 --title 'a b'")
    scene.build.setText("/opt/tdw/TDW.x86_64")
    scene.screen_size.setCurrentText("1280x720")
    scene.keep_frames.setText(str(tmp_path / "frames"))
    assert window.form.region.tdw_radio.isChecked()  # the default region once a scene is chosen
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible())

    again = make_window(first_run=False).form
    s = again.settings()
    assert (s.scene, s.scene_args, s.build, s.screen_size, s.keep_frames, s.region) == (
        str(tmp_path / "my scene.py"), ["--frames", "90", "--title", "a b"], "/opt/tdw/TDW.x86_64", "1280x720",
        str(tmp_path / "frames"), "tdw")
    assert again.scene.kind.currentData() == "script" and again.scene.script.isVisible()
    assert again.region.tdw_radio.isChecked() and not again.region.picked
