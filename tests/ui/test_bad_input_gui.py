"""Bad input through the window's own validation (the CLI side: tests/test_bad_input.py).

The real MainWindow on the test Xvfb + PulseAudio: each case sets the widgets to a bad value (or restores
saved settings holding it, for what no widget can type), and the problem must show in one line under the
field at fault while Record is disabled. What only shows at start (OBS unreachable) must come back as one
line in the message bar, with nothing left in the output folder and no process left behind.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import psutil
import pytest
from PySide6.QtCore import QSettings, Qt

from app.machine import Machine
from app.obs.config import free_port
from app.ui.main_window import MainWindow
from app.ui.settings_store import SettingsStore
from tests.support.faults import busy_port, readonly_folder
from tests.support.standin_build import BUILD_PATH


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    base = tmp_path_factory.mktemp("gui-bad-input")
    (base / "out").mkdir()
    (base / "afile").write_text("a file where a folder is needed\n")
    (base / "notes.txt").write_text("print('not a .py name')\n")
    (base / "broken.py").write_text("this is not Python (\n")
    (base / "open-secret").write_text("password\n")
    (base / "open-secret").chmod(0o644)
    with readonly_folder(base / "readonly") as readonly, busy_port() as port:
        yield {"base": base, "out": base / "out", "afile": base / "afile", "notes": base / "notes.txt",
               "broken": base / "broken.py", "secret": base / "open-secret", "readonly": readonly, "port": port}


@pytest.fixture(scope="module")
def window(qapp, xserver, pulse, paths):
    """One window for every case (each case starts from the same good settings)."""
    store = SettingsStore(QSettings(str(paths["base"] / "settings.ini"), QSettings.IniFormat))
    settings = store.load()
    settings.output_dir, settings.min_free_mb, settings.region = str(paths["out"]), 10, "100,80,320x240"
    store.save(settings)
    win = MainWindow(machine=Machine(env=pulse.env(xserver.env()), platform="linux"), store=store, open_url=lambda _url: True)
    win.show()
    win.good = settings
    yield win
    win.shutdown()
    win.close()
    win.deleteLater()


def restore(win, **changes) -> None:
    """Settings as a saved session would bring them back (for values no widget can hold)."""
    win.form.load(dataclasses.replace(win.good, **changes))


def rect(win, text):
    win.form.region.rect_radio.setChecked(True)
    win.form.region.rect_edit.setText(text)


def script(win, path, mode="video-frames"):
    form = win.form
    form.mode.setCurrentIndex(form.mode.findData(mode))
    form.scene.kind.setCurrentIndex(form.scene.kind.findData("script"))
    form.scene.script.setText(str(path))
    form.scene.build.setText(str(BUILD_PATH))


def demo(win, mode="video-frames"):
    form = win.form
    form.mode.setCurrentIndex(form.mode.findData(mode))
    form.scene.kind.setCurrentIndex(form.scene.kind.findData("demo"))
    form.scene.demo.setCurrentIndex(form.scene.demo.findData("moving_object"))
    form.scene.build.setText(str(BUILD_PATH))


def obs(win, backend="obs-websocket"):
    win.form.backend.setCurrentIndex(win.form.backend.findData(backend))


F = lambda name: lambda w: w.form.problems[name]  # noqa: E731 - the label under a form field
S = lambda name: lambda w: w.form.scene.problems[name]  # noqa: E731 - the label under a scene field
REGION = lambda w: w.form.region.problem  # noqa: E731
SCRIPT = lambda w: w.form.scene.scene_problems["script"]  # noqa: E731

# (case id, what the user does, the label that must show the problem, a fragment of it)
CASES = [
    ("region-negative", lambda w, p: rect(w, "-10,0,320x240"), REGION, "starts off-screen: use a positive position"),
    ("region-empty", lambda w, p: rect(w, "0,0,0x0"), REGION, "Region 0,0,0x0 is empty"),
    ("region-off-the-screen", lambda w, p: rect(w, "1200,700,320x240"), REGION, "does not fit on the 1280x800 display"),
    ("region-larger-than-the-screen", lambda w, p: rect(w, "0,0,5000x4000"), REGION, "0,0,5000x4000 does not fit"),
    ("region-odd-size", lambda w, p: rect(w, "1,1,321x241"), REGION, "is odd, which yuv420p cannot encode: use 320x240"),
    ("region-garbage", lambda w, p: rect(w, "nonsense"), REGION, "Region 'nonsense' is not understood"),
    ("window-unknown", lambda w, p: restore(w, region="window:no window like this"), REGION, "No window titled like 'no window like this'"),
    ("fps-zero", lambda w, p: w.form.fps.setValue(0), F("fps"), "Framerate 0 is out of range"),
    ("fps-negative-saved", lambda w, p: restore(w, fps=-5.0), F("fps"), "use a number from 1 to 240"),
    ("folder-is-a-file", lambda w, p: w.form.folder.setText(str(p["afile"])), F("output_dir"), "is a file, not a folder"),
    ("folder-under-a-file", lambda w, p: w.form.folder.setText(f"{p['afile']}/clips"), F("output_dir"),
     "cannot be created: {afile} is a file"),
    ("folder-not-writable", lambda w, p: w.form.folder.setText(str(p["readonly"])), F("output_dir"), "{readonly} is not writable"),
    ("folder-cannot-be-created", lambda w, p: w.form.folder.setText(f"{p['readonly']}/new"), F("output_dir"),
     "cannot be created: {readonly} is not writable"),
    ("name-marks-unfinished", lambda w, p: w.form.name.setText("clip.recording"), F("name"), "marks unfinished recordings"),
    ("name-only-dots", lambda w, p: w.form.name.setText(".."), F("name"), "only dots or spaces"),
    ("name-too-long", lambda w, p: w.form.name.setText("x" * 300), F("name"), "shorten it to at most 200"),
    ("audio-source-unknown", lambda w, p: restore(w, mode="av", audio="nosuchsource"), F("audio"), "'nosuchsource' does not exist"),
    ("frames-audio-source-unknown", lambda w, p: restore(w, mode="video-frames", scene="demo:moving_object",
                                                         build=str(BUILD_PATH), audio="nosuchframesound"),
     F("audio"), "'nosuchframesound' does not exist"),
    ("backend-unknown", lambda w, p: restore(w, backend="vlc"), F("backend"), "Backend 'vlc' is unknown"),
    ("ffmpeg-not-ffmpeg", lambda w, p: restore(w, ffmpeg_path="/bin/true"), F("ffmpeg"), "lacks screen capture (x11grab) and the libx264"),
    ("obs-password-file-missing", lambda w, p: (obs(w), w.form.obs_password_file.setText(f"{p['base']}/missing")),
     F("obs_password_file"), "does not exist: create it (chmod 600)"),
    ("obs-password-file-readable", lambda w, p: (obs(w), w.form.obs_password_file.setText(str(p["secret"]))),
     F("obs_password_file"), "readable by other users: run chmod 600"),
    ("obs-audio-only", lambda w, p: (obs(w, "obs-launch"), w.form.mode.setCurrentIndex(w.form.mode.findData("audio"))),
     F("backend"), "for audio only, use the ffmpeg backend"),
    ("frames-without-scene", lambda w, p: w.form.mode.setCurrentIndex(w.form.mode.findData("video-frames")),
     lambda w: w.form.scene.scene_problems[""], "needs a scene"),
    ("scene-missing", lambda w, p: script(w, p["base"] / "missing.py"), SCRIPT, "missing.py does not exist"),
    ("scene-not-python", lambda w, p: script(w, p["notes"]), SCRIPT, "notes.txt is not a Python file"),
    ("scene-bad-python", lambda w, p: script(w, p["broken"]), SCRIPT, "broken.py is not valid Python (line 1"),
    ("build-missing", lambda w, p: (demo(w), w.form.scene.build.setText(f"{p['base']}/TDW.x86_64")), S("build"), "No TDW build at"),
    ("build-not-executable", lambda w, p: (demo(w), w.form.scene.build.setText(str(p["notes"]))), S("build"),
     "is not an executable file: chmod +x it"),
    ("screen-size-odd", lambda w, p: (demo(w), w.form.scene.screen_size.setCurrentText("13x7")), S("screen_size"), "'13x7' is not WIDTHxHEIGHT"),
    ("screen-size-huge", lambda w, p: (demo(w), w.form.scene.screen_size.setCurrentText("100000x100000")), S("screen_size"),
     "even numbers up to 16384"),
    # numbers no widget holds, from saved settings: they show in the line beside Record
    ("connect-timeout-saved-huge", lambda w, p: restore(w, mode="video-frames", scene="demo:moving_object", build=str(BUILD_PATH),
                                                        connect_timeout=1e12), lambda w: w.readiness,
     "Connect timeout 1e+12 s is out of range: use 1 to 3600 seconds"),
    ("audio-offset-saved-huge", lambda w, p: restore(w, mode="av", audio="default", audio_offset=1e9), lambda w: w.readiness,
     "Audio offset 1e+12 ms is out of range: use -2000 to 2000 ms"),
    ("keep-frames-is-a-file", lambda w, p: (demo(w), w.form.scene.keep_frames.setText(str(p["afile"]))), S("keep_frames"),
     "it is a file, not a folder"),
    ("scene-args-open-quote", lambda w, p: (demo(w), w.form.scene.args.setText("--title 'my scene")), S("scene_args"),
     "A quote in the arguments is not closed"),
    ("port-in-use-saved", lambda w, p: restore(w, mode="video-frames", scene="demo:moving_object", build=str(BUILD_PATH),
                                               port=p["port"]), lambda w: w.readiness, "Port {port} is in use"),
]


@pytest.mark.parametrize("case_id, act, label, words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_shows_under_its_field_and_blocks_record(window, paths, qtbot, case_id, act, label, words):
    if paths["readonly"] is None and "{readonly}" in words:
        pytest.skip("no folder can be made unwritable here (root without mount rights)")
    restore(window)
    act(window, paths)
    expected, shown = words.format(**paths), label(window)
    qtbot.waitUntil(lambda: shown.isVisible() and expected in shown.text() and bool(window.live.problems), timeout=15000)
    assert not window.record_button.isEnabled() and not window.record_action.isEnabled()
    ours = [p.message for p in window.live.problems if expected in p.message]
    assert len(ours) == 1 and "\n" not in ours[0] and "Traceback" not in ours[0]


def test_what_a_field_cannot_hold_is_refused_as_it_is_typed(window, qtbot):
    restore(window)  # 30 fps
    fps, crf = window.form.fps, window.form.crf
    for box, typed, kept in ((fps, "abc", 30), (fps, "-5", 5), (fps, "100000", 100), (crf, "99", 9)):
        box.lineEdit().selectAll()
        qtbot.keyClicks(box.lineEdit(), typed)
        assert box.value() == kept, f"{typed!r} typed into {box.suffix() or box.prefix()!r} left {box.value()}"
    qtbot.waitUntil(lambda: window.live.problems == [] and window.record_button.isEnabled(), timeout=15000)


@pytest.mark.parametrize("host, port, words", [
    ("127.0.0.1", "closed", "Nothing answers on 127.0.0.1:{port}"),
    ("no-such-obs-host.invalid", 4455, "'no-such-obs-host.invalid' cannot be found"),
], ids=["obs-nothing-on-port", "obs-host-unknown"])
def test_obs_unreachable_shows_at_record_as_one_line_and_leaves_nothing(window, paths, qtbot, host, port, words):
    port = free_port() if port == "closed" else port
    restore(window, backend="obs-websocket")
    window.form.obs_host.setText(host)
    window.form.obs_port.setValue(port)
    qtbot.waitUntil(lambda: window.live.problems == [] and window.record_button.isEnabled(), timeout=15000)
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    window.message.hide()
    qtbot.mouseClick(window.record_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.message.isVisible() and not window.worker.busy, timeout=20000)
    text = window.message.label.text()
    assert window.message.property("kind") == "error" and words.format(port=port) in text and "\n" not in text
    assert window.status_panel.state.text() == "Failed" and window.record_button.isEnabled()
    assert list(Path(paths["out"]).iterdir()) == []  # not even the reserved name
    left = [p for p in psutil.Process().children(recursive=True) if p.pid not in before and p.status() != psutil.STATUS_ZOMBIE]
    assert not [p for p in left if p.name() in ("ffmpeg", "obs")], left


def test_saved_numbers_that_are_not_finite_fall_back_to_their_defaults(qapp, xserver, pulse, paths):
    """JSON takes Infinity and NaN: saved settings holding them open the window with the fields' defaults (the
    framerate field could not hold an infinity: the window did not open)."""
    qsettings = QSettings(str(paths["base"] / "not-finite.ini"), QSettings.IniFormat)
    qsettings.setValue("capture/settings", '{"fps": Infinity, "duration": NaN, "connect_timeout": -Infinity, '
                                           '"encoding": {"crf": NaN}, "region": "100,80,320x240", "min_free_mb": 10, '
                                           f'"output_dir": "{paths["out"]}"}}')
    win = MainWindow(machine=Machine(env=pulse.env(xserver.env()), platform="linux"), store=SettingsStore(qsettings),
                     open_url=lambda _url: True)
    try:
        settings = win.form.settings()
        assert (settings.fps, settings.duration, settings.connect_timeout, settings.encoding.crf) == (30, None, 60, 18)
    finally:
        win.shutdown()
        win.close()
        win.deleteLater()
