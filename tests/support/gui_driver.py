"""The real TDW Recorder window in its own process, driven as a user would, for the fault tests.

    python -m tests.support.gui_driver record      # open the window, press Record once it is ready
    python -m tests.support.gui_driver unfinished  # open the window, press Finish on the unfinished notice
                                                   # (exit code 4 when it finds nothing to finish)

It builds the same `MainWindow` as `tdw-recorder-gui` (settings from $XDG_CONFIG_HOME, the real machine)
and prints one JSON object per line on stdout: what the window shows (problems, status, scene frames,
the notice), so a test can kill it at a known point and compare the file on disk with what it reported.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.processes import keep_secrets_from_children
from app.ui.interrupt import close_on_signals
from app.ui.main_window import MainWindow
from app.ui.style import STYLE

READY_TIMEOUT_S = 30.0


def emit(**fields) -> None:
    print(json.dumps(fields, default=str), flush=True)


def record(app: QApplication, window: MainWindow) -> None:
    window.bridge.started.connect(lambda path: emit(event="started", path=path))
    window.bridge.status.connect(lambda status: emit(event="status", **dataclasses.asdict(status)))
    window.bridge.scene.connect(lambda snapshot: emit(event="scene", frames=snapshot.frames))
    window.bridge.failed.connect(lambda message: emit(event="failed", message=message))
    window.bridge.finished.connect(lambda result: emit(event="finished", path=result.path, error=result.error))
    started = time.monotonic()

    def press_record_when_ready() -> None:
        if window.worker.busy:
            return
        if window.live.problems == [] and window.record_button.isEnabled():
            emit(event="record")
            window.record_button.click()
        elif time.monotonic() - started > READY_TIMEOUT_S:
            emit(event="problems", problems=[p.message for p in window.live.problems or []])
            app.exit(3)
            return
        else:
            QTimer.singleShot(100, press_record_when_ready)

    QTimer.singleShot(100, press_record_when_ready)


def finish_unfinished(app: QApplication, window: MainWindow) -> None:
    bar = window.unfinished
    started = time.monotonic()
    state = {"pressed": False}

    def nothing_to_finish(found: list) -> None:
        if not found and not state["pressed"]:
            emit(event="nothing", visible=bar.isVisible())
            app.exit(4)

    bar.checked.connect(nothing_to_finish)

    def watch() -> None:
        if not state["pressed"] and bar.isVisible() and bar.finish_button.isVisible():
            emit(event="unfinished", text=bar.label.text(), paths=[str(p) for p in bar.paths])
            state["pressed"] = True
            bar.finish_button.click()
        elif state["pressed"] and bar.finish_button.isEnabled() and not bar.finish_button.isVisible():
            emit(event="finished", text=bar.label.text(), kind=bar.property("kind"),
                 listed=[str(p) for p in window.recordings.paths()])
            app.exit(0)
            return
        elif time.monotonic() - started > READY_TIMEOUT_S:
            emit(event="timeout", visible=bar.isVisible(), text=bar.label.text())
            app.exit(3)
            return
        QTimer.singleShot(100, watch)

    QTimer.singleShot(100, watch)


def main(argv: list[str]) -> int:
    keep_secrets_from_children()  # as app.ui.main_window.run does
    app = QApplication(["tdw-recorder-test-driver"])
    app.setOrganizationName("TDW Recorder")
    app.setApplicationName("TDW Recorder")
    app.setStyle("Fusion")
    app.setStyleSheet(STYLE)
    window = MainWindow()
    window.show()
    restore = close_on_signals(window, note=window.signal_note)  # SIGINT, SIGTERM, SIGHUP as app.ui.main_window.run
    {"record": record, "unfinished": finish_unfinished}[argv[0]](app, window)
    try:
        code = app.exec()
    finally:
        restore()
    window.shutdown()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
