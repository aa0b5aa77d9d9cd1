"""SIGINT (Ctrl+C), SIGTERM and SIGHUP (the terminal was closed) close the window gracefully, finishing any
recording first, by the signal policy of app.signals: one more while it finishes says so (in the window and on
stderr); another within 2 s of that stops now, leaving the crash-safe file for `recover`.

Qt's event loop runs in C++, where Python signal handlers cannot run; `set_wakeup_fd` makes the signal
wake the loop through a socket, and the Python handler then runs on the GUI thread.
"""

from __future__ import annotations

import signal
import socket
from typing import Callable, Sequence

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QWidget

from app.signals import ENDING, EndingSignals, cut_finishing, describe, detach_from_terminal, say_on


def close_on_signals(window: QWidget, signals: Sequence[int] = ENDING,
                     note: Callable[[str], None] | None = None) -> Callable[[], None]:
    """Install the handlers; `note` shows a line in the window. Returns a function that restores the previous ones."""
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    previous_fd = signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Read, window)

    def drain() -> None:
        try:
            reader.recv(64)
        except OSError:
            pass

    notifier.activated.connect(drain)
    to_stderr = say_on()

    def say(text: str) -> None:
        to_stderr(text)
        if note is not None:
            note(text)

    def stop(signum: int) -> None:
        if signum == signal.SIGHUP:
            detach_from_terminal()
        to_stderr(f"{describe(signum)}: closing the window; a recording is finished first.")
        window.close()  # with a recording running, the window stops it, saves it, then closes

    policy = EndingSignals(stop, say, lambda: cut_finishing())
    restore_handlers = policy.install(signals)

    def restore() -> None:
        restore_handlers()
        signal.set_wakeup_fd(previous_fd)
        notifier.setEnabled(False)
        reader.close()
        writer.close()

    return restore
