"""Benchmark: the desktop window. Cold start, Record click to first frame, and the app's CPU while recording.

    /tmp/venv/bin/python benchmarks/gui.py --rounds 3 [--seconds 20] [--compare] [--ffmpeg PATH]

Everything runs on a private Xvfb (+ openbox) and a private PulseAudio (tests/support/servers.py).

1. Cold start: `python main.py` (the real entry, no arguments) is spawned with that DISPLAY, that sound
   server and XDG_CONFIG_HOME in a fresh temp folder (so no saved settings or geometry); the time from
   spawn until `xdotool search --onlyvisible --name "TDW Recorder"` finds the window (polled every 10 ms)
   is the figure. The process is then stopped. Repeated --rounds (or --cold-rounds) times.
2. Record click -> first frame, and CPU: in this process, a QApplication on the private display and the
   real MainWindow (settings in a temp ini file, output in a temp folder), with the test pattern window
   (tests/support/anim_window.py, 640x360) picked as the region as a user would pick it from the list.
   `record_button.click()` is t0 (time.perf_counter() and time.time() read together). Measured from t0:
     * ffmpeg launched: the engine's "starting: ..." log record for the x11grab ffmpeg (app.ffmpeg.process
       logs it just before the fork/exec, which takes another 5-12 ms here). Nothing polls while the click
       is handled: the previous version of this script polled psutil's child list every 5 ms, which slowed
       the very path it timed (--psutil-watch adds that poll back and reports what it saw, for comparison);
     * first frame grabbed: x11grab stamps each frame with the wall clock just before grabbing it, and the
       input's start time is its first frame's stamp. ffmpeg prints it in its input banner (`Input #0, x11grab
       ... start: <epoch s>`), which FFREPORT (set in the recording's environment for this one click) writes
       to a file whatever -loglevel says. Minus time.time() at t0: the click -> first captured frame figure;
     * header written: the reserved (empty) `.recording.*` file first grows. ffmpeg writes the muxer header
       once the encoder is initialised, when the first grabbed frame reaches it: first frame *encoded*;
     * first status: the first RecordingStatus with frames >= 1 arriving through the window's bridge
       (`window.bridge.status`, in the GUI thread), i.e. what the user sees;
     * first cluster written: the live file grows past its header (Matroska clusters close every 0.5 s,
       after x264's lookahead has released the first frames).
   A helper thread polls the live file's size every 5 ms (one glob + stat) until the first cluster (at most
   2 s after the first status). Then, for --seconds, the event loop just runs (the window visible, its status
   panel updating) and the CPU is measured: this process's own CPU (getrusage RUSAGE_SELF delta: GUI thread,
   worker thread, ffmpeg readers; children excluded) and the ffmpeg child's (psutil cpu_times delta), both as
   % of one core. Then Stop is clicked and the time until the file is finalised is noted. Rounds reuse the
   same window.
   --compare: every round records twice, "before" (x11grab with ffmpeg's default probing, i.e.
   app.ffmpeg.commands.LIVE_GRAB_PROBE emptied) and "after" (as shipped), in alternating order (AB, BA, ...),
   so both see the same machine; the table gives both and the after/before ratio.
   --ffmpeg PATH: record with that ffmpeg (the window's ffmpeg setting), e.g. the embedded static one.
   --warm-up: one uncounted 1 s recording first, so neither variant pays for the process's first click.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import re
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

from app.ffmpeg import commands  # noqa: E402
from app.processes import spawn, stop_tree  # noqa: E402
from tests.support.servers import PulseServer, XServer  # noqa: E402

ANIM_WINDOW = ROOT / "tests" / "support" / "anim_window.py"
TITLE = "GUI Bench Source"
WIDTH, HEIGHT = 640, 360
SCREEN = (1600, 900)
GOAL_FIRST_FRAME_MS = 300.0
GOAL_APP_CPU = 1.0  # % of one core, preview off (issue 18; issue 4 asked <= 3)
PREVIEW = [False]  # the live preview while recording (--preview)
SHIPPED_PROBE = dict(commands.LIVE_GRAB_PROBE)
VARIANTS = {"before": {}, "after": SHIPPED_PROBE}  # x11grab input options per variant (see --compare)


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
    variant: str
    spawned_ms: float | None
    psutil_ms: float | None  # the launch as seen by polling psutil (--psutil-watch only)
    grab_ms: float | None
    header_ms: float | None
    first_growth_ms: float | None
    status_ms: float
    first_frames: int
    seconds: float
    app_cpu_pct: float
    ffmpeg_cpu_pct: float
    frames: int
    stop_s: float


class LaunchMark(logging.Handler):
    """Notes when the engine logs the start of the x11grab ffmpeg (just before it forks): no polling needed."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.at: float | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.at is None and "x11grab" in record.getMessage() and record.getMessage().startswith("starting:"):
            self.at = time.perf_counter()


class Watcher(threading.Thread):
    """Polls, every 5 ms, the growth of the live file (and, with psutil_watch, the child list) until told to stop."""

    def __init__(self, t0: float, folder: Path, psutil_watch: bool = False) -> None:
        super().__init__(daemon=True)
        self.t0, self.folder, self.psutil_watch = t0, folder, psutil_watch
        self.done = threading.Event()
        self.spawned = self.header = self.growth = None

    def run(self) -> None:
        me = psutil.Process()
        header_size = None
        while not self.done.is_set():
            now = time.perf_counter() - self.t0
            if self.psutil_watch and self.spawned is None:  # the previous method: costs the click path CPU
                if any(is_recording_ffmpeg(child) for child in me.children(recursive=True)):
                    self.spawned = now
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


def first_grab_stamp(report: Path) -> float | None:
    """The wall-clock stamp (epoch s) of x11grab's first frame, from ffmpeg's input banner in its report."""
    try:
        text = report.read_text(errors="replace")
    except OSError:
        return None
    match = re.search(r"Input #0, x11grab.*\n\s*Duration: N/A, start: (\d+\.\d+)", text)
    return float(match.group(1)) if match else None


def is_recording_ffmpeg(proc: psutil.Process) -> bool:
    """The x11grab ffmpeg itself (any binary named ffmpeg*), not the shell that guards it."""
    try:
        cmd = proc.cmdline()
    except psutil.Error:
        return False
    return bool(cmd) and os.path.basename(cmd[0]).startswith("ffmpeg") and "x11grab" in cmd


def recording_ffmpeg() -> psutil.Process | None:
    return next((c for c in psutil.Process().children(recursive=True) if is_recording_ffmpeg(c)), None)


def record_rounds(env: dict[str, str], order: list[str], seconds: float, ffmpeg_path: str = "",
                  psutil_watch: bool = False) -> list[RecordRound]:
    """One recording per entry of `order` ("before", "after", or "after warm-up": not counted by table())."""
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
    launch_log = logging.getLogger("app.ffmpeg.process")
    launch_log.setLevel(logging.INFO)

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
    settings.output_dir, settings.min_free_mb, settings.ffmpeg_path = str(out), 10, ffmpeg_path
    store.save(settings)
    store.save_live_preview(PREVIEW[0])  # the CPU goal is with the preview off; --preview measures it on
    machine = Machine(env=env, platform="linux")
    window = MainWindow(machine=machine, store=store, open_url=lambda url: True)
    results: list[RecordRound] = []
    try:
        window.show()
        wait_until(lambda: window.isVisible() and window.live.problems is not None, 20, "window ready")
        panel = window.form.region
        panel.refresh()
        wait_until(lambda: panel.select_window(TITLE), 15, "pattern window listed")
        wait_until(lambda: window.record_button.isEnabled() and window.live.problems == [], 15,
                   f"ready to record ({window.readiness.text()})")
        for n, variant in enumerate(order):
            commands.LIVE_GRAB_PROBE = VARIANTS[variant.split()[0]]
            run_loop(1000)  # settle: let background checks finish
            wait_until(lambda: window.record_button.isEnabled(), 30, "record enabled")
            first: dict[str, float] = {}

            def on_status(status, first=first) -> None:
                if "t" not in first and status.frames >= 1:
                    first["t"] = time.perf_counter()
                    first["frames"] = status.frames

            window.bridge.status.connect(on_status)
            report = work / f"ffreport-{n}.log"
            machine.env["FFREPORT"] = f"file={report}:level=32"  # the recording's environment, this click only
            launched = LaunchMark()
            launch_log.addHandler(launched)
            t0, wall0 = time.perf_counter(), time.time()
            watcher = Watcher(t0, out, psutil_watch)
            watcher.start()
            window.record_button.click()
            wait_until(lambda: "t" in first, 20, "first status with frames")
            machine.env.pop("FFREPORT")
            launch_log.removeHandler(launched)
            try:  # the first cluster (<= 0.5 s, cluster_time_limit) lands a little later
                wait_until(lambda: watcher.growth is not None, 2, "first cluster")
            except RuntimeError:
                pass
            watcher.done.set()
            watcher.join()
            grab = first_grab_stamp(report)
            ff = recording_ffmpeg()
            if ff is None:
                raise RuntimeError(f"round {n + 1}: no recording ffmpeg found")
            # CPU window: the event loop runs undisturbed, as with a user watching the window
            c0, w0 = cpu_self(), time.perf_counter()
            f0 = sum(ff.cpu_times()[:2])
            run_loop(int((1 if "warm-up" in variant else seconds) * 1000))
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
            r = RecordRound(variant, ms(None if launched.at is None else launched.at - t0), ms(watcher.spawned),
                            None if grab is None else (grab - wall0) * 1000, ms(watcher.header),
                            ms(watcher.growth), (first["t"] - t0) * 1000, first["frames"], w1 - w0,
                            100 * (c1 - c0) / (w1 - w0), 100 * (f1 - f0) / (w1 - w0), frames, stop_s)
            results.append(r)
            nan = float("nan")
            seen = f" (psutil saw it at {r.psutil_ms or nan:.0f} ms)" if psutil_watch else ""
            print(f"  record {n + 1} ({variant}): ffmpeg launched {r.spawned_ms or nan:.0f} ms{seen}, first frame grabbed "
                  f"{r.grab_ms or nan:.0f} ms, header {r.header_ms or nan:.0f} ms, first status {r.status_ms:.0f} ms "
                  f"({r.first_frames} frames), first cluster {r.first_growth_ms or nan:.0f} ms; app CPU "
                  f"{r.app_cpu_pct:.2f} %, ffmpeg CPU {r.ffmpeg_cpu_pct:.1f} % over {r.seconds:.1f} s, {frames} frames; "
                  f"stop {stop_s:.2f} s", flush=True)
    finally:
        commands.LIVE_GRAB_PROBE = SHIPPED_PROBE
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


def between(start: float | None, end: float | None) -> float | None:
    """One recording's own step (end - start, both from its click): immune to load that hit another recording."""
    return None if start is None or end is None else end - start


def table(cold: list[float], recs: list[RecordRound], variants: list[str]) -> None:
    met = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    rows = [  # (name, value of a round, format, goal, goal test on the median, ratio wanted)
        ("click -> ffmpeg launched (ms)", lambda r: r.spawned_ms, "{:.0f}", "", None, True),
        ("  same, seen by polling psutil (ms)", lambda r: r.psutil_ms, "{:.0f}", "", None, True),
        ("click -> first frame grabbed (ms)", lambda r: r.grab_ms, "{:.0f}", "<= 300", GOAL_FIRST_FRAME_MS, True),
        ("click -> live file header = frame encoded (ms)", lambda r: r.header_ms, "{:.0f}", "<= 300", GOAL_FIRST_FRAME_MS, True),
        ("click -> first status frames>=1 (ms)", lambda r: r.status_ms, "{:.0f}", "", None, True),
        ("  ffmpeg launched -> first frame grabbed (ms)", lambda r: between(r.spawned_ms, r.grab_ms), "{:.0f}", "", None, True),
        ("  first frame grabbed -> header (ms)", lambda r: between(r.grab_ms, r.header_ms), "{:.0f}", "", None, True),
        ("click -> first cluster written (ms)", lambda r: r.first_growth_ms, "{:.0f}", "", None, True),
        ("app CPU while recording (% of a core)", lambda r: r.app_cpu_pct, "{:.2f}", "<= 1", GOAL_APP_CPU, False),
        ("ffmpeg CPU while recording (% of a core)", lambda r: r.ffmpeg_cpu_pct, "{:.1f}", "", None, False),
        ("frames in the status after the window", lambda r: r.frames, "{:.0f}", "", None, False),
        ("stop click -> finalised (s)", lambda r: r.stop_s, "{:.2f}", "", None, False),
    ]
    heads = [f"{v} median (min, max)" for v in variants]
    ratio = len(variants) == 2
    print("| " + " | ".join([f"{'measure':<46}", *[f"{h:<26}" for h in heads],
                             *(["after/before"] if ratio else []), f"{'goal':<6}", f"{'':<7}"]) + " |")
    print("|" + "|".join(["-" * 48, *["-" * 28 for _ in heads], *(["-" * 14] if ratio else []), "-" * 8, "-" * 9]) + "|")
    print(f"| {'cold start to window shown (ms)':<46} | " + " | ".join(f"{spread(cold) if i == 0 else '':<26}" for i in range(len(heads)))
          + (f" | {'':<12}" if ratio else "") + f" | {'':<6} | {'':<7} |")
    for name, get, fmt, goal, limit, want_ratio in rows:
        values = {v: [get(r) for r in recs if r.variant == v and get(r) is not None] for v in variants}
        if not any(values.values()):
            continue
        cells = [f"{spread(values[v], fmt):<26}" for v in variants]
        extra = []
        if ratio:
            before, after = med(values[variants[0]]), med(values[variants[1]])
            extra = [f"{after / before:<12.2f}" if want_ratio and before else f"{'':<12}"]
        verdict = met(bool(values[variants[-1]]) and med(values[variants[-1]]) <= limit) if limit is not None else ""
        print(f"| {name:<46} | " + " | ".join([*cells, *extra, f"{goal:<6}", f"{verdict:<7}"]) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--cold-rounds", type=int, default=None, help="cold starts to time (default: --rounds)")
    parser.add_argument("--compare", action="store_true",
                        help="each round records before (ffmpeg's default x11grab probing) and after (as shipped)")
    parser.add_argument("--ffmpeg", default="", help="record with this ffmpeg (default: the app's own choice)")
    parser.add_argument("--psutil-watch", action="store_true",
                        help="also poll psutil's child list for the ffmpeg launch, as the previous version did")
    parser.add_argument("--preview", action="store_true", help="record with the window's live preview on (default off)")
    parser.add_argument("--warm-up", action="store_true",
                        help="first make one uncounted recording, so no variant pays for the process's first click")
    args = parser.parse_args()
    PREVIEW[0] = args.preview
    variants = ["before", "after"] if args.compare else ["after"]
    order = [v for n in range(args.rounds) for v in (variants if n % 2 == 0 else variants[::-1])]
    order = ["after warm-up"] * args.warm_up + order
    load_before = os.getloadavg()[0]
    stat0 = psutil.cpu_times()
    x = XServer(*SCREEN).start()
    pulse = PulseServer().start()
    try:
        env = pulse.env(x.env())
        print("cold start (spawn of `python main.py` to window mapped):", flush=True)
        cold = cold_start(env, args.rounds if args.cold_rounds is None else args.cold_rounds)
        print(f"record click -> first frame, CPU over {args.seconds:g} s recording (640x360 window, 30 fps):",
              flush=True)
        recs = record_rounds(env, order, args.seconds, args.ffmpeg, args.psutil_watch)
    finally:
        pulse.stop()
        x.stop()
    stat1 = psutil.cpu_times()
    print()
    print(f"{args.rounds} round(s){' x before/after' if args.compare else ''}; {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, ffmpeg {args.ffmpeg or 'as the app picks it'}, load average before "
          f"{load_before:.2f}, after {os.getloadavg()[0]:.2f}, machine busy {busy_fraction(stat0, stat1):.0f} % over the run")
    table(cold, recs, variants)
    return 0


if __name__ == "__main__":
    sys.exit(main())
