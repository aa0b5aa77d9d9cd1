"""Following a window that changes size while it is recorded.

x11grab grabs a window by id at the size it had when ffmpeg opened it: a window that grows is recorded
cropped, one that shrinks ends ffmpeg ("Permission denied"). Scripts size their own windows (TDW's
`set_screen_size`, usually in their first `communicate`, and sometimes halfway), so the recorder watches the
window and, when its size changes, ends the current part and starts the next one at the new size, scaled into
the size the recording started with (aspect kept, black borders). Every part then has the same size and
codec settings, so `app.ffmpeg.parts.join_parts` joins them without re-encoding what was written: one file, one size.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Callable, Mapping

from app.errors import RecorderError
from app.screen.display import open_display

log = logging.getLogger(__name__)

RECHECK_S = 1.0  # the size is asked at least this often, and whenever the X server reports a change
MIN_SIDE = 16  # smaller: the window is being closed or minimised, not resized


class SizeWatch:
    """Asks a window's size on a thread of its own and calls `on_resize(width, height)` (even sides) when it
    changes. Stops by itself when the window goes away (the recording's own end reports that)."""

    def __init__(self, env: Mapping[str, str] | None, window_id: int, size: tuple[int, int],
                 on_resize: Callable[[int, int], None], recheck_s: float = RECHECK_S) -> None:
        self._env = env
        self._window_id = window_id
        self.size = size
        self._on_resize = on_resize
        self._recheck_s = recheck_s
        self._stop = threading.Event()
        self._wake_read, self._wake_write = os.pipe()  # stop() wakes the thread waiting on the X server
        self._stopping = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="window-size", daemon=True)

    def start(self) -> "SizeWatch":
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._stopping:
            if self._stop.is_set():
                return
            self._stop.set()
            os.write(self._wake_write, b"x")
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=15)
        if not self._thread.is_alive():
            for fd in (self._wake_read, self._wake_write):
                os.close(fd)

    def _run(self) -> None:
        display = open_display(self._env)
        wait = getattr(display, "wait_for_window_change", None)  # X11: told by the server; else asked each second
        try:
            while not self._stop.is_set():
                try:
                    if wait is not None:
                        wait(self._window_id, self._recheck_s, self._wake_read)
                    elif self._stop.wait(self._recheck_s):
                        return
                    if self._stop.is_set():
                        return
                    region = display.window(self._window_id).region.clamped(*display.size()).rounded_even()
                except RecorderError:
                    return  # the window (or the display) is gone: the capture itself says so
                size = (region.width, region.height)
                if size != self.size and min(size) >= MIN_SIDE:
                    log.info("window %#x changed size: %dx%d -> %dx%d", self._window_id, *self.size, *size)
                    self.size = size
                    self._on_resize(*size)  # returns once the next part records
        finally:
            close = getattr(display, "close", None)
            if close is not None:
                close()
