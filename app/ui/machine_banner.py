"""First-run help: what this machine lacks (display, sound server, ffmpeg, ...), from `app.doctor`.

The window opens whatever is missing; this banner says what to install or start, and checks again on
request, instead of the app failing at launch.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.doctor import Check, run_checks
from app.machine import Machine
from app.ui.background import Background

# What the window needs before anything can be recorded; other checks (e.g. xpra) show up as problems.
NAMES = {"ffmpeg": "ffmpeg", "display": "Display", "sound server": "Sound server", "output folder": "Output folder",
         "free disk": "Free disk space", "xpra": "xpra"}


class MachineBanner(QFrame):
    checked = Signal(list)  # list[Check]

    def __init__(self, background: Background, machine: Machine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("machineBanner")
        self._background, self._machine = background, machine
        self.title = QLabel("<b>Not everything is ready on this computer</b> (what is missing limits what can be recorded):")
        self.details = QLabel(wordWrap=True, textFormat=Qt.PlainText)
        self.details.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.again = QPushButton("Check again")
        text = QVBoxLayout()
        text.addWidget(self.title)
        text.addWidget(self.details)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addLayout(text, 1)
        layout.addWidget(self.again, 0, Qt.AlignTop)
        self.checks: list[Check] | None = None
        self.hide()

    def run(self, output_dir: str, ffmpeg_path: str = "") -> None:
        self.again.setEnabled(False)
        machine = self._machine
        self._background.call(lambda: run_checks(machine, output_dir, ffmpeg_path), self.show_checks,
                              lambda exc: self.show_checks([Check("checks", False, str(exc))]))

    def show_checks(self, checks: list[Check]) -> None:
        self.again.setEnabled(True)
        self.checks = checks
        bad = [c for c in checks if c.needs_fixing]
        self.details.setText("\n".join(f"• {NAMES.get(c.name, c.name)}: {c.detail}" for c in bad))
        self.setVisible(bool(bad))
        self.checked.emit(checks)
