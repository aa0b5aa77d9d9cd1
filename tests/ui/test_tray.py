"""The tray icon in a real system tray: trayer (Debian's `trayer` package) embeds it over XEmbed on Xvfb."""

import shutil
import subprocess

import pytest
from PySide6.QtWidgets import QSystemTrayIcon

from app.processes import spawn, stop_tree

pytestmark = pytest.mark.skipif(shutil.which("trayer") is None, reason="needs a system tray: apt-get install trayer")


@pytest.fixture
def system_tray(xserver, qtbot):
    tray = spawn(["trayer", "--edge", "top", "--align", "right", "--widthtype", "pixel", "--width", "120", "--height", "32"],
                 env=xserver.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        qtbot.waitUntil(QSystemTrayIcon.isSystemTrayAvailable, timeout=10000)
        yield
    finally:
        stop_tree(tray.pid, timeout=3)


def test_the_tray_icon_is_embedded_and_clicking_it_brings_the_window_back(system_tray, make_window, qtbot, xserver):
    window = make_window()
    tray = window.tray
    assert tray is not None and tray.isVisible() and tray.toolTip() == "TDW Recorder"
    qtbot.waitUntil(lambda: not tray.geometry().isEmpty(), timeout=10000)  # the tray has taken the icon in
    menu = tray.contextMenu()
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == ["Record", "Stop", "Show window", "Quit"]
    assert menu.actions()[0] is window.record_action and menu.actions()[1] is window.stop_action
    qtbot.waitUntil(window.record_action.isEnabled, timeout=10000)
    assert not window.stop_action.isEnabled()

    window.hide()
    assert not window.isVisible()
    centre = tray.geometry().center()
    subprocess.run(["xdotool", "mousemove", "--sync", str(centre.x()), str(centre.y()), "click", "1"],
                   env=xserver.env(), check=True, timeout=10)
    qtbot.waitUntil(window.isVisible, timeout=10000)
