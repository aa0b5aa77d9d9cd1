"""Beeps through PulseAudio at the instant the window flashes, so A/V sync can be measured.

One `pacat` stream stays open and a thread keeps it fed with silence; a beep replaces the
next 10 ms chunks with an 800 Hz tone. Keeping the stream (and a shrunken pipe) always full
makes the delay from `beep()` to the speaker constant, which is what a sync test needs.
The child gets PR_SET_PDEATHSIG so it dies with the build, even on a crash.
"""
from __future__ import annotations

import ctypes
import fcntl
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from typing import Callable, Deque, Optional, Tuple

import numpy as np

RATE = 48000
CHUNK = RATE // 100  # 10 ms of mono samples
FREQUENCY = 800.0
DURATION = 0.1
F_SETPIPE_SZ = 1031
STALE_SECONDS = 0.05  # a beep that cannot start within this is dropped, not played late


def _die_with_parent() -> None:
    """Runs in the child between fork and exec: SIGKILL it when the build goes away."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def tone_samples() -> bytes:
    """100 ms of 800 Hz sine (s16le mono) with 1 ms ramps against clicks."""
    t = np.arange(int(RATE * DURATION)) / RATE
    wave = 0.5 * np.sin(2 * np.pi * FREQUENCY * t)
    ramp = int(RATE * 0.001)
    envelope = np.ones_like(wave)
    envelope[:ramp] = np.linspace(0, 1, ramp)
    envelope[-ramp:] = np.linspace(1, 0, ramp)
    return (wave * envelope * 32767).astype("<i2").tobytes()


class TonePlayer:
    """A continuous PulseAudio stream that beeps on demand."""

    def __init__(self, log: Callable[[str], None]) -> None:
        self._log = log
        self._tone = tone_samples()
        self._silence = bytes(CHUNK * 2)
        self._position: Optional[int] = None  # byte offset into the tone while beeping
        self._requested = 0.0  # when beep() was last called (monotonic)
        self._stop = threading.Event()
        self._history: Deque[Tuple[float, int]] = deque(maxlen=100)  # (time, bytes written so far)
        self._process = subprocess.Popen(
            ["pacat", "--playback", "--raw", "--format=s16le", f"--rate={RATE}", "--channels=1",
             "--latency-msec=30", "--client-name=TDW", "--stream-name=TDW build tone"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent)
        try:
            fcntl.fcntl(self._process.stdin.fileno(), F_SETPIPE_SZ, 4096)
        except OSError:
            pass
        self._thread = threading.Thread(target=self._feed, name="tone", daemon=True)
        self._thread.start()
        log(f"Tone: pacat pid {self._process.pid}, {FREQUENCY:.0f} Hz beeps of {DURATION * 1000:.0f} ms")

    def beep(self) -> None:
        """Start a beep with the next chunk written."""
        self._requested = time.monotonic()
        self._position = 0

    @property
    def ready(self) -> bool:
        """True once PulseAudio takes samples at the real-time rate. A fresh stream (on a null
        sink: its first ~2 s) stalls or takes bursts, and a beep then would not be on time."""
        history, now = list(self._history), time.monotonic()
        recent = [(t, n) for t, n in history if now - t <= 0.5]
        if len(recent) < 2 or now - recent[-1][0] > 0.05 or recent[-1][0] - recent[0][0] < 0.4:
            return False
        rate = (recent[-1][1] - recent[0][1]) / (recent[-1][0] - recent[0][0]) / (RATE * 2)
        return 0.8 < rate < 1.25

    def _feed(self) -> None:
        size, written = CHUNK * 2, 0
        try:
            while not self._stop.is_set():
                position = self._position
                if position == 0 and time.monotonic() - self._requested > STALE_SECONDS:
                    # PulseAudio was not taking samples (stream still starting): a late beep
                    # would fake an A/V offset, so drop it.
                    self._position = position = None
                    self._log("Tone: beep dropped, the audio stream was not ready")
                if position is None:
                    chunk = self._silence
                else:
                    chunk = self._tone[position:position + size].ljust(size, b"\x00")
                    self._position = position + size if position + size < len(self._tone) else None
                self._process.stdin.write(chunk)
                self._process.stdin.flush()
                written += size
                self._history.append((time.monotonic(), written))
        except (BrokenPipeError, ValueError, OSError):
            if not self._stop.is_set():
                self._log(f"Tone: pacat stopped (exit code {self._process.poll()})")

    def close(self) -> None:
        self._stop.set()
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._thread.join(timeout=1)


def start_tone(log: Callable[[str], None]) -> Optional[TonePlayer]:
    """A tone player, or None when pacat is missing."""
    if shutil.which("pacat") is None:
        log("Tone: pacat not found, no sound")
        return None
    try:
        return TonePlayer(log)
    except OSError as error:
        log(f"Tone: could not start pacat ({error})")
        return None
