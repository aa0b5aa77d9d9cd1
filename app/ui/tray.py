"""A tray icon with the window's own Record / Stop actions, for recording with the window out of the way."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu, QSystemTrayIcon

from app.ui.widgets import app_icon


def make_tray(window: QMainWindow, actions: list[QAction]) -> QSystemTrayIcon | None:
    """None when the desktop has no system tray (e.g. a bare window manager)."""
    if not QSystemTrayIcon.isSystemTrayAvailable():
        return None
    tray = QSystemTrayIcon(app_icon(), window)
    tray.setToolTip("TDW Recorder")
    menu = QMenu(window)
    for action in actions:
        menu.addAction(action)
    menu.addSeparator()
    menu.addAction("Show window", lambda: (window.showNormal(), window.raise_(), window.activateWindow()))
    menu.addAction("Quit", window.close)
    tray.setContextMenu(menu)
    tray.activated.connect(
        lambda reason: window.showNormal() if reason == QSystemTrayIcon.ActivationReason.Trigger else None
    )
    tray.show()
    return tray
