"""The recordings in the output folder: name, length, size, with Open, Show in folder and Delete.

Lengths come from `app.ffmpeg.inspect.media_duration`, one ffmpeg run per file, so they are read in the
background and filled in when ready.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QMessageBox, QPushButton, QTreeWidget, QTreeWidgetItem,
    QVBoxLayout, QWidget,
)

from app.errors import RecorderError
from app.ffmpeg.inspect import media_duration
from app.ffmpeg.locate import find_ffmpeg
from app.output import expand_folder
from app.ui.background import Background
from app.ui.status_panel import clock, size_text

log = logging.getLogger(__name__)

MEDIA = {".mp4", ".mkv", ".mov", ".webm", ".nut", ".m4a", ".aac", ".wav", ".opus", ".ogg", ".mka", ".flac", ".mp3"}


def _ask(parent: QWidget, text: str) -> bool:
    answer = QMessageBox.question(parent, "Delete recording", text, QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
    return answer == QMessageBox.Yes


def list_media(folder: Path) -> list[Path]:
    """Recordings in `folder`, newest first (a missing folder simply has none)."""
    try:
        files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in MEDIA]
    except OSError:
        return []
    return sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)


def lengths(paths: list[Path], ffmpeg_path: str = "") -> dict[Path, float | None]:
    try:
        binary = find_ffmpeg(ffmpeg_path or None).path
    except RecorderError:
        return {}
    return {p: media_duration(binary, str(p)) for p in paths}


class RecordingsPanel(QWidget):
    opened = Signal(str)  # the URL handed to the desktop (tests and logs watch it)

    def __init__(
        self, background: Background, parent: QWidget | None = None,
        open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl,
        confirm: Callable[[QWidget, str], bool] = _ask,
    ) -> None:
        super().__init__(parent)
        self._background, self._open_url, self._confirm = background, open_url, confirm
        self.folder = Path.cwd()
        self.ffmpeg_path = ""
        self.tree = QTreeWidget(rootIsDecorated=False, alternatingRowColors=True, uniformRowHeights=True)
        self.tree.setHeaderLabels(["Name", "Length", "Size", "Recorded"])
        self.tree.setSelectionMode(QAbstractItemView.SingleSelection)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeToContents)
        self.open_button = QPushButton("Open / Play")
        self.show_button = QPushButton("Show in folder")
        self.delete_button = QPushButton("Delete…")
        self.refresh_button = QPushButton("Refresh")
        buttons = QHBoxLayout()
        for button in (self.open_button, self.show_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.open_button.clicked.connect(self.open_selected)
        self.show_button.clicked.connect(self.show_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.refresh_button.clicked.connect(self.refresh)
        self.tree.itemDoubleClicked.connect(lambda *_: self.open_selected())
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        self._selection_changed()

    def set_folder(self, folder: str, ffmpeg_path: str = "") -> None:
        new = expand_folder(folder)
        self.ffmpeg_path = ffmpeg_path
        if new != self.folder or not self.tree.topLevelItemCount():
            self.folder = new
            self.refresh()

    def paths(self) -> list[Path]:
        return [Path(self.tree.topLevelItem(i).data(0, Qt.UserRole)) for i in range(self.tree.topLevelItemCount())]

    def refresh(self, select: Path | None = None) -> None:
        selected = select or self.selected()
        self.tree.clear()
        files = list_media(self.folder)
        for path in files:
            stat = path.stat()
            item = QTreeWidgetItem([path.name, "…", size_text(stat.st_size), time.strftime("%Y-%m-%d %H:%M", time.localtime(stat.st_mtime))])
            item.setData(0, Qt.UserRole, str(path))
            item.setToolTip(0, str(path))
            for column in (1, 2):
                item.setTextAlignment(column, Qt.AlignRight | Qt.AlignVCenter)
            self.tree.addTopLevelItem(item)
            if selected is not None and path == selected:
                self.tree.setCurrentItem(item)
        ffmpeg_path = self.ffmpeg_path
        self._background.call(lambda: lengths(files, ffmpeg_path), self._show_lengths)

    def _show_lengths(self, found: dict[Path, float | None]) -> None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            path = Path(item.data(0, Qt.UserRole))
            if path in found:
                seconds = found[path]
                item.setText(1, clock(seconds) if seconds is not None else "?")

    def selected(self) -> Path | None:
        item = self.tree.currentItem()
        return Path(item.data(0, Qt.UserRole)) if item is not None else None

    def _selection_changed(self) -> None:
        has = self.selected() is not None
        for button in (self.open_button, self.show_button, self.delete_button):
            button.setEnabled(has)

    def _open(self, url: QUrl) -> None:
        self.opened.emit(url.toString())
        if not self._open_url(url):
            log.warning("no application opened %s", url.toString())

    def open_selected(self) -> None:
        path = self.selected()
        if path is not None:
            self._open(QUrl.fromLocalFile(str(path)))

    def show_selected(self) -> None:
        path = self.selected()
        self._open(QUrl.fromLocalFile(str(path.parent if path is not None else self.folder)))

    def delete_selected(self) -> None:
        path = self.selected()
        if path is None or not self._confirm(self, f"Delete {path.name} for good?\n\nIt is not moved to the trash."):
            return
        try:
            path.unlink()
        except OSError as exc:
            QMessageBox.warning(self, "Delete recording", f"{path.name} could not be deleted: {exc.strerror}.")
        self.refresh()
