"""Following a window that changes size while it is recorded.

x11grab grabs a window by id at the size it had when ffmpeg opened it: a window that grows is recorded
cropped, one that shrinks ends ffmpeg ("Permission denied"). Scripts size their own windows (TDW's
`set_screen_size`, usually in their first `communicate`, and sometimes halfway), so the recorder watches the
window and, when its size changes, ends the current part and starts the next one at the new size, scaled into
the size the recording started with (aspect kept, black borders). Every part then has the same size and
codec settings, so `join_parts` joins them without re-encoding what was written: one file, one size.
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Callable, Mapping

from app.errors import RecorderError
from app.ffmpeg.inspect import media_info
from app.screen.display import open_display

log = logging.getLogger(__name__)

POLL_S = 0.05  # how often the window's size is asked (one X round trip on a kept connection)
MIN_SIDE = 16  # smaller: the window is being closed or minimised, not resized


class SizeWatch:
    """Asks a window's size on a thread of its own and calls `on_resize(width, height)` (even sides) when it
    changes. Stops by itself when the window goes away (the recording's own end reports that)."""

    def __init__(self, env: Mapping[str, str] | None, window_id: int, size: tuple[int, int],
                 on_resize: Callable[[int, int], None], poll_s: float = POLL_S) -> None:
        self._env = env
        self._window_id = window_id
        self.size = size
        self._on_resize = on_resize
        self._poll_s = poll_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="window-size", daemon=True)

    def start(self) -> "SizeWatch":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=15)

    def _run(self) -> None:
        display = open_display(self._env)
        try:
            while not self._stop.wait(self._poll_s):
                try:
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


def join_parts(binary: str, parts: list[Path], target: Path, env: Mapping[str, str] | None = None,
               timeout: float = 300.0) -> str | None:
    """Join same-size parts into `target` without re-encoding (ffmpeg's concat demuxer, stream copy).
    Replaces `target` (the first part) only once the joined file is complete; None, or why it failed."""
    work = parts[1].parent
    empty = [p for p in parts[1:] if not p.exists() or not media_info(binary, str(p)).streams]
    for part in empty:  # a part whose grab failed at once (the window went away again) holds no frame
        part.unlink(missing_ok=True)
    parts = [p for p in parts if p not in empty]
    if len(parts) == 1:
        _remove(work)
        return None
    listing = work / "parts.txt"
    listing.write_text("".join("file '" + str(p).replace("'", "'\\''") + "'\n" for p in parts), encoding="utf-8")
    joined = work / f"joined{target.suffix}"
    command = [binary, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "concat", "-safe", "0",
               "-i", str(listing), "-map", "0", "-c", "copy", str(joined)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=dict(env) if env else None)
    except subprocess.TimeoutExpired:
        return f"joining the parts took over {timeout:.0f} s"
    if done.returncode != 0 or not joined.exists():
        return (done.stderr.strip().splitlines() or ["ffmpeg failed"])[-1]
    os.replace(joined, target)
    for part in parts[1:]:
        part.unlink(missing_ok=True)
    listing.unlink(missing_ok=True)
    _remove(work)
    return None


def _remove(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def parts_folder(output: Path) -> Path:
    """A private, hidden folder beside the recording for its later parts (same disk: the join is a rename)."""
    return Path(tempfile.mkdtemp(prefix=f".{output.name}.parts-", dir=output.parent))
