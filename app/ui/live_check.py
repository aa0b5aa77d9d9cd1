"""Inline preflight: re-validate the settings ~300 ms after the last change, off the GUI thread.

Only the newest answer counts: a slow check for settings the user has already changed is dropped.
Problems only the window can see (`local`, e.g. no script picked yet) come first in the same list.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from app.errors import Problem
from app.machine import Machine
from app.preflight import validate
from app.model.settings import CaptureSettings
from app.ui.background import Background
from app.ui.worker import one_line


class LiveCheck(QObject):
    checked = Signal(list)  # list[Problem] for the newest settings

    def __init__(
        self, background: Background, machine: Machine, settings: Callable[[], CaptureSettings],
        delay_ms: int = 300, parent: QObject | None = None, local: Callable[[], list[Problem]] = lambda: [],
    ) -> None:
        super().__init__(parent)
        self._background = background
        self._machine = machine
        self._settings = settings
        self._local = local
        self._generation = 0
        self._timer = QTimer(self, singleShot=True, interval=delay_ms)
        self._timer.timeout.connect(self.run_now)
        self.problems: list[Problem] | None = None  # None until the first answer

    def schedule(self) -> None:
        self._timer.start()  # restarts: typing keeps postponing the check

    def run_now(self) -> None:
        self._timer.stop()
        self._generation += 1
        generation, settings, machine, local = self._generation, self._settings(), self._machine, self._local()
        self._background.call(
            lambda: validate(settings, machine),
            lambda problems: self._answer(generation, local + problems),
            lambda exc: self._answer(generation, [*local, Problem("general", one_line(exc))]),
        )

    def _answer(self, generation: int, problems: list[Problem]) -> None:
        if generation != self._generation:
            return
        self.problems = problems
        self.checked.emit(problems)
