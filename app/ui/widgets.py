"""Small shared widgets: the inline problem label, a field row with its problem, Browse buttons, the
message bar, combo helpers and the app icon."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QToolButton, QVBoxLayout, QWidget,
)


class ProblemLabel(QLabel):
    """A one-sentence problem shown right under the field at fault; hidden when there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problem")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.hide()

    def show_messages(self, messages: list[str]) -> None:
        self.setText("\n".join(messages))
        self.setVisible(bool(messages))


def field_row(field: QWidget, *extra: QWidget, problems: tuple[ProblemLabel, ...] = (), stretch: bool = True) -> QWidget:
    """A field (plus buttons) with its problem labels right under it; a hidden label takes no space."""
    box = QWidget()
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(3)
    row = QHBoxLayout()
    row.addWidget(field, 1 if stretch else 0)
    for widget in extra:
        row.addWidget(widget)
    if not stretch:
        row.addStretch(1)
    column.addLayout(row)
    for problem in problems:
        column.addWidget(problem)
    return box


def browse_button(edit: QLineEdit, title: str, folder: bool = False, filter: str = "", tooltip: str = "") -> QPushButton:
    """A Browse… button that fills `edit` with a chosen folder or file, starting from what it holds."""
    button = QPushButton("Browse…", toolTip=tooltip or title)

    def choose() -> None:
        start = os.path.expanduser(edit.text().strip() or edit.placeholderText().split(" (")[0])
        if folder:
            chosen = QFileDialog.getExistingDirectory(button.window(), title, start)
        else:
            chosen, _ = QFileDialog.getOpenFileName(button.window(), title, start, filter)
        if chosen:
            edit.setText(chosen)

    button.clicked.connect(choose)
    return button


class MessageBar(QFrame):
    """A dismissable one-line banner for results and errors (never a traceback)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        close = QToolButton(self, text="✕", autoRaise=True, toolTip="Dismiss")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignTop)
        self.hide()

    def show_message(self, text: str, kind: str = "info") -> None:
        """kind: info, success or error (styled through the `kind` property)."""
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.label.setText(text)
        self.show()


def add_item(combo: QComboBox, text: str, data: Any, enabled: bool = True, tooltip: str = "") -> None:
    """Add a combo entry; a disabled one stays visible (with its reason as tooltip) but cannot be picked."""
    combo.addItem(text, data)
    index = combo.count() - 1
    if tooltip:
        combo.setItemData(index, tooltip, Qt.ToolTipRole)
    if not enabled:
        combo.model().item(index).setEnabled(False)


def home_shortened(path: str) -> str:
    """`~/Videos/x.mkv` for a path under the home folder: the part a user recognises, as file managers show it."""
    home = os.path.expanduser("~").rstrip(os.sep)
    if home and (path == home or path.startswith(home + os.sep)):
        return "~" + path[len(home):]
    return path


def select_data(combo: QComboBox, value: Any) -> bool:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)
    return index >= 0


def app_icon(size: int = 64) -> QIcon:
    """A red record dot on a dark rounded square, drawn here so the app needs no image files."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setPen(Qt.NoPen)
    painter.setBrush(QColor("#263238"))
    painter.drawRoundedRect(QRectF(0, 0, size, size), size * 0.2, size * 0.2)
    painter.setBrush(QColor("#e53935"))
    margin = size * 0.25
    painter.drawEllipse(QRectF(margin, margin, size - 2 * margin, size - 2 * margin))
    painter.end()
    return QIcon(pixmap)
