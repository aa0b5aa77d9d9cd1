"""The window answers `tdw-recorder ctl` and has its own Pause button; both end in `WindowControl`.

The control server (app.control.server) runs on a thread of its own; each command it receives is handed to the GUI
thread through a Qt signal (queued across threads) and answered there, so widgets are only ever touched on the GUI
thread. `start` records with the window's current settings, as its Record button does.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from app.control.answers import status_fields
from app.control.server import ControlServer
from app.errors import RecorderError

log = logging.getLogger(__name__)

ANSWER_TIMEOUT_S = 8.0  # a pause waits for ffmpeg to close its part; a GUI thread stuck longer is reported


@dataclass
class _Request:
    command: str
    reply: dict = field(default_factory=dict)
    done: threading.Event = field(default_factory=threading.Event)


class WindowControl(QObject):
    """One per window: serves its control socket and carries out start, stop, pause, resume and status."""

    received = Signal(object)  # _Request, emitted on the server's thread, handled on the GUI thread

    def __init__(self, window, ident: str | None = None) -> None:
        super().__init__(window)
        self._window = window
        self.received.connect(self._answer)
        self.server: ControlServer | None = None
        try:
            self.server = ControlServer(self._from_server, ident, env=window.machine.env, kind="window").start()
        except RecorderError as exc:  # the window works without it; say why `ctl` will not find it
            log.warning("tdw-recorder ctl cannot reach this window: %s", exc.message)
            self.problem = exc.message
        else:
            self.problem = self.server.note

    def _from_server(self, command: str) -> dict:
        request = _Request(command)
        self.received.emit(request)
        if not request.done.wait(ANSWER_TIMEOUT_S):
            return {"error": f"The window did not answer {command!r} in {ANSWER_TIMEOUT_S:g} s (is it busy?)."}
        return request.reply

    def _answer(self, request: _Request) -> None:
        try:
            request.reply = self.carry_out(request.command)
        except RecorderError as exc:
            request.reply = {"error": exc.message}
        except Exception as exc:  # noqa: BLE001 - the caller gets one line, the log the details
            log.exception("ctl %s failed in the window", request.command)
            request.reply = {"error": f"The window could not {request.command} ({type(exc).__name__}): see its log."}
        finally:
            request.done.set()

    def carry_out(self, command: str) -> dict:
        """On the GUI thread: what each command does in the window."""
        window, worker = self._window, self._window.worker
        if command == "start":
            if window.busy:
                raise RecorderError("The window is recording already: stop it first.")
            if not window.can_record():
                raise RecorderError(f"The window cannot record yet: {window.readiness.text()}")
            window.record()
            return {"message": "Recording starts with the window's settings.", "state": "starting"}
        if command == "stop":
            if not window.busy:
                raise RecorderError("The window is not recording.")
            window.stop()
            return {"message": "Stopping: the recording is being finished."}
        if command in ("pause", "resume"):
            status = worker.pause() if command == "pause" else worker.resume()
            window.status_panel.show_status(status)
            window.show_paused(status.paused)
            return {"message": "Paused." if status.paused else "Recording again.", **status_fields(status)}
        status = worker.status
        return status_fields(status) if status is not None else {"state": "idle"}

    def pause_or_resume(self) -> None:
        """The Pause button (and any shortcut bound to it): one line in the window when it cannot."""
        status = self._window.worker.status
        try:
            self.carry_out("resume" if status is not None and status.paused else "pause")
        except RecorderError as exc:
            self._window.message.show_message(exc.message, "error")

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
