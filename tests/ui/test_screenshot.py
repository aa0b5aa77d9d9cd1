"""Screenshots of the window: grab() on the test display, the offscreen helper for the README, and pictures of the
window idle, recording and showing an error (tests/artifacts/), each checked through its widgets."""

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from app.ui.screenshot import write_png
from tests.ui.test_recording import ready_window

ROOT = Path(__file__).resolve().parents[2]


def test_the_window_grabs_to_a_real_picture(make_window, tmp_path):
    window = make_window()
    target = tmp_path / "window.png"
    assert window.grab().save(str(target), "PNG")
    image = QImage(str(target))
    assert (image.width(), image.height()) == (window.width(), window.height())
    assert target.stat().st_size > 10_000


def test_the_screenshot_helper_renders_offscreen(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    target = tmp_path / "shot.png"
    done = subprocess.run([sys.executable, "-c", f"from app.ui.screenshot import save; save({str(target)!r})"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-800:]
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1180, 760)
    assert not (tmp_path / "config" / "TDW Recorder").exists()  # the user's settings were not touched


# -- pictures of the window in its three looks, kept in tests/artifacts/ (git ignores it) for a human to see --
ARTIFACTS = ROOT / "tests" / "artifacts"


def saved(window, name: str) -> QImage:
    path = write_png(window, ARTIFACTS / name)
    image = QImage(str(path))
    assert (image.width(), image.height()) == (window.width(), window.height())
    return image


def test_picture_of_the_window_idle(make_window, qtbot):
    window = make_window()
    qtbot.waitUntil(lambda: window.live.problems == [] and window.banner.checks is not None, timeout=15000)
    assert window.status_panel.state.text() == "Ready"
    assert window.readiness.text() == "Ready to record."
    assert window.record_button.isEnabled() and not window.stop_button.isEnabled()
    assert window.form.isEnabled() and not window.message.isVisible()
    saved(window, "main_window_idle.png")


def test_picture_of_the_window_recording(no_orphans, make_window, anim_window, qtbot):
    window = ready_window(make_window, anim_window, qtbot, "Shot Source")
    qtbot.mouseClick(window.record_button, Qt.LeftButton)
    figures = window.status_panel.figures
    # ffmpeg reports its rate once a second has passed: by then the panel shows every figure
    qtbot.waitUntil(lambda: figures["fps"].text() not in ("–", "0.0"), timeout=20000)
    assert window.status_panel.state.text() == "Recording" and int(figures["frames"].text()) > 0
    assert window.readiness.text().startswith("Recording")
    assert window.stop_button.isEnabled() and not window.record_button.isEnabled() and not window.form.isEnabled()
    assert ".recording." in window.status_panel.path.text()
    assert window.status_panel.path.toolTip().startswith(str(make_window.out))  # the whole path on hover
    saved(window, "main_window_recording.png")
    qtbot.mouseClick(window.stop_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not window.worker.busy and window.message.isVisible(), timeout=30000)
    assert window.message.property("kind") == "success"


def test_picture_of_the_window_showing_an_error(make_window, anim_window, qtbot, xserver):
    window = ready_window(make_window, anim_window, qtbot, "Gone Source")
    wid = window.form.region._windows["window:Gone Source"].window_id
    subprocess.run(["xdotool", "windowkill", str(wid)], env=xserver.env(), check=True)
    window.record_action.trigger()  # the last check still said yes
    qtbot.waitUntil(lambda: window.message.isVisible(), timeout=15000)
    qtbot.waitUntil(lambda: any(p.field == "region" for p in window.live.problems or []), timeout=15000)
    assert window.message.property("kind") == "error"
    assert "No window titled like 'Gone Source' is open" in window.message.label.text()
    assert window.status_panel.state.text() == "Failed"
    assert window.readiness.text().startswith("1 problem")  # the re-check flags the region inline too
    assert not window.record_button.isEnabled() and window.recordings.paths() == []
    saved(window, "main_window_error.png")
