"""Make the README's screenshot: the window recording a TDW demo scene, with the scene's window beside it.

    .venv/bin/python scripts/readme_screenshot.py [docs/screenshot.png]

It starts its own Xvfb + openbox and PulseAudio (the test suite's servers), runs the stand-in TDW build of
tests/ (no real build can be downloaded here) with the built-in `moving_object` demo, presses Record and takes
a picture of the whole screen while it records. HOME is a throw-away folder, so the window shows the default
output folder as a new user sees it (`~/Videos/...`) and nothing of yours is read or written.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCREEN = (1860, 800)


def main(target: Path) -> int:
    from tests.support.servers import PulseServer, XServer

    home = Path(tempfile.mkdtemp(prefix="tdwrec-readme-"))
    xserver = XServer(width=SCREEN[0], height=SCREEN[1]).start()
    pulse = PulseServer().start()
    try:
        env = pulse.env(xserver.env())
        env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_STATE_HOME=str(home / ".local/state"),
                   XDG_VIDEOS_DIR=str(home / "Videos"), QT_QPA_PLATFORM="xcb")
        env.pop("WAYLAND_DISPLAY", None)
        os.environ.clear()
        os.environ.update(env)
        return _record_and_shoot(target, home)
    finally:
        pulse.stop()
        xserver.stop()
        subprocess.run(["rm", "-rf", str(home)], check=False)


def _pump(app, seconds: float, until=lambda: False) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        if until():
            return True
        time.sleep(0.02)
    return until()


def _record_and_shoot(target: Path, home: Path) -> int:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.ui.main_window import MainWindow
    from app.ui.settings_store import SettingsStore
    from app.ui.style import STYLE
    from tests.support.standin_build import BUILD_PATH

    app = QApplication(["tdw-recorder-gui"])
    app.setStyle("Fusion")
    app.setStyleSheet(STYLE)
    store = SettingsStore(QSettings(str(home / "settings.ini"), QSettings.IniFormat))
    window = MainWindow(store=store)
    window.resize(1180, 760)
    window.show()
    _pump(app, 20, lambda: window.live.problems is not None and window.banner.checks is not None)
    window.move(0, 0)  # after the window manager placed it
    form = window.form
    form.mode.setCurrentIndex(form.mode.findData("video"))
    form.scene.kind.setCurrentIndex(form.scene.kind.findData("demo"))
    form.scene.demo.setCurrentIndex(form.scene.demo.findData("moving_object"))
    form.scene.args.setText("600")
    form.scene.build.setText(str(BUILD_PATH))
    form.scene.screen_size.setCurrentText("640x480")
    if not _pump(app, 20, lambda: window.record_button.isEnabled() and window.live.problems == []):
        print(f"not ready to record: {window.live.problems}", file=sys.stderr)
        return 1
    window.record_button.click()
    figures = window.status_panel.figures
    if not _pump(app, 40, lambda: figures["fps"].text() not in ("–", "0.0") and int(figures["frames"].text()) > 60):
        print(f"the recording did not start: {window.message.label.text()}", file=sys.stderr)
        return 1
    subprocess.run(["xdotool", "search", "--name", "^TDW$", "windowmove", "%@", "1200", "120"], check=False)
    _pump(app, 1.5)
    subprocess.run(["import", "-window", "root", str(target)], check=True)
    window.stop_button.click()
    _pump(app, 60, lambda: not window.worker.busy)
    window.close()
    window.shutdown()
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screenshot.png").resolve()))
