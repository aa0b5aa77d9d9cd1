"""The one long-lived thread that starts, watches and stops recordings, off the GUI thread.

Children are started with PR_SET_PDEATHSIG, which fires when the *thread* that started them exits, so the
thread calling `Session.start()` must outlive the recording: this thread lives as long as the window.
While a scene runs, the thread also looks at it twice a second (and with every status) and sends the
window a `SceneSnapshot`: the engine's own fields, read here, so the engine needs no hook for it.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Callable

from app.errors import RecorderError
from app.machine import Machine
from app.preflight import plan
from app.model.plan import RecordingPlan
from app.model.preview import PreviewFrame
from app.session import Session
from app.model.status import RecordingResult, RecordingStatus
from app.model.settings import CaptureSettings
from app.ui.session_bridge import SceneSnapshot, SessionBridge

log = logging.getLogger(__name__)

SCENE_POLL_S = 0.5
SCENE_LOG_LINES = 200

Planner = Callable[[CaptureSettings, Machine], RecordingPlan]


def one_line(exc: BaseException) -> str:
    """A user-facing sentence for any failure (never a traceback)."""
    if isinstance(exc, RecorderError):
        return exc.message
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror or exc}{where}: check the path and its permissions."
    return f"Unexpected error ({type(exc).__name__}: {exc}); see the log for details."


def scene_snapshot(session: Session) -> SceneSnapshot | None:
    """The scene's frame count and output tail (None without a scene); safe while its threads append."""
    if session.scene is None and not session.scene_log:
        return None
    log_lines = session.scene_log
    total = len(log_lines)
    frames = session.scene.frames if session.scene is not None else 0
    return SceneSnapshot(frames, tuple(log_lines[max(total - SCENE_LOG_LINES, 0):total]), total)


class RecordingWorker:
    """Queue of recording jobs served by a single thread; `stop()` ends the running one gracefully."""

    def __init__(self, bridge: SessionBridge, machine: Machine, planner: Planner = plan) -> None:
        self._bridge = bridge
        self._machine = machine
        self._planner = planner
        self._jobs: queue.Queue[CaptureSettings | None] = queue.Queue()
        self._stop = threading.Event()
        self._session: Session | None = None  # the recording in progress, for stop()
        self._last_scene: tuple[int, int] | None = None  # (frames, lines) last sent: unchanged scenes are not resent
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._serve, name="tdw-recording-worker", daemon=True)
        self._thread.start()

    @property
    def busy(self) -> bool:
        return not self._idle.is_set()

    def preview(self) -> list[PreviewFrame]:
        """Where the live preview may look now (nothing when no recording runs)."""
        session = self._session
        return session.preview.frames() if session is not None else []

    def record(self, settings: CaptureSettings) -> bool:
        """Queue one recording; False when one is already running or the worker has shut down."""
        if self.busy or not self._thread.is_alive():
            return False
        self._idle.clear()
        self._stop.clear()
        self._jobs.put(settings)
        return True

    def stop(self) -> None:
        self._stop.set()
        session = self._session  # read after setting _stop: see _record for why this cannot be missed
        if session is not None:
            session.request_stop()

    @property
    def status(self) -> RecordingStatus | None:
        """The running recording's last status (None when idle)."""
        session = self._session
        return session.status if session is not None else None

    def pause(self) -> RecordingStatus:
        """Pause the running recording (a one-line RecorderError when none runs, or it cannot pause)."""
        return self._running().pause()

    def resume(self) -> RecordingStatus:
        return self._running().resume()

    def _running(self) -> Session:
        session = self._session
        if session is None:
            raise RecorderError("Nothing is being recorded: press Record first.")
        return session

    def wait_idle(self, timeout: float | None = None) -> bool:
        return self._idle.wait(timeout)

    def shutdown(self, timeout: float = 60.0) -> None:
        """Stop and finalise any recording, then end the thread (it must not outlive its children)."""
        self.stop()
        self._jobs.put(None)
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _serve(self) -> None:
        while True:
            settings = self._jobs.get()
            if settings is None:
                return
            outcome = self._record(settings)
            self._idle.set()  # before telling the window, so it can start the next one at once
            if isinstance(outcome, RecordingResult):
                self._bridge.on_finished(outcome)
            else:
                self._bridge.on_failed(outcome)

    def _record(self, settings: CaptureSettings) -> RecordingResult | str:
        session: Session | None = None
        self._last_scene = None

        def on_status(status: RecordingStatus) -> None:
            self._bridge.on_status(status)
            if session is not None:
                self._send_scene(session)

        try:
            session = Session(self._planner(settings, self._machine), on_status=on_status, env=self._machine.env)
            session.start()
        except Exception as exc:  # noqa: BLE001 - every failure becomes one line in the window
            if not isinstance(exc, (RecorderError, OSError)):
                log.exception("recording could not start")
            if session is not None and session.paths is not None:  # stop what started; drop the reserved name
                self._safe_stop(session)
                self._send_scene(session)
            return one_line(exc)
        assert session.paths is not None
        self._bridge.on_started(str(session.paths.recording))
        self._session = session  # published before _stop is checked, so a stop() now always wakes wait()
        try:
            poll = SCENE_POLL_S if session.scene is not None else None
            while not self._stop.is_set() and not session.wait(poll):  # until it ends or stop() wakes it
                self._send_scene(session)
            return self._safe_stop(session)
        finally:
            self._send_scene(session)  # the scene's last words (its error, if any) before the result
            self._session = None

    def _send_scene(self, session: Session) -> None:
        snapshot = scene_snapshot(session)
        if snapshot is None or (snapshot.frames, snapshot.total_lines) == self._last_scene:
            return
        self._last_scene = (snapshot.frames, snapshot.total_lines)
        self._bridge.on_scene(snapshot)

    @staticmethod
    def _safe_stop(session: Session) -> RecordingResult | str:
        try:
            return session.stop()
        except Exception as exc:  # noqa: BLE001
            log.exception("stopping the recording failed")
            return one_line(exc)
