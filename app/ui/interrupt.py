"""Ctrl+C (SIGINT) and SIGTERM in the terminal close the window gracefully, stopping any recording.

Qt's event loop runs in C++, where Python signal handlers cannot run; `set_wakeup_fd` makes the signal
wake the loop through a socket, and the Python handler then runs on the GUI thread.
"""

from __future__ import annotations

import signal
import socket
from typing import Callable

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QWidget


def close_on_signals(window: QWidget, signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> Callable[[], None]:
    """Install the handlers; returns a function that restores the previous ones."""
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
    previous = {sig: signal.signal(sig, lambda *_: window.close()) for sig in signals}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(previous_fd)
        notifier.setEnabled(False)
        reader.close()
        writer.close()

    return restore
