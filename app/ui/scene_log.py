"""What the scene's script prints (its own output and tdw's), the last lines of it, while it runs.

It is fed `SceneSnapshot`s through the bridge (so only on the GUI thread) and appends just the lines it
has not shown yet, keeping the view where the user scrolled it unless it was at the bottom.
"""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from app.ui.session_bridge import SceneSnapshot
from app.ui.worker import SCENE_LOG_LINES


class SceneLog(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(SCENE_LOG_LINES)
        self.setLineWrapMode(QPlainTextEdit.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.setPlaceholderText("What the scene prints shows here while it runs.")
        self._shown = 0  # lines of the running scene already in the view

    def reset(self) -> None:
        self.clear()
        self._shown = 0

    def show_snapshot(self, snapshot: SceneSnapshot) -> None:
        new = snapshot.total_lines - self._shown
        if new <= 0:
            return
        if new > len(snapshot.lines):  # more arrived than the snapshot holds: start again from its tail
            self.clear()
            new = len(snapshot.lines)
        if new:
            self.appendPlainText("\n".join(snapshot.lines[len(snapshot.lines) - new:]))
        self._shown = snapshot.total_lines

    def lines(self) -> list[str]:
        text = self.toPlainText()
        return text.split("\n") if text else []
