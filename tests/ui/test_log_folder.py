"""The window's "Open log folder": an action (and a status-bar button) that asks the desktop to open the folder
of this run's log files. The desktop is patched: no file manager can open here."""

from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QToolButton

from app import logs


def test_open_log_folder_opens_the_log_folder(make_window, monkeypatch, tmp_path):
    monkeypatch.delenv("TDW_RECORDER_LOG_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    window = make_window()
    action = window.log_folder_action
    assert action.text() == "Open log folder" and action in window.actions()
    button = window.statusBar().findChild(QToolButton, "openLogFolderButton")
    assert button is not None and button.defaultAction() is action and button.isVisible()
    button.click()
    expected = logs.current_file().parent if logs.current_file() else tmp_path / "state" / "tdw-recorder" / "log"
    assert [url.toLocalFile() for url in opened] == [str(expected)]
    assert opened[0].isLocalFile() and expected.is_dir()
