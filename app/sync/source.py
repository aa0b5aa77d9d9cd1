"""A flash + beep test source: a plain X11 window that turns white and a tone that plays, together, about every second.

Run as its own process (`python -m app.sync.source`) so its timing never competes with the recorder's
threads for the GIL. It needs no toolkit: the window is drawn through libX11 and the sound goes through
libpulse-simple, both with ctypes. The sound is one playback stream kept full of silence (a steady stream
has a steady latency), and the source asks PulseAudio for that latency before every 5 ms it writes, so the
tone's first sample is placed where it *plays* at the flash's instant, not where it is written: the test
source itself adds no offset, and what sync-check measures is the recorder's. Events come 1 s plus a random
fraction of 50 ms apart, so they fall at every phase of a recorder's frame grid and averaging the flash
onsets over events is fair. It prints the window id once the window is mapped, then `event <wall-clock
time of the flash>` lines, and runs until stdin closes or it is killed.

`--shift-ms` makes the beep play that much after the flash: a deliberately out-of-sync source to
prove that `sync-check` sees what it should.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import random
import sys
import threading
import time

import numpy as np

RATE = 48000
CHUNK = RATE // 200  # 5 ms of mono samples per write
BEEP_S = 0.1
FLASH_S = 0.1
FREQUENCY = 1000.0
LEAD_S = 0.3  # a beep is planned this long before its flash: longer than any playback latency
TITLE = b"TDW Recorder sync check"
_PLAYBACK, _S16LE, _UNSET = 1, 3, 0xFFFFFFFF


def _tone() -> bytes:
    t = np.arange(int(RATE * BEEP_S)) / RATE
    wave = 0.5 * np.sin(2 * np.pi * FREQUENCY * t)
    ramp = RATE // 1000
    wave[:ramp] *= np.linspace(0, 1, ramp)
    wave[-ramp:] *= np.linspace(1, 0, ramp)
    return (wave * 32767).astype("<i2").tobytes()


class _SampleSpec(ctypes.Structure):
    _fields_ = [("format", ctypes.c_int), ("rate", ctypes.c_uint32), ("channels", ctypes.c_uint8)]


class _BufferAttr(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint32) for name in ("maxlength", "tlength", "prebuf", "minreq", "fragsize")]


class PulsePlayback:
    """One mono S16 playback stream through libpulse-simple: blocking writes and the stream's latency."""

    def __init__(self, target_ms: int = 20) -> None:
        name = ctypes.util.find_library("pulse-simple")
        if name is None:
            raise SystemExit("libpulse-simple is missing: install libpulse0.")
        lib = self._lib = ctypes.CDLL(name)
        lib.pa_simple_new.restype = ctypes.c_void_p
        lib.pa_simple_new.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                      ctypes.c_char_p, ctypes.POINTER(_SampleSpec), ctypes.c_void_p,
                                      ctypes.POINTER(_BufferAttr), ctypes.POINTER(ctypes.c_int)]
        lib.pa_simple_write.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_int)]
        lib.pa_simple_get_latency.restype = ctypes.c_uint64
        lib.pa_simple_get_latency.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
        spec = _SampleSpec(_S16LE, RATE, 1)
        attr = _BufferAttr(_UNSET, RATE * 2 * target_ms // 1000, _UNSET, _UNSET, _UNSET)
        error = ctypes.c_int(0)
        self._stream = lib.pa_simple_new(None, b"TDW Recorder sync check", _PLAYBACK, None, b"beep",
                                         ctypes.byref(spec), None, ctypes.byref(attr), ctypes.byref(error))
        if not self._stream:
            raise SystemExit("Cannot play sound: no PulseAudio server answered (start one, or use --headless).")

    def latency(self) -> float:
        """Seconds until a sample written now is played (buffered data plus the sink's own latency)."""
        error = ctypes.c_int(0)
        return self._lib.pa_simple_get_latency(self._stream, ctypes.byref(error)) / 1e6

    def write(self, data: bytes) -> bool:
        error = ctypes.c_int(0)
        return self._lib.pa_simple_write(self._stream, data, len(data), ctypes.byref(error)) == 0


class Beeper:
    """Keeps a playback stream fed; `beep_at(t)` makes the tone start *playing* at monotonic time t."""

    def __init__(self) -> None:
        self._tone, self._silence = _tone(), bytes(CHUNK * 2)
        self._at: float | None = None
        self._written: list[tuple[float, int]] = []
        self._playback = PulsePlayback()
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

    def _chunk(self, plays_at: float, pending: bytes) -> tuple[bytes, bytes]:
        """The next 5 ms to write, which plays from `plays_at`, and what is left of a tone already begun."""
        size = CHUNK * 2
        if not pending and self._at is not None and self._at < plays_at + CHUNK / RATE:
            lead = max(0, int(round((self._at - plays_at) * RATE))) * 2  # silence before the tone's first sample
            self._at, pending = None, bytes(lead) + self._tone
        if pending:
            return pending[:size].ljust(size, b"\0"), pending[size:]
        return self._silence, b""

    def _feed(self) -> None:
        pending, total = b"", 0
        while True:
            chunk, pending = self._chunk(time.monotonic() + self._playback.latency(), pending)
            if not self._playback.write(chunk):
                return
            total += len(chunk)
            self._written.append((time.monotonic(), total))
            del self._written[:-400]


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
    parser.add_argument("--shift-ms", type=float, default=0.0, help="play each beep this much after its flash")
    args = parser.parse_args(argv)
    x, y, size = args.geometry.split(",")
    width, height = (int(v) for v in size.split("x"))
    window, beeper = FlashWindow(int(x), int(y), width, height), Beeper()
    time.sleep(0.5)  # let a window manager place it
    print(hex(window.window.value), flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    next_event = time.monotonic() + 1.0
    while True:
        time.sleep(max(0.0, next_event - LEAD_S - time.monotonic()))
        planned = beeper.steady()
        if planned:
            beeper.beep_at(next_event + args.shift_ms / 1000.0)
        time.sleep(max(0.0, next_event - time.monotonic()))
        if planned:
            window.flash(True)
            print(f"event {time.time():.4f}", flush=True)
            time.sleep(FLASH_S)
            window.flash(False)
        next_event += 1.0 + random.uniform(0.0, 0.05)
        while next_event - LEAD_S <= time.monotonic():
            next_event += 1.0


if __name__ == "__main__":
    sys.exit(main())
