"""The live audio level for a meter, from the recording ffmpeg itself (no second capture of the device).

ffmpeg's astats + ametadata filters print the peak level of every audio block to a small file (unbuffered);
a reader thread keeps the newest value. The file lives in a private temporary folder, never beside recordings.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path

KEY = "lavfi.astats.Overall.Peak_level"
SILENCE_DB = -120.0


def meter_filters(stream, levels_path: str):
    """Add the level printers to an ffmpeg-python audio stream (peak over ~0.1 s blocks)."""
    return (stream.filter("astats", metadata=1, reset=5, measure_perchannel="none", measure_overall="Peak_level")
            .filter("ametadata", mode="print", key=KEY, file=levels_path, direct=1))


def parse_level(line: str) -> float | None:
    key, sep, value = line.strip().partition("=")
    if not sep or key != KEY:
        return None
    try:
        return max(float(value), SILENCE_DB)
    except ValueError:  # "-inf" for digital silence
        return SILENCE_DB


class LevelMeter:
    """Owns the levels file and follows it; `peak_db` is the latest peak (None before the first block)."""

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="tdwrec-levels-"))
        self.path = self._folder / "levels.txt"
        self.peak_db: float | None = None
        self.last_seen: float | None = None  # monotonic time of the newest level line (audio is flowing)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="audio-levels", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _follow(self) -> None:
        while not self.path.exists():
            if self._stop.wait(0.05):
                return
        with open(self.path, encoding="utf-8", errors="replace") as source:
            while not self._stop.is_set():
                line = source.readline()
                if not line:
                    time.sleep(0.05)
                    continue
                level = parse_level(line)
                if level is not None:
                    self.peak_db = level
                    self.last_seen = time.monotonic()

    def silent_for(self) -> float:
        """Seconds since audio last flowed through ffmpeg (0 before it ever flowed: still starting)."""
        return 0.0 if self.last_seen is None else time.monotonic() - self.last_seen

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        shutil.rmtree(self._folder, ignore_errors=True)
