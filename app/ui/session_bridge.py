"""Engine callbacks arrive on worker threads; this adapter re-emits them as Qt signals.

Qt queues a signal emitted from another thread to the receiver's thread, so widgets connected here only
ever run on the GUI thread. The payloads are the engine's frozen dataclasses, safe to share, and a
`SceneSnapshot` the worker takes of a running scene (its frame count and the tail of its output).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from app.model.status import RecordingResult, RecordingStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SceneSnapshot:
    """A running scene as the window shows it: frames rendered and the last lines of its output."""

    frames: int
    lines: tuple[str, ...]  # the newest lines, oldest first
    total_lines: int  # lines written so far (the window appends only the new ones)


class SessionBridge(QObject):
    """One object per window; the worker calls the plain methods, widgets connect to the signals."""

    status = Signal(object)  # RecordingStatus
    finished = Signal(object)  # RecordingResult
    failed = Signal(str)  # a one-line message: the recording could not start
    started = Signal(str)  # path of the live recording file
    scene = Signal(object)  # SceneSnapshot

    def _emit(self, signal_name: str, payload: object) -> None:
        try:
            getattr(self, signal_name).emit(payload)
        except RuntimeError:  # the window (and this object) is gone: nobody to tell
            log.debug("dropped %s after the window closed", signal_name)

    def on_status(self, status: RecordingStatus) -> None:
        self._emit("status", status)

    def on_finished(self, result: RecordingResult) -> None:
        self._emit("finished", result)

    def on_failed(self, message: str) -> None:
        self._emit("failed", message)

    def on_started(self, path: str) -> None:
        self._emit("started", path)

    def on_scene(self, snapshot: SceneSnapshot) -> None:
        self._emit("scene", snapshot)
