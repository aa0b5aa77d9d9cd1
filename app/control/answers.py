"""What a recorder answers: its status as reply fields, and the CLI `record`'s meaning of each command.

The session is passed in (anything with `status`, `pause`, `resume`, `request_stop`), so this module stays below
the session in the layers; the window has its own handler (app.ui.control) for the same commands.
"""

from __future__ import annotations

from typing import Callable, Protocol

from app.model.status import RecordingStatus


class Controllable(Protocol):
    @property
    def status(self) -> RecordingStatus:
        ...

    def pause(self) -> RecordingStatus:
        ...

    def resume(self) -> RecordingStatus:
        ...

    def request_stop(self) -> None:
        ...


def status_fields(status: RecordingStatus) -> dict:
    """The figures `ctl status` prints: state, elapsed, paused, frames and file."""
    fields = {"state": status.state, "elapsed_s": round(status.elapsed_s, 3), "paused_s": round(status.paused_s, 3),
              "frames": status.frames, "file": status.path}
    return {**fields, "failure": status.error} if status.error else fields


def session_handler(session: Controllable, on_stop: Callable[[], None] | None = None) -> Callable[[str], dict]:
    """The CLI's `record`: one recording, already running; `start` has nothing to start."""
    def handle(command: str) -> dict:
        if command == "status":
            return status_fields(session.status)
        if command == "start":
            return {"error": "This recorder (tdw-recorder record) is recording already: stop it, or start "
                             "another `tdw-recorder record`.", **status_fields(session.status)}
        if command == "pause":
            return {"message": "Paused.", **status_fields(session.pause())}
        if command == "resume":
            return {"message": "Recording again.", **status_fields(session.resume())}
        if on_stop is not None:
            on_stop()
        session.request_stop()
        return {"message": "Stopping: the recording is being finished.", **status_fields(session.status)}

    return handle


def starting(command: str) -> dict:
    """Before the recording runs (checks, the scene starting): only status has an answer yet."""
    if command == "status":
        return {"state": "starting"}
    return {"error": f"The recording is still starting: {command} it in a moment."}
