"""Benchmark: the desktop window. Cold start, Record click to first frame, and the app's CPU while recording.

    /tmp/venv/bin/python benchmarks/gui.py --rounds 3 [--seconds 20]

Everything runs on a private Xvfb (+ openbox) and a private PulseAudio (tests/support/servers.py).

1. Cold start: `python main.py` (the real entry, no arguments) is spawned with that DISPLAY, that sound
   server and XDG_CONFIG_HOME in a fresh temp folder (so no saved settings or geometry); the time from
   spawn until `xdotool search --onlyvisible --name "TDW Recorder"` finds the window (polled every 10 ms)
   is the figure. The process is then stopped. Repeated --rounds times.
2. Record click -> first frame, and CPU: in this process, a QApplication on the private display and the
   real MainWindow (settings in a temp ini file, output in a temp folder), with the test pattern window
   (tests/support/anim_window.py, 640x360) picked as the region as a user would pick it from the list.
   `record_button.click()` is t0. Measured from t0:
     * ffmpeg spawned: the x11grab child first seen by psutil (a helper thread polls every 5 ms);
     * header written: the reserved (empty) `.recording.*` file first grows. ffmpeg writes the muxer
       header only once the encoder is initialised, which happens when the first grabbed frame reaches it,
       so this is the most direct "first frame captured" marker available without touching ffmpeg;
     * first status: the first RecordingStatus with frames >= 1 arriving through the window's bridge
       (`window.bridge.status`, in the GUI thread), i.e. what the user sees. ffmpeg reports -progress
       every 0.5 s (-stats_period 0.5), so this figure carries up to 0.5 s of reporting delay on top of
       the capture itself.
     * first cluster written: the live file grows past its header (Matroska clusters close every 0.5 s).
   The helper thread stops at the first cluster (at most 2 s after the first status). Then, for --seconds, the event loop just runs (the
   window visible, its status panel updating) and the CPU is measured: this process's own CPU
   (getrusage RUSAGE_SELF delta: GUI thread, worker thread, ffmpeg readers; children excluded) and
   the ffmpeg child's (psutil cpu_times delta), both as % of one core. Then Stop is clicked and the
   time until the file is finalised is noted. Rounds reuse the same window.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.processes import spawn, stop_tree  # noqa: E402
from tests.support.servers import PulseServer, XServer  # noqa: E402

ANIM_WINDOW = ROOT / "tests" / "support" / "anim_window.py"
TITLE = "GUI Bench Source"
WIDTH, HEIGHT = 640, 360
SCREEN = (1600, 900)
GOAL_FIRST_FRAME_MS = 300.0
GOAL_APP_CPU = 3.0  # % of one core, beyond the capture process


def cpu_self() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def med(values):
    return statistics.median(values) if values else float("nan")


def spread(values, fmt="{:.0f}"):
    if not values:
        return "n/a"
    return f"{fmt.format(med(values))} (min {fmt.format(min(values))}, max {fmt.format(max(values))})"


# -- 1. cold start ------------------------------------------------------------------------------------
def cold_start(env: dict[str, str], rounds: int) -> list[float]:
    times = []
    for n in range(rounds):
        config = tempfile.mkdtemp(prefix="tdwrec-gui-config-")
        run_env = dict(env, XDG_CONFIG_HOME=config, QT_QPA_PLATFORM="xcb")
        t0 = time.perf_counter()
        proc = spawn([sys.executable, str(ROOT / "main.py")], cwd=str(ROOT), env=run_env,
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        shown = None
        try:
            deadline = t0 + 60
            while time.perf_counter() < deadline and proc.poll() is None:
                found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "TDW Recorder"],
                                       env=env, capture_output=True, text=True).stdout.split()
                if found:
                    shown = time.perf_counter() - t0
                    break
                time.sleep(0.01)
        finally:
            stop_tree(proc.pid, timeout=10)
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            shutil.rmtree(config, ignore_errors=True)
        if shown is None:
            raise RuntimeError(f"cold start round {n + 1}: no window (exit {proc.returncode}): {err[-2000:]}")
        times.append(shown * 1000)
        print(f"  cold start round {n + 1}: {shown * 1000:.0f} ms", flush=True)
        time.sleep(0.5)
    return times


# -- 2. record click -> first frame, CPU ------------------------------------------------------------------
@dataclass
class RecordRound:
    spawned_ms: float | None
    header_ms: float | None
    first_growth_ms: float | None
    status_ms: float
    first_frames: int
    seconds: float
    app_cpu_pct: float
    ffmpeg_cpu_pct: float
    frames: int
    stop_s: float


class Watcher(threading.Thread):
    """Polls, every 5 ms, for the x11grab child and for the growth of the live file, until told to stop."""

    def __init__(self, t0: float, folder: Path) -> None:
        super().__init__(daemon=True)
        self.t0, self.folder = t0, folder
        self.done = threading.Event()
        self.spawned = self.header = self.growth = None
        self.ffmpeg: psutil.Process | None = None

    def run(self) -> None:
        me = psutil.Process()
        header_size = None
        while not self.done.is_set():
            now = time.perf_counter() - self.t0
            if self.ffmpeg is None:
                for child in me.children(recursive=True):
                    try:
                        if child.name() == "ffmpeg" and "x11grab" in child.cmdline():
                            self.ffmpeg, self.spawned = child, now
                    except psutil.Error:
                        pass
            live = [p for p in self.folder.glob("*.recording.*")]
            if live:
                try:
                    size = live[0].stat().st_size
                except OSError:
                    size = 0
                if size > 0 and header_size is None:
                    header_size, self.header = size, now
                elif header_size is not None and size > header_size and self.growth is None:
                    self.growth = now
            time.sleep(0.005)


def record_rounds(env: dict[str, str], rounds: int, seconds: float) -> list[RecordRound]:
    os.environ.update(DISPLAY=env["DISPLAY"], QT_QPA_PLATFORM="xcb", PULSE_SERVER=env["PULSE_SERVER"],
                      XDG_RUNTIME_DIR=env["XDG_RUNTIME_DIR"])
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from app.machine import Machine
    from app.ui.main_window import MainWindow
    from app.ui.settings_store import SettingsStore
    from app.ui.style import STYLE

    app = QApplication.instance() or QApplication(["tdw-recorder-bench"])
    app.setStyle("Fusion")
    app.setStyleSheet(STYLE)
    work = Path(tempfile.mkdtemp(prefix="tdwrec-gui-bench-"))
    out = work / "recordings"
    out.mkdir()
    anim = spawn([sys.executable, str(ANIM_WINDOW), TITLE, str(WIDTH), str(HEIGHT), "700", "400"], env=env,
                 stdout=subprocess.PIPE, text=True)
    anim.stdout.readline()
    time.sleep(0.5)

    def wait_until(predicate, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            app.processEvents(QEventLoop.AllEvents, 20)
            if predicate():
                return
            time.sleep(0.01)
        raise RuntimeError(f"{what}: not within {timeout} s")

    def run_loop(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    store = SettingsStore(QSettings(str(work / "settings.ini"), QSettings.IniFormat))
    settings = store.load()
    settings.output_dir, settings.min_free_mb = str(out), 10
    store.save(settings)
    window = MainWindow(machine=Machine(env=env, platform="linux"), store=store, open_url=lambda url: True)
    results: list[RecordRound] = []
    try:
        window.show()
        wait_until(lambda: window.isVisible() and window.live.problems is not None, 20, "window ready")
        panel = window.form.region
        panel.refresh()
        wait_until(lambda: panel.select_window(TITLE), 15, "pattern window listed")
        wait_until(lambda: window.record_button.isEnabled() and window.live.problems == [], 15,
                   f"ready to record ({window.readiness.text()})")
        for n in range(rounds):
            run_loop(1000)  # settle: let background checks finish
            wait_until(lambda: window.record_button.isEnabled(), 30, "record enabled")
            first: dict[str, float] = {}

            def on_status(status, first=first) -> None:
                if "t" not in first and status.frames >= 1:
                    first["t"] = time.perf_counter()
                    first["frames"] = status.frames

            window.bridge.status.connect(on_status)
            t0 = time.perf_counter()
            watcher = Watcher(t0, out)
            watcher.start()
            window.record_button.click()
            wait_until(lambda: "t" in first, 20, "first status with frames")
            try:  # the first cluster (<= 0.5 s, cluster_time_limit) lands a little later
                wait_until(lambda: watcher.growth is not None, 2, "first cluster")
            except RuntimeError:
                pass
            watcher.done.set()
            watcher.join()
            ff = watcher.ffmpeg
            # CPU window: the event loop runs undisturbed, as with a user watching the window
            c0, w0 = cpu_self(), time.perf_counter()
            f0 = sum(ff.cpu_times()[:2])
            run_loop(int(seconds * 1000))
            c1, w1 = cpu_self(), time.perf_counter()
            f1 = sum(ff.cpu_times()[:2])
            frames = int(window.status_panel.figures["frames"].text() or 0)
            ts = time.perf_counter()
            window.stop_button.click()
            wait_until(lambda: not window.worker.busy and window.message.isVisible(), 60, "finalised")
            stop_s = time.perf_counter() - ts
            window.bridge.status.disconnect(on_status)
            kind = window.message.property("kind")
            if kind != "success":
                raise RuntimeError(f"round {n + 1}: {window.message.label.text()}")
            ms = lambda t: None if t is None else t * 1000  # noqa: E731
            r = RecordRound(ms(watcher.spawned), ms(watcher.header), ms(watcher.growth), (first["t"] - t0) * 1000,
                            first["frames"], w1 - w0, 100 * (c1 - c0) / (w1 - w0), 100 * (f1 - f0) / (w1 - w0),
                            frames, stop_s)
            results.append(r)
            print(f"  record round {n + 1}: ffmpeg spawned {r.spawned_ms or float('nan'):.0f} ms, header "
                  f"{r.header_ms or float('nan'):.0f} ms, first growth {r.first_growth_ms or float('nan'):.0f} ms, "
                  f"first status {r.status_ms:.0f} ms ({r.first_frames} frames); app CPU {r.app_cpu_pct:.2f} %, "
                  f"ffmpeg CPU {r.ffmpeg_cpu_pct:.1f} % over {r.seconds:.1f} s, {frames} frames; stop {stop_s:.2f} s",
                  flush=True)
    finally:
        if window.worker.busy:
            window.worker.stop()
            window.worker.wait_idle(60)
        window.close()
        window.shutdown()
        app.processEvents()
        stop_tree(anim.pid, timeout=3)
        shutil.rmtree(work, ignore_errors=True)
    return results


def busy_fraction(before, after) -> float:
    idle = (after.idle + after.iowait) - (before.idle + before.iowait)
    total = sum(after) - sum(before)
    return 100 * (1 - idle / total) if total else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    stat0 = psutil.cpu_times()
    x = XServer(*SCREEN).start()
    pulse = PulseServer().start()
    try:
        env = pulse.env(x.env())
        print("cold start (spawn of `python main.py` to window mapped):", flush=True)
        cold = cold_start(env, args.rounds)
        print(f"record click -> first frame, CPU over {args.seconds:g} s recording (640x360 window, 30 fps):",
              flush=True)
        recs = record_rounds(env, args.rounds, args.seconds)
    finally:
        pulse.stop()
        x.stop()
    stat1 = psutil.cpu_times()
    first = [r.status_ms for r in recs]
    header = [r.header_ms for r in recs if r.header_ms is not None]
    app_cpu = [r.app_cpu_pct for r in recs]
    met = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    print()
    print(f"{args.rounds} round(s); {os.cpu_count()} cores, Python {platform.python_version()}, load average before "
          f"{load_before:.2f}, after {os.getloadavg()[0]:.2f}, machine busy {busy_fraction(stat0, stat1):.0f} % "
          "over the run")
    print("| measure                                         | median (min, max)          | goal     |         |")
    print("|-------------------------------------------------|----------------------------|----------|---------|")
    rows = [
        ("cold start to window shown (ms)", spread(cold), "", ""),
        ("click -> ffmpeg spawned (ms)", spread([r.spawned_ms for r in recs if r.spawned_ms is not None]), "", ""),
        ("click -> live file header = first frame (ms)", spread(header), "<= 300",
         met(bool(header) and med(header) <= GOAL_FIRST_FRAME_MS)),
        ("click -> first cluster written (ms)", spread([r.first_growth_ms for r in recs if r.first_growth_ms]), "", ""),
        ("click -> first status frames>=1 (ms)", spread(first), "<= 300", met(med(first) <= GOAL_FIRST_FRAME_MS)),
        ("app CPU while recording (% of a core)", spread(app_cpu, "{:.2f}"), "<= 3", met(med(app_cpu) <= GOAL_APP_CPU)),
        ("ffmpeg CPU while recording (% of a core)", spread([r.ffmpeg_cpu_pct for r in recs], "{:.1f}"), "", ""),
        ("frames in the status after the window", spread([r.frames for r in recs]), "", ""),
        ("stop click -> finalised (s)", spread([r.stop_s for r in recs], "{:.2f}"), "", ""),
    ]
    for name, value, goal, verdict in rows:
        print(f"| {name:<47} | {value:<26} | {goal:<8} | {verdict:<7} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
