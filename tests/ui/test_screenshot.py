"""Screenshots of the window: grab() on the test display, and the offscreen helper for the README."""

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

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
