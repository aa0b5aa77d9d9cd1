"""Benchmark: the encoder probe (cold and cached) and a global shortcut press -> recording state change.

    .venv/bin/python benchmarks/encoders.py --rounds 5

1. Encoder probe, with ffmpeg on PATH, the cache in a fresh temp folder (XDG_CACHE_HOME):
   * cold: `choose(auto)` with an empty cache: the one-frame test encodes of this platform's H.264 hardware
     encoders that ffmpeg lists, run side by side (on a machine without the hardware each fails fast);
   * cold, every encoder: what `doctor` tests (every hardware encoder of the table that ffmpeg lists);
   * cached: `choose(auto)` again, read from the cache file (what every recording with --encoder auto pays).
   Goal (issue 18): < 0.5 s.
2. Shortcut -> state change, on a private Xvfb (+ openbox) and PulseAudio: the real MainWindow recording a
   320x240 rectangle; another window (the test pattern) has the focus. t0 is just before `xdotool key
   ctrl+alt+r` is spawned; the figure is until the window's recorder is busy (the Record click's own effect,
   on the GUI thread) and until the first RecordingStatus "recording" arrives. Side by side in the same run:
   `record_button.click()` (no xdotool process, no X round trip) to the same two points. Then the shortcut
   again stops it. Goal: < 300 ms, as the Record click.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def probe_times(rounds: int) -> dict[str, list[float]]:
    from app.ffmpeg import encoders
    from app.ffmpeg.capabilities import probe
    from app.model.encoding import Encoding

    binary = shutil.which("ffmpeg") or "ffmpeg"
    listed = probe(binary).encoders
    times: dict[str, list[float]] = {"cold (auto)": [], "cold (doctor: every encoder)": [], "cached (auto)": []}
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="enc-bench-") as cache:
            os.environ["XDG_CACHE_HOME"] = cache
            start = time.perf_counter()
            chosen = encoders.choose(binary, listed, Encoding(video_codec="auto"))
            times["cold (auto)"].append(time.perf_counter() - start)
            start = time.perf_counter()
            encoders.choose(binary, listed, Encoding(video_codec="auto"))
            times["cached (auto)"].append(time.perf_counter() - start)
            start = time.perf_counter()
            encoders.probe(binary, encoders.candidates(listed, sys.platform, every=True), fresh=True)
            times["cold (doctor: every encoder)"].append(time.perf_counter() - start)
    print(f"auto chose: {chosen.note}")
    return times


def shortcut_times(rounds: int) -> dict[str, list[float]]:
    from tests.support.servers import PulseServer, XServer

    xserver, pulse = XServer().start(), PulseServer().start()
    work = Path(tempfile.mkdtemp(prefix="keys-bench-"))
    pattern = None
    try:
        env = pulse.env(xserver.env())
        os.environ.update(DISPLAY=xserver.display, QT_QPA_PLATFORM="xcb", XDG_CACHE_HOME=str(work / "cache"))
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication

        from app.machine import Machine
        from app.ui.main_window import MainWindow
        from app.ui.settings_store import SettingsStore

        app = QApplication.instance() or QApplication(["keys-bench"])
        store = SettingsStore(QSettings(str(work / "settings.ini"), QSettings.IniFormat))
        settings = store.load()
        settings.output_dir, settings.region, settings.min_free_mb = str(work / "out"), "0,0,320x240", 10
        store.save(settings)
        window = MainWindow(machine=Machine(env=env, platform="linux"), store=store)
        window.show()
        pattern = subprocess.Popen([sys.executable, str(ROOT / "tests/support/anim_window.py"), "Focus", "320", "240",
                                    "400", "300"], env=env, stdout=subprocess.PIPE, text=True)
        pattern.stdout.readline() if pattern.stdout else None  # mapped
        wid = subprocess.run(["xdotool", "search", "--sync", "--name", "^Focus$"], env=env, capture_output=True, text=True,
                             check=True).stdout.split()[0]

        def until(condition, timeout: float = 20.0) -> float:
            deadline = time.perf_counter() + timeout
            while not condition():
                app.processEvents()
                if time.perf_counter() > deadline:
                    raise TimeoutError("the window never got there")
            return time.perf_counter()

        until(lambda: window.live.problems == [] and window.record_button.isEnabled())
        states: list[tuple[float, str]] = []
        window.bridge.status.connect(lambda s: states.append((time.perf_counter(), s.state)))
        times: dict[str, list[float]] = {"shortcut -> busy": [], "shortcut -> 'recording'": [],
                                         "click -> busy": [], "click -> 'recording'": []}
        for n in range(2 * rounds):
            by_key = n % 2 == 0
            subprocess.run(["xdotool", "windowactivate", "--sync", str(wid)], env=env, check=True)
            until(lambda: window.live.problems == [] and window.record_button.isEnabled())
            states.clear()
            t0 = time.perf_counter()
            if by_key:
                subprocess.Popen(["xdotool", "key", "ctrl+alt+r"], env=env)
            else:
                window.record_button.click()
            busy = until(lambda: window.worker.busy)
            until(lambda: any(state == "recording" for _, state in states))
            recording = min(t for t, state in states if state == "recording")
            name = "shortcut" if by_key else "click"
            times[f"{name} -> busy"].append(busy - t0)
            times[f"{name} -> 'recording'"].append(recording - t0)
            time.sleep(0.5)
            subprocess.run(["xdotool", "key", "ctrl+alt+r"], env=env, check=True)  # the shortcut stops it too
            until(lambda: not window.worker.busy, 30)
        window.shutdown()
        window.close()
        return times
    finally:
        if pattern is not None:
            pattern.terminate()
            pattern.wait(5)
        pulse.stop()
        xserver.stop()
        shutil.rmtree(work, ignore_errors=True)


def report(title: str, times: dict[str, list[float]], goal_s: float) -> bool:
    print(f"\n{title}")
    ok = True
    for name, values in times.items():
        median = statistics.median(values)
        ok = ok and median < goal_s
        print(f"  {name:32} median {median * 1000:7.1f} ms  (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f}, "
              f"n={len(values)})")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    good = report("Encoder probe (goal < 500 ms)", probe_times(args.rounds), 0.5)
    good = report("Global shortcut vs Record click (goal < 300 ms)", shortcut_times(args.rounds), 0.3) and good
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
