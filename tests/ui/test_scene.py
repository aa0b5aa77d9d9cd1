"""TDW scenes from the window: the stand-in build and the real tdw Controller, files checked with ffprobe."""

from PySide6.QtCore import Qt

from app.ui.scene_log import SceneLog
from app.ui.session_bridge import SceneSnapshot
from tests.support.media import mean_volume_db, probe, stream
from tests.support.standin_build import BUILD_PATH  # also sets STANDIN_BUILD_PYTHON for the builds launched


def choose_demo(window, name="moving_object", args="", mode="video-frames", screen_size=""):
    form = window.form
    form.mode.setCurrentIndex(form.mode.findData(mode))
    form.scene.kind.setCurrentIndex(form.scene.kind.findData("demo"))
    form.scene.demo.setCurrentIndex(form.scene.demo.findData(name))
    form.scene.args.setText(args)
    form.scene.build.setText(str(BUILD_PATH))
    form.scene.screen_size.setCurrentText(screen_size)


def record_until_it_ends(window, qtbot, timeout=60000):
    statuses, snapshots = [], []  # snapshots: (scene frames, the window's state and clock when it arrived)
    panel = window.status_panel
    window.bridge.status.connect(statuses.append)
    window.bridge.scene.connect(lambda snap: snapshots.append((snap.frames, panel.current, panel.elapsed.text())))
    qtbot.waitUntil(lambda: window.record_button.isEnabled() and window.live.problems == [], timeout=15000)
    qtbot.mouseClick(window.record_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.worker.busy, timeout=5000)
    qtbot.waitUntil(lambda: not window.worker.busy and window.message.isVisible(), timeout=timeout)  # no Stop pressed
    return statuses, snapshots


def test_a_demo_recorded_from_tdw_frames_stops_by_itself_and_lists_its_mp4(no_orphans, make_window, qtbot):
    window = make_window()
    choose_demo(window, args="45")
    assert window.scene_box.isVisible() and window.form.scene.keep_frames.isVisible()
    assert not window.form.region.isEnabled()  # TDW's own images: no screen region
    s = window.form.settings()
    assert (s.mode, s.scene, s.scene_args, s.build) == ("video-frames", "demo:moving_object", ["45"], str(BUILD_PATH))
    statuses, snapshots = record_until_it_ends(window, qtbot)
    assert window.message.property("kind") == "success", window.message.label.text()
    states = [s.state for n, s in enumerate(statuses) if n == 0 or s.state != statuses[n - 1].state]  # one per run
    assert states[-3:] == ["stopping", "finalising", "done"] and statuses[-1].frames >= 45
    live = [(frames, clock) for frames, state, clock in snapshots if state == "recording"]
    assert live and max(live)[0] > 0  # the scene's frame count shows while it runs
    assert max(live)[1] >= "00:00:01"  # and the clock runs, though ffmpeg says nothing until the end here
    rendered = [frames for frames, _, _ in snapshots]
    assert rendered == sorted(rendered) and rendered[-1] >= 45
    assert window.status_panel.scene.text() == f"TDW scene: {rendered[-1]} frames rendered"
    # tdw's "You need to launch your own build." is kept out: the recorder launched it (a script's own lines go
    # through: tests/scene/test_scene_recording.py::test_tdws_launcher_chatter_is_kept_out_of_the_scene_log)
    assert "You need to launch your own build." not in window.scene_log.lines()
    (path,) = window.recordings.paths()
    assert path.suffix == ".mp4" and path.parent == make_window.out and window.recordings.selected() == path
    assert int(stream(probe(path), "video")["nb_read_frames"]) >= 45
    assert window.status_panel.state.text() == "Saved" and window.record_button.isEnabled()


def test_tdw_frames_with_the_builds_sound_are_recorded_from_the_window(no_orphans, machine, make_window, qtbot):
    machine.env["STANDIN_BUILD_TONE"] = "1"  # the build beeps every second, as a scene with impact sounds would
    window = make_window()
    form = window.form
    choose_demo(window, args="90")
    assert form.audio.isEnabled() and form.settings().audio == "none"  # no sound unless a source is picked
    form.audio.setCurrentIndex(form.audio.findData("default"))
    assert form.settings().audio == "default"
    record_until_it_ends(window, qtbot)
    assert window.message.property("kind") == "success", window.message.label.text()
    (path,) = window.recordings.paths()
    info = probe(path)
    assert path.suffix == ".mp4" and stream(info, "video")["codec_name"] == "h264"
    assert stream(info, "audio")["codec_name"] == "aac"
    assert mean_volume_db(path) > -60  # the beeps are in the file, not silence


def test_the_tdw_window_is_the_default_region_and_records_the_build_window(no_orphans, make_window, qtbot):
    window = make_window()
    panel = window.form.region
    assert not panel.tdw_radio.isEnabled() and panel.screen_radio.isChecked()
    choose_demo(window, args="60", mode="video", screen_size="320x240")
    assert panel.tdw_radio.isEnabled() and panel.tdw_radio.isChecked()
    assert window.form.settings().region == "tdw" and not window.form.scene.keep_frames.isVisible()
    _, snapshots = record_until_it_ends(window, qtbot)
    assert window.message.property("kind") == "success", window.message.label.text()
    assert snapshots and snapshots[-1][0] >= 60
    (path,) = window.recordings.paths()
    video = stream(probe(path), "video")
    assert (video["width"], video["height"]) == (320, 240)  # exactly the build's window, not the screen


def test_a_region_picked_by_hand_stays_when_a_scene_is_chosen(make_window, qtbot):
    window = make_window()
    panel = window.form.region
    panel.rect_radio.setChecked(True)
    qtbot.keyClicks(panel.rect_edit, "0,0,320x240")
    choose_demo(window, mode="video")
    assert panel.rect_radio.isChecked() and panel.tdw_radio.isEnabled()
    window.form.scene.kind.setCurrentIndex(0)  # no scene: the TDW window is no choice any more
    assert not panel.tdw_radio.isEnabled() and panel.rect_radio.isChecked()
    qtbot.mouseClick(panel.tdw_radio, Qt.LeftButton)  # disabled: nothing happens
    assert window.form.settings().region == "0,0,320x240"


def test_missing_script_build_and_scene_are_inline_problems_that_block_record(make_window, qtbot, tmp_path):
    window = make_window()
    form, scene = window.form, window.form.scene
    qtbot.waitUntil(lambda: window.record_button.isEnabled(), timeout=10000)
    form.mode.setCurrentIndex(form.mode.findData("video-frames"))
    qtbot.waitUntil(lambda: "needs a scene" in scene.scene_problems[""].text(), timeout=10000)
    assert not window.record_button.isEnabled()

    scene.kind.setCurrentIndex(scene.kind.findData("script"))
    qtbot.waitUntil(lambda: scene.scene_problems["script"].isVisible(), timeout=10000)
    assert scene.scene_problems["script"].text() == "Choose your controller script (a .py file), or pick a demo."
    scene.script.setText(str(tmp_path / "missing.py"))
    scene.build.setText(str(tmp_path / "no-build" / "TDW.x86_64"))
    scene.screen_size.setCurrentText("321x240")
    qtbot.waitUntil(lambda: "does not exist" in scene.scene_problems["script"].text(), timeout=10000)
    assert not scene.scene_problems[""].isVisible()
    assert f"No TDW build at {tmp_path / 'no-build' / 'TDW.x86_64'}" in scene.problems["build"].text()
    assert "321x240" in scene.problems["screen_size"].text()
    assert not window.record_button.isEnabled() and "3 problems" in window.readiness.text()

    scene.script.setText(str(tmp_path / "scene.py"))
    (tmp_path / "scene.py").write_text("print('hello')\n")
    scene.build.setText(str(BUILD_PATH))
    scene.screen_size.setCurrentText("320x240")
    scene.args.setText("--title 'my scene")  # an open quote
    qtbot.waitUntil(lambda: scene.problems["scene_args"].isVisible(), timeout=10000)
    assert not scene.scene_problems["script"].isVisible() and not scene.problems["build"].isVisible()
    assert not window.record_button.isEnabled()
    scene.args.setText("--title 'my scene'")
    qtbot.waitUntil(lambda: window.record_button.isEnabled(), timeout=10000)
    assert form.settings().scene_args == ["--title", "my scene"]


def test_the_scene_log_appends_only_new_lines_and_keeps_the_last_ones(qtbot):
    view = SceneLog()
    qtbot.addWidget(view)
    view.show_snapshot(SceneSnapshot(0, ("a", "b"), 2))
    view.show_snapshot(SceneSnapshot(3, ("a", "b", "c"), 3))
    view.show_snapshot(SceneSnapshot(3, ("a", "b", "c"), 3))
    assert view.lines() == ["a", "b", "c"]
    lines = tuple(f"line {i}" for i in range(300))
    view.show_snapshot(SceneSnapshot(9, lines[-200:], 300))  # more came than a snapshot holds
    assert view.lines() == list(lines[-200:])
    view.reset()
    assert view.lines() == []
