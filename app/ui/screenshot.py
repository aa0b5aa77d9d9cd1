"""Render the main window to a PNG without showing it on a screen (for the README and bug reports).

    python -c "from app.ui.screenshot import save; save('docs/screenshot.png')"

It uses Qt's offscreen platform when no QApplication exists yet, and a throw-away settings file so the
user's own choices are neither used nor changed. `write_png` saves any widget as it looks now (the tests
use it for pictures of the window idle, recording and showing an error).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from app.ui.main_window import MainWindow
from app.ui.settings_store import SettingsStore
from app.ui.style import STYLE
from app.ui.widgets import app_icon


def _application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication(["tdw-recorder-screenshot"])
        app.setStyle("Fusion")
        app.setStyleSheet(STYLE)
        app.setWindowIcon(app_icon())
    assert isinstance(app, QApplication)
    return app


def save(path: str | os.PathLike, size: tuple[int, int] = (1180, 760), timeout_s: float = 15.0) -> Path:
    """Write the main window, as it looks once its background checks are done, to `path` (PNG)."""
    app = _application()
    with tempfile.TemporaryDirectory(prefix="tdwrec-shot-") as folder:
        store = SettingsStore(QSettings(str(Path(folder) / "settings.ini"), QSettings.IniFormat))
        window = MainWindow(store=store)
        window.resize(*size)
        window.show()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and (window.live.problems is None or window.banner.checks is None):
            app.processEvents()
            time.sleep(0.02)
        try:
            target = write_png(window, path)
        finally:
            window.close()
            window.shutdown()
            window.deleteLater()
            app.processEvents()
    return target


def write_png(widget: QWidget, path: str | os.PathLike) -> Path:
    """Render `widget` as it looks now (pending paints done first) to a PNG; creates the folder."""
    QApplication.processEvents()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(target), "PNG"):
        raise OSError(f"could not write {target}")
    return target
