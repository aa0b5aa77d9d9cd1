"""The window's "Encoder and shortcuts" group, and the thin Qt hook on the engine's global shortcuts.

The encoder is a capture setting (saved with the others); the shortcuts are the window's own choice, saved in
QSettings by SettingsStore. GlobalKeys re-emits the grab thread's key presses as a signal, so the window acts
on them on the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QKeySequenceEdit, QWidget

from app.model.encoding import AUTO, ENCODERS
from app.screen.hotkeys import DEFAULTS, GlobalShortcuts
from app.ui.widgets import ProblemLabel, add_item, field_row, select_data

ENCODER_TIP = ("auto: a hardware encoder (NVENC, VA-API, Quick Sync...) when a test encode with it works on this "
               "machine, else libx264. Hardware encoders leave the CPU to the TDW build.")


class GlobalKeys(QObject):
    """Global shortcuts for the window: `pressed(action)` on the GUI thread."""

    pressed = Signal(str)

    def __init__(self, env=None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = GlobalShortcuts(self.pressed.emit, env)  # emitted from the grab thread: queued to ours

    def apply(self, shortcuts: dict[str, str]) -> dict[str, str]:
        """Grab these shortcuts (dropping the old ones); the problems, per action, in words."""
        return self.engine.bind(shortcuts)

    def close(self) -> None:
        self.engine.close()


class EncoderKeysGroup(QGroupBox):
    """The video encoder, and the two global shortcuts (record/stop, pause/resume)."""

    shortcuts_changed = Signal()

    def __init__(self, encoder_problem: ProblemLabel, parent: QWidget | None = None) -> None:
        super().__init__("Encoder and shortcuts", parent)
        form = QFormLayout(self)
        self.encoder = QComboBox(toolTip=ENCODER_TIP)
        for name in ENCODERS:
            add_item(self.encoder, "auto (hardware if it works here)" if name == AUTO else name, name)
        self.keys = {action: QKeySequenceEdit(QKeySequence(text), maximumSequenceLength=1)
                     for action, text in DEFAULTS.items()}
        self.key_problems = {action: ProblemLabel() for action in DEFAULTS}
        form.addRow("Encoder", field_row(self.encoder, problems=(encoder_problem,), stretch=False))
        form.addRow("Record / stop", field_row(self.keys["record"], problems=(self.key_problems["record"],), stretch=False))
        form.addRow("Pause / resume", field_row(self.keys["pause"], problems=(self.key_problems["pause"],), stretch=False))
        for edit in self.keys.values():
            edit.editingFinished.connect(self.shortcuts_changed)
            edit.setToolTip("Works while another window (the TDW build's) has the focus; clear it for none")

    def encoder_value(self) -> str:
        return self.encoder.currentData() or "libx264"

    def load_encoder(self, name: str) -> None:
        if not select_data(self.encoder, name):
            add_item(self.encoder, f"{name}  (unknown)", name)
            select_data(self.encoder, name)

    def shortcuts(self) -> dict[str, str]:
        return {action: edit.keySequence().toString(QKeySequence.PortableText) for action, edit in self.keys.items()}

    def load_shortcuts(self, shortcuts: dict[str, str]) -> None:
        for action, edit in self.keys.items():
            edit.setKeySequence(QKeySequence(shortcuts.get(action, DEFAULTS[action])))

    def show_key_problems(self, problems: dict[str, str]) -> None:
        for action, label in self.key_problems.items():
            label.show_messages([problems[action]] if action in problems else [])
