"""The window's "Open log folder": the folder of this run's log file (app.logs), in the desktop's file manager."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QMainWindow, QToolButton

from app import logs
from app.paths import log_dir


def log_folder():
    """This run's log folder (created if need be, so the file manager has something to show)."""
    current = logs.current_file()
    folder = current.parent if current is not None else log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        pass  # the file manager says it is missing
    return folder


def add_log_folder_action(window: QMainWindow) -> QAction:
    """The action, also as a small button at the right of the status bar; returns it (e.g. for the tray)."""
    action = QAction("Open log folder", window, objectName="openLogFolder",
                     toolTip="Open the folder of TDW Recorder's log files (one per run; passwords never written)")
    action.triggered.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_folder()))))
    window.addAction(action)
    button = QToolButton(objectName="openLogFolderButton", autoRaise=True)
    button.setDefaultAction(action)
    window.statusBar().addPermanentWidget(button)
    return action
