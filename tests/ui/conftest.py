"""The GUI tests run on the session's real Xvfb (+ openbox) through Qt's xcb platform.

Qt reads DISPLAY and QT_QPA_PLATFORM once, when the QApplication is created, so `qapp` is overridden
here to create it with the test display and then put the environment back for the other tests. At the
end it is deleted before the X server stops, so Qt never sees its display vanish.
"""

from __future__ import annotations

import gc
import os

import pytest
from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication
from shiboken6 import Shiboken

from app.ui.main_window import MainWindow
from app.ui.settings_store import SettingsStore
from app.ui.style import STYLE


@pytest.fixture(scope="session")
def qapp(xserver):
    saved = {key: os.environ.get(key) for key in ("DISPLAY", "QT_QPA_PLATFORM")}
    os.environ.update(DISPLAY=xserver.display, QT_QPA_PLATFORM="xcb")
    try:
        app = QApplication.instance() or QApplication(["tdw-recorder-tests"])
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    app.setStyle("Fusion")
    app.setStyleSheet(STYLE)
    yield app
    app.closeAllWindows()
    app.processEvents()
    app.sendPostedEvents(None, QEvent.DeferredDelete)
    gc.collect()
    Shiboken.delete(app)  # disconnect from the X server before the xserver fixture stops it


@pytest.fixture
def store(tmp_path) -> SettingsStore:
    return SettingsStore(QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))


class Opened:
    """Stands in for the desktop: records the URLs the window asks it to open."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, url) -> bool:
        self.urls.append(url.toLocalFile())
        return True


@pytest.fixture
def make_window(qtbot, machine, store, tmp_path):
    """Build a main window on the test machine; the output folder is a fresh temp folder."""
    out = tmp_path / "recordings"
    out.mkdir()
    opened = Opened()

    def make(first_run: bool = True, **kw) -> MainWindow:
        if first_run and not store.qsettings.contains("capture/settings"):
            settings = store.load()
            settings.output_dir = str(out)
            settings.min_free_mb = 10
            store.save(settings)
        window = MainWindow(machine=machine, store=store, open_url=kw.pop("open_url", opened), **kw)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(lambda: window.live.problems is not None, timeout=15000)
        return window

    make.out = out
    make.opened = opened
    return make
