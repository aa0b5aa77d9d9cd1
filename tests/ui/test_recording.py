"""Recording from the window: real Xvfb window, real ffmpeg, files checked with ffprobe."""

import signal

import psutil
from PySide6.QtCore import Qt

from tests.support.media import probe, stream


def ready_window(make_window, anim_window, qtbot, title):
    anim_window(title, 320, 240, 800, 450)
    window = make_window()
    panel = window.form.region
    panel.refresh()
    qtbot.waitUntil(lambda: panel.select_window(title), timeout=10000)
    qtbot.waitUntil(lambda: window.record_button.isEnabled() and window.live.problems == [], timeout=10000)
    return window


def ffmpeg_children(recorder_only=False):
    found = [p for p in psutil.Process().children(recursive=True) if p.name() == "ffmpeg"]
    return [p for p in found if "x11grab" in p.cmdline()] if recorder_only else found


def test_record_then_stop_leaves_an_mp4_in_the_recordings_list(no_orphans, make_window, anim_window, qtbot):
    window = ready_window(make_window, anim_window, qtbot, "Rec Source")
    statuses = []
    window.bridge.status.connect(statuses.append)
    qtbot.mouseClick(window.record_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: len([s for s in statuses if s.state == "recording" and s.frames > 0]) >= 3, timeout=20000)
    frames = [s.frames for s in statuses if s.state == "recording" and s.frames > 0]
    assert frames[-1] > frames[0]
    assert window.status_panel.state.text() == "Recording"
    assert int(window.status_panel.figures["frames"].text()) > 0
    assert window.status_panel.figures["size"].text().endswith(("KB", "MB"))
    assert window.stop_button.isEnabled() and not window.record_button.isEnabled()
    assert not window.form.isEnabled()  # settings cannot change under a running recording
    qtbot.mouseClick(window.stop_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not window.worker.busy and window.message.isVisible(), timeout=30000)
    assert window.message.property("kind") == "success", window.message.label.text()
    assert [s.state for s in statuses][-1] == "done"
    paths = window.recordings.paths()
    assert len(paths) == 1 and paths[0].suffix == ".mp4" and paths[0].parent == make_window.out
    assert window.recordings.selected() == paths[0]
    video = stream(probe(paths[0]), "video")
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 320, 240)
    assert int(video["nb_read_frames"]) > 30
    qtbot.waitUntil(lambda: window.recordings.tree.topLevelItem(0).text(1).startswith("00:00:0"), timeout=10000)
    assert window.record_button.isEnabled() and not window.stop_button.isEnabled()


def test_shortcuts_and_a_duration_that_ends_by_itself(no_orphans, make_window, anim_window, qtbot):
    window = ready_window(make_window, anim_window, qtbot, "Timed Source")
    window.form.duration.setValue(2)
    qtbot.waitUntil(lambda: window.record_action.isEnabled() and window.live.problems == [], timeout=10000)
    qtbot.keyClick(window, Qt.Key_R, Qt.ControlModifier)
    qtbot.waitUntil(lambda: window.worker.busy, timeout=5000)
    qtbot.waitUntil(lambda: not window.worker.busy and window.message.isVisible(), timeout=30000)
    assert window.message.property("kind") == "success"
    (path,) = window.recordings.paths()
    assert 1.8 <= float(probe(path)["format"]["duration"]) <= 2.4


def test_escape_stops_and_a_countdown_comes_first(no_orphans, make_window, anim_window, qtbot):
    window = ready_window(make_window, anim_window, qtbot, "Countdown Source")
    window.form.countdown.setCurrentIndex(window.form.countdown.findData(3))
    qtbot.waitUntil(lambda: window.record_button.isEnabled(), timeout=10000)
    qtbot.mouseClick(window.record_button, Qt.LeftButton)
    assert window.status_panel.state.text() == "Starting in 3…" and not window.worker.busy
    qtbot.waitUntil(lambda: window.status_panel.state.text() == "Recording", timeout=10000)
    qtbot.waitUntil(lambda: window.status_panel.figures["frames"].text() not in ("–", "0"), timeout=10000)
    qtbot.keyClick(window, Qt.Key_Escape)
    qtbot.waitUntil(lambda: not window.worker.busy and window.message.isVisible(), timeout=30000)
    assert len(window.recordings.paths()) == 1


def test_stop_during_the_countdown_records_nothing(make_window, qtbot):
    window = make_window()
    window.form.countdown.setCurrentIndex(window.form.countdown.findData(5))
    qtbot.waitUntil(lambda: window.record_button.isEnabled(), timeout=10000)
    window.record_action.trigger()
    assert window.stop_button.isEnabled()
    window.stop_action.trigger()
    assert window.record_button.isEnabled() and window.status_panel.state.text() == "Ready"
    qtbot.wait(300)
    assert not window.worker.busy and window.recordings.paths() == []


def test_closing_the_window_while_recording_finalises_the_file(no_orphans, make_window, anim_window, qtbot):
    window = ready_window(make_window, anim_window, qtbot, "Close Source")
    window.record_action.trigger()
    qtbot.waitUntil(lambda: window.status_panel.figures["frames"].text() not in ("–", "0"), timeout=20000)
    assert window.close() is False  # not yet: the recording is stopped and saved first
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30000)
    files = sorted(make_window.out.iterdir())
    assert len(files) == 1 and files[0].suffix == ".mp4" and ".recording" not in files[0].name
    assert stream(probe(files[0]), "video")["codec_name"] == "h264"
    qtbot.waitUntil(lambda: not ffmpeg_children(), timeout=5000)  # only short queries (file lengths) may linger


def test_a_capture_that_dies_keeps_its_file_and_says_so_in_one_line(no_orphans, make_window, anim_window, qtbot):
    window = ready_window(make_window, anim_window, qtbot, "Crash Source")
    window.record_action.trigger()
    qtbot.waitUntil(lambda: int(window.status_panel.figures["frames"].text().replace("–", "0")) > 20, timeout=20000)
    for proc in ffmpeg_children(recorder_only=True):
        proc.send_signal(signal.SIGKILL)
    qtbot.waitUntil(lambda: not window.worker.busy and window.message.isVisible(), timeout=30000)
    text = window.message.label.text()
    assert window.message.property("kind") == "error"
    assert "ffmpeg stopped unexpectedly" in text and "Kept:" in text and "Traceback" not in text
    (kept,) = window.recordings.paths()
    assert kept.name in text
    assert stream(probe(kept), "video") is not None


def test_a_window_that_vanished_before_record_is_a_clear_message(make_window, anim_window, qtbot, xserver):
    import subprocess

    window = ready_window(make_window, anim_window, qtbot, "Vanishing Source")
    wid = window.form.region._windows["window:Vanishing Source"].window_id
    subprocess.run(["xdotool", "windowkill", str(wid)], env=xserver.env(), check=True)
    qtbot.waitUntil(lambda: "Vanishing Source" not in subprocess.run(
        ["xwininfo", "-tree", "-root"], env=xserver.env(), capture_output=True, text=True).stdout, timeout=5000)
    window.record_action.trigger()  # the last check still said yes
    qtbot.waitUntil(lambda: window.message.isVisible(), timeout=15000)
    assert window.message.property("kind") == "error"
    assert "No window titled like 'Vanishing Source' is open" in window.message.label.text()
    assert "\n" not in window.message.label.text()
    assert window.status_panel.state.text() == "Failed"
    assert window.recordings.paths() == []
