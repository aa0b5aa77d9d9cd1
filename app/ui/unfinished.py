"""Recordings a crash or `kill -9` left unfinished in the output folder: said at start, finished on request.

The engine's `app.recovery` decides what is unfinished (a crash-safe `.recording.*` file that no live
recorder holds) and remuxes it; this bar only looks (in the background), asks, and reports in one line.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from app.ffmpeg.locate import find_ffmpeg
from app.output import expand_folder
from app.recovery import Recovered, recover, unfinished
from app.ui.background import Background
from app.ui.worker import one_line


def finish_all(paths: list[Path], ffmpeg_path: str) -> list[Recovered]:
    binary = find_ffmpeg(ffmpeg_path or None).path
    return [recover(binary, path) for path in paths if path.exists()]


class UnfinishedBar(QFrame):
    """"N unfinished recordings are in DIR" with a Finish button; hidden when there are none."""

    checked = Signal(list)  # what the newest look found (Paths; maybe none)
    finished = Signal(list)  # the finished files (Paths), so the recordings list can show them

    def __init__(self, background: Background, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.setProperty("kind", "info")
        self._background = background
        self._ffmpeg_path = ""
        self._generation = 0
        self.paths: list[Path] = []
        self.label = QLabel(self, wordWrap=True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.finish_button = QPushButton("Finish them", self, toolTip="Turn them into finished files (a remux: nothing is re-encoded)")
        self.finish_button.clicked.connect(self.finish)
        close = QToolButton(self, text="✕", autoRaise=True, toolTip="Dismiss")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.finish_button, 0, Qt.AlignTop)
        layout.addWidget(close, 0, Qt.AlignTop)
        self.hide()

    def check(self, folder: str, ffmpeg_path: str = "") -> None:
        """Look for unfinished recordings in `folder` (off the GUI thread); only the newest look counts."""
        self._ffmpeg_path = ffmpeg_path
        self._generation += 1
        generation, where = self._generation, expand_folder(folder)
        self._background.call(lambda: unfinished(where), lambda found: self._found(generation, where, found))

    def _found(self, generation: int, folder: Path, found: list[Path]) -> None:
        if generation != self._generation or not self.finish_button.isEnabled():
            return  # a newer look is on its way, or a finish is running
        self.paths = found
        self.checked.emit(found)
        if not found:
            self.hide()
            return
        count = f"{len(found)} recording{'s' if len(found) > 1 else ''}"
        them = "them" if len(found) > 1 else "it"
        self.finish_button.setText(f"Finish {them}")
        self._show(f"{count} that a crash or kill left unfinished {'are' if len(found) > 1 else 'is'} in {folder} "
                   f"({', '.join(p.name for p in found[:3])}{', …' if len(found) > 3 else ''}): Finish {them} "
                   "to get playable MP4 files (nothing is re-encoded).", "info", offer=True)

    def finish(self) -> None:
        paths, ffmpeg_path = list(self.paths), self._ffmpeg_path
        if not paths:
            return
        self.finish_button.setEnabled(False)
        self.label.setText(f"Finishing {len(paths)} recording{'s' if len(paths) > 1 else ''}…")
        self._background.call(lambda: finish_all(paths, ffmpeg_path), self._done, self._failed)

    def _done(self, results: list[Recovered]) -> None:
        self.finish_button.setEnabled(True)
        done = [r.result for r in results if r.result is not None]
        failed = [r.message for r in results if not r.ok]
        self.paths = [r.source for r in results if not r.ok]
        if failed:
            self._show(" ".join(failed), "error", offer=False)
        elif done:
            self._show(f"Finished: {', '.join(p.name for p in done)}.", "success", offer=False)
        else:
            self._show(" ".join(r.message for r in results), "success", offer=False)
        self.finished.emit(done)

    def _failed(self, exc: BaseException) -> None:
        self.finish_button.setEnabled(True)
        self._show(one_line(exc), "error", offer=True)

    def _show(self, text: str, kind: str, offer: bool) -> None:
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.label.setText(text)
        self.finish_button.setVisible(offer)
        self.show()
