"""A flash + beep test source: a plain X11 window that turns white and a tone that starts, together, every second.

Run as its own process (`python -m app.sync.source`) so its timing never competes with the recorder's
threads for the GIL. It needs no toolkit: the window is drawn through libX11 with ctypes, the sound is
one `pacat` stream kept full of silence (a steady stream has a steady latency; a stream opened per
beep would start late by a random amount). It prints the window id once the window is mapped, then
`event <wall-clock time>` lines, and runs until stdin closes or it is killed.

`--shift-ms` makes the beep start that much after the flash: a deliberately out-of-sync source to
prove that `sync-check` sees what it should.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import fcntl
import os
import subprocess
import sys
import threading
import time

import numpy as np

from app.processes import spawn

RATE = 48000
CHUNK = RATE // 200  # 5 ms of mono samples per write: beeps start within 5 ms of their time
BEEP_S = 0.1
FLASH_S = 0.1
FREQUENCY = 1000.0
TITLE = b"TDW Recorder sync check"
_F_SETPIPE_SZ = 1031


def _tone() -> bytes:
    t = np.arange(int(RATE * BEEP_S)) / RATE
    wave = 0.5 * np.sin(2 * np.pi * FREQUENCY * t)
    ramp = RATE // 1000
    wave[:ramp] *= np.linspace(0, 1, ramp)
    wave[-ramp:] *= np.linspace(1, 0, ramp)
    return (wave * 32767).astype("<i2").tobytes()


class Beeper:
    """Keeps a pacat stream fed; `beep_at(t)` starts the tone at the first write at or after monotonic time t."""

    def __init__(self) -> None:
        self._tone, self._silence = _tone(), bytes(CHUNK * 2)
        self._at: float | None = None
        self._written: list[tuple[float, int]] = []
        self._proc = spawn(  # dies with this process, even on SIGKILL
            ["pacat", "--playback", "--raw", "--format=s16le", f"--rate={RATE}", "--channels=1", "--latency-msec=20",
             "--client-name=TDW Recorder sync check", "--stream-name=beep"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert self._proc.stdin is not None
        try:
            fcntl.fcntl(self._proc.stdin.fileno(), _F_SETPIPE_SZ, 4096)  # a short queue before PulseAudio
        except OSError:
            pass
        threading.Thread(target=self._feed, daemon=True).start()

    def beep_at(self, when: float) -> None:
        self._at = when

    def steady(self) -> bool:
        """True once PulseAudio takes samples at real-time rate (a fresh null-sink stream stalls ~2 s)."""
        now = time.monotonic()
        recent = [(t, n) for t, n in self._written[-200:] if now - t <= 0.5]
        if len(recent) < 2 or now - recent[-1][0] > 0.05 or recent[-1][0] - recent[0][0] < 0.4:
            return False
        rate = (recent[-1][1] - recent[0][1]) / (recent[-1][0] - recent[0][0]) / (RATE * 2)
        return 0.85 < rate < 1.15

    def _feed(self) -> None:
        size, position, total = CHUNK * 2, None, 0
        stdin = self._proc.stdin
        assert stdin is not None
        try:
            while True:
                if position is None and self._at is not None and time.monotonic() >= self._at:
                    self._at, position = None, 0
                if position is None:
                    chunk = self._silence
                else:
                    chunk = self._tone[position:position + size].ljust(size, b"\0")
                    position = position + size if position + size < len(self._tone) else None
                stdin.write(chunk)
                stdin.flush()
                total += size
                self._written.append((time.monotonic(), total))
                del self._written[:-400]
        except (BrokenPipeError, ValueError, OSError):
            return

    def close(self) -> None:
        self._proc.kill()
        self._proc.wait()


class FlashWindow:
    """A black X11 window that `flash(True)` turns white."""

    def __init__(self, x: int, y: int, width: int, height: int) -> None:
        name = ctypes.util.find_library("X11")
        if name is None:
            raise SystemExit("libX11 is missing: install libx11-6.")
        xl = self._x = ctypes.CDLL(name)
        xl.XOpenDisplay.restype = ctypes.c_void_p
        xl.XOpenDisplay.argtypes = [ctypes.c_char_p]
        for fn in ("XDefaultScreen", "XSync", "XFlush", "XMapWindow", "XClearWindow", "XStoreName",
                   "XSetWindowBackground", "XRootWindow", "XBlackPixel", "XWhitePixel", "XCreateSimpleWindow"):
            getattr(xl, fn).argtypes = None
        xl.XRootWindow.restype = xl.XBlackPixel.restype = xl.XWhitePixel.restype = ctypes.c_ulong
        xl.XCreateSimpleWindow.restype = ctypes.c_ulong
        self._d = ctypes.c_void_p(xl.XOpenDisplay(None))
        if not self._d.value:
            raise SystemExit("Cannot open the X display: set DISPLAY (or use --headless).")
        screen = xl.XDefaultScreen(self._d)
        root = ctypes.c_ulong(xl.XRootWindow(self._d, screen))
        self._black = ctypes.c_ulong(xl.XBlackPixel(self._d, screen))
        self._white = ctypes.c_ulong(xl.XWhitePixel(self._d, screen))
        self.window = ctypes.c_ulong(xl.XCreateSimpleWindow(self._d, root, x, y, width, height, 0,
                                                            self._black, self._black))
        xl.XStoreName(self._d, self.window, ctypes.c_char_p(TITLE))
        xl.XMapWindow(self._d, self.window)
        xl.XSync(self._d, 0)

    def flash(self, on: bool) -> None:
        self._x.XSetWindowBackground(self._d, self.window, self._white if on else self._black)
        self._x.XClearWindow(self._d, self.window)
        self._x.XSync(self._d, 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.sync.source")
    parser.add_argument("--geometry", default="64,64,320x240", help="X,Y,WxH")
    parser.add_argument("--shift-ms", type=float, default=0.0, help="start each beep this much after its flash")
    args = parser.parse_args(argv)
    x, y, size = args.geometry.split(",")
    width, height = (int(v) for v in size.split("x"))
    window, beeper = FlashWindow(int(x), int(y), width, height), Beeper()
    time.sleep(0.5)  # let a window manager place it
    print(hex(window.window.value), flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), beeper.close(), os._exit(0)), daemon=True).start()
    next_event = time.monotonic() + 1.0
    while True:
        time.sleep(max(0.0, next_event - time.monotonic()))
        now = time.monotonic()
        if beeper.steady():
            beeper.beep_at(now + args.shift_ms / 1000.0)
            window.flash(True)
            print(f"event {time.time():.3f}", flush=True)
            time.sleep(FLASH_S)
            window.flash(False)
        next_event += 1.0
        while next_event <= time.monotonic():
            next_event += 1.0


if __name__ == "__main__":
    sys.exit(main())
