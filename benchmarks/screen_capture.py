"""Benchmark: screen capture of a 1280x720 animated window at 30 fps, engine vs bare ffmpeg.

    .venv/bin/python benchmarks/screen_capture.py --seconds 60 --rounds 2

In one run, on a private Xvfb (+ openbox) with the test window painting a moving pattern, it alternates
    A) the engine: `plan(...)` -> `Session.start()` -> `wait()` -> `stop()`, in this process, as the CLI does;
    B) bare ffmpeg: the very same command line (only the output file differs), run with Popen and wait;
and measures, per round:
  * frames in the output (ffprobe -count_frames) against seconds x fps, and ffmpeg's own drop_frames /
    dup_frames (from its -progress output);
  * ffmpeg's CPU time (user+sys), exact, from the kernel's accounting of reaped children
    (getrusage(RUSAGE_CHILDREN) delta around the life of that one ffmpeg; nothing else is reaped then);
  * this process's own CPU time (getrusage(RUSAGE_SELF) delta) from just before `Session.start()` to
    `wait()` returning, i.e. the engine's cost beyond ffmpeg while recording. The same figure is taken
    while bare ffmpeg runs, as the harness's own floor. `stop()` (finalise: remux to MP4) is timed apart;
  * the whole machine's busy CPU over the round (/proc/stat), to show how much else was running.
Nothing samples anything while a recording runs: the main thread just waits.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.capture.ffmpeg_screen import FfmpegScreenRecorder  # noqa: E402
from app.ffmpeg.progress import ProgressParser  # noqa: E402
from app.model.progress import Progress
from app.machine import Machine  # noqa: E402
from app.preflight import plan as make_plan  # noqa: E402
from app.processes import spawn, stop_tree  # noqa: E402
from app.screen.x11 import X11Display  # noqa: E402
from app.session import Session  # noqa: E402
from app.model.settings import CaptureSettings  # noqa: E402
from tests.support.servers import XServer  # noqa: E402

ANIM_WINDOW = ROOT / "tests" / "support" / "anim_window.py"
TITLE = "Benchmark Source"
WIDTH, HEIGHT, FPS = 1280, 720, 30
SCREEN = (1600, 900)
GOAL_ENGINE_CPU = 3.0  # % of one core, the engine's own CPU beyond ffmpeg


@dataclass
class Round:
    mode: str  # "engine" or "bare"
    index: int
    seconds: float
    wall_s: float = 0.0  # ffmpeg start -> ffmpeg reaped (engine: start() -> wait() returned)
    ffmpeg_cpu_s: float = 0.0
    self_cpu_s: float = 0.0  # this process's CPU over the same window
    system_busy_pct: float = 0.0  # whole machine, % of one core, over the same window
    scene_cpu_s: float = 0.0  # Xvfb (which does the copying for x11grab) + openbox + the animated window
    progress: Progress = field(default_factory=Progress)
    frames_in_file: int = 0
    file_duration_s: float = 0.0
    holes: int = 0  # frame slots missing inside the file (gaps between frame stamps beyond 1.5 / fps)
    last_pts_s: float = 0.0  # stamp of the last frame, from the first
    finalise_s: float | None = None
    rss_before_mb: float = 0.0
    rss_after_mb: float = 0.0
    returncode: int | None = None
    error: str | None = None

    @property
    def expected(self) -> int:
        return int(round(self.seconds * FPS))

    @property
    def missing(self) -> int:
        return max(self.expected - self.frames_in_file, 0)

    @property
    def ffmpeg_pct(self) -> float:
        return 100.0 * self.ffmpeg_cpu_s / self.wall_s if self.wall_s else 0.0

    @property
    def self_pct(self) -> float:
        return 100.0 * self.self_cpu_s / self.wall_s if self.wall_s else 0.0

    @property
    def scene_pct(self) -> float:
        return 100.0 * self.scene_cpu_s / self.wall_s if self.wall_s else 0.0

    @property
    def other_pct(self) -> float:
        """Machine busy time not explained by ffmpeg, this process or the scene: other people's work."""
        return max(self.system_busy_pct - self.ffmpeg_pct - self.self_pct - self.scene_pct, 0.0)


# -- measurement helpers -----------------------------------------------------------------------------
def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def _children_cpu() -> float:
    return _cpu(resource.getrusage(resource.RUSAGE_CHILDREN))


def _self_cpu() -> float:
    return _cpu(resource.getrusage(resource.RUSAGE_SELF))


def _system_busy() -> float:
    t = psutil.cpu_times()
    return t.user + t.nice + t.system + t.irq + t.softirq + getattr(t, "steal", 0.0)


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 1048576


def peak_rss_mb() -> float:
    """This process's high-water RSS: VmHWM (ru_maxrss can lag it by the kernel's per-thread counter cache)."""
    hwm = 0.0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    except OSError:
        pass
    return max(hwm, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def count_frames(path: Path) -> tuple[int, float]:
    """Decoded video frames and container duration, as a player would see them (ffprobe)."""
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
         "stream=nb_read_frames:format=duration", "-of", "default=nw=1", str(path)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600,
    )
    values = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    try:
        frames = int(values.get("nb_read_frames", "0"))
    except ValueError:
        frames = 0
    try:
        duration = float(values.get("duration", "0"))
    except ValueError:
        duration = 0.0
    return frames, duration


def frame_stamps(path: Path) -> tuple[int, float]:
    """Where frames are missing: frame slots lost in gaps between stamps, and the last stamp (from the first)."""
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time", "-of", "csv=p=0",
         str(path)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600,
    )
    stamps = sorted(float(x) for x in done.stdout.split() if x.strip() not in ("", "N/A"))
    if len(stamps) < 2:
        return 0, 0.0
    step = 1.0 / FPS
    holes = sum(int(round((b - a) / step)) - 1 for a, b in zip(stamps, stamps[1:]) if b - a > 1.5 * step)
    return holes, stamps[-1] - stamps[0]


def last_progress(text: str) -> Progress:
    blocks: list[Progress] = []
    parser = ProgressParser(blocks.append)
    for line in text.splitlines():
        parser.feed(line)
    return blocks[-1] if blocks else Progress()


# -- the scene ---------------------------------------------------------------------------------------
class Scene:
    """Xvfb + openbox + the animated window; everything it starts is stopped by `close()`."""

    def __init__(self) -> None:
        self.xserver = XServer(*SCREEN)
        self.window: subprocess.Popen | None = None

    def open(self) -> None:
        self.xserver.start()
        env = self.xserver.env()
        self.window = spawn(
            [sys.executable, str(ANIM_WINDOW), TITLE, str(WIDTH), str(HEIGHT), "100", "60"],
            env=env, stdout=subprocess.PIPE, text=True,
        )
        assert self.window.stdout is not None
        self.window.stdout.readline()  # printed once the window is mapped
        display = X11Display(env=env)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if any(w.title == TITLE for w in display.windows()):
                time.sleep(0.5)  # let openbox finish placing it
                return
            time.sleep(0.1)
        raise RuntimeError("the animated window never appeared")

    def env(self) -> dict[str, str]:
        return self.xserver.env()

    def cpu(self) -> float:
        """CPU seconds used so far by Xvfb, openbox and the window (read from outside, never sampled live)."""
        total = 0.0
        for proc in [*self.xserver.procs, *([self.window] if self.window else [])]:
            try:
                t = psutil.Process(proc.pid).cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return total

    def close(self) -> None:
        if self.window is not None:
            stop_tree(self.window.pid, timeout=3)
            self.window = None
        self.xserver.stop()


# -- the two modes -----------------------------------------------------------------------------------
class Bench:
    def __init__(self, seconds: float, workdir: Path) -> None:
        self.seconds = seconds
        self.workdir = workdir
        self.scene = Scene()
        self.session: Session | None = None
        self.bare: subprocess.Popen | None = None
        self.engine_command: list[str] | None = None
        self.engine_output: str | None = None
        self.region = None

    def settings(self, out: Path) -> CaptureSettings:
        return CaptureSettings(region=f"window:{TITLE}", fps=FPS, duration=self.seconds, output_dir=str(out))

    def run_engine(self, index: int) -> Round:
        out = self.workdir / f"engine-{index}"
        r = Round("engine", index, self.seconds)
        env = self.scene.env()
        the_plan = make_plan(self.settings(out), Machine(env=env))  # as the CLI does, before recording
        self.region = the_plan.region
        session = Session(the_plan, env=env)
        self.session = session

        r.rss_before_mb = _rss_mb()
        busy0, scene0, kids0, self0 = _system_busy(), self.scene.cpu(), _children_cpu(), _self_cpu()
        t0 = time.monotonic()
        session.start()
        ended = session.wait(self.seconds + 30)
        t1, self1 = time.monotonic(), _self_cpu()
        kids1, scene1, busy1 = _children_cpu(), self.scene.cpu(), _system_busy()
        r.rss_after_mb = _rss_mb()
        assert session.recorder is not None and session.paths is not None
        self.engine_command = list(session.recorder.command)
        self.engine_output = str(session.paths.recording)

        f0 = time.monotonic()
        result = session.stop()  # stop (a no-op if ffmpeg already ended) + finalise + report
        r.finalise_s = time.monotonic() - f0
        self.session = None

        r.wall_s, r.ffmpeg_cpu_s, r.self_cpu_s = t1 - t0, kids1 - kids0, self1 - self0
        r.system_busy_pct = 100.0 * (busy1 - busy0) / (t1 - t0)
        r.scene_cpu_s = scene1 - scene0
        # ffmpeg's own frame/dropped/duplicated counters, as the engine reports them
        r.progress = Progress(frames=result.frames, dropped=result.dropped, duplicated=result.duplicated)
        r.error = result.error if ended else f"did not end by itself within {self.seconds + 30:.0f} s"
        if result.path is not None:
            r.frames_in_file, r.file_duration_s = count_frames(result.path)
            r.holes, r.last_pts_s = frame_stamps(result.path)
        return r

    def bare_command(self, output: Path) -> list[str]:
        """The engine's command for this plan, built by the engine's own code, with another output file."""
        env = self.scene.env()
        the_plan = make_plan(self.settings(self.workdir), Machine(env=env))
        cmd = FfmpegScreenRecorder(the_plan, output).command
        if self.engine_command is not None and self.engine_output is not None:
            same = [str(output) if arg == self.engine_output else arg for arg in self.engine_command]
            if same != cmd:
                raise RuntimeError(f"bare command differs from the engine's:\n{same}\n{cmd}")
        return cmd

    def run_bare(self, index: int) -> Round:
        out_dir = self.workdir / f"bare-{index}"
        out_dir.mkdir(parents=True)
        output = out_dir / "bare.mkv"
        cmd = self.bare_command(output)
        r = Round("bare", index, self.seconds)
        progress_path, stderr_path = out_dir / "progress.txt", out_dir / "stderr.txt"
        with open(progress_path, "wb") as progress, open(stderr_path, "wb") as err:
            r.rss_before_mb = _rss_mb()
            busy0, scene0, kids0, self0 = _system_busy(), self.scene.cpu(), _children_cpu(), _self_cpu()
            t0 = time.monotonic()
            # stdin is a pipe kept open, as the engine's (ffmpeg polls it for 'q'); same spawn as the engine
            self.bare = spawn(cmd, stdin=subprocess.PIPE, stdout=progress, stderr=err, env=self.scene.env())
            # a plain blocking wait (Popen.wait(timeout) would poll every few ms and cost this process CPU)
            proc = self.bare
            overdue = threading.Event()

            def watchdog() -> None:
                overdue.set()
                stop_tree(proc.pid, timeout=5)

            timer = threading.Timer(self.seconds + 30, watchdog)
            timer.daemon = True
            timer.start()
            r.returncode = proc.wait()
            timer.cancel()
            if overdue.is_set():
                r.error = f"did not end by itself within {self.seconds + 30:.0f} s"
            t1, self1 = time.monotonic(), _self_cpu()
            kids1, scene1, busy1 = _children_cpu(), self.scene.cpu(), _system_busy()
            r.rss_after_mb = _rss_mb()
            if self.bare.stdin:
                self.bare.stdin.close()
            self.bare = None
        r.wall_s, r.ffmpeg_cpu_s, r.self_cpu_s = t1 - t0, kids1 - kids0, self1 - self0
        r.system_busy_pct = 100.0 * (busy1 - busy0) / (t1 - t0)
        r.scene_cpu_s = scene1 - scene0
        r.progress = last_progress(progress_path.read_text(errors="replace"))
        if r.returncode != 0 and not r.error:
            r.error = f"ffmpeg exited {r.returncode}: {stderr_path.read_text(errors='replace').strip()[-300:]}"
        if output.exists():
            r.frames_in_file, r.file_duration_s = count_frames(output)
            r.holes, r.last_pts_s = frame_stamps(output)
        return r

    def abort(self) -> None:
        """Take down whatever is still running (Ctrl+C, errors)."""
        if self.session is not None and self.session.recorder is not None:
            for pid in self.session.recorder.pids():
                stop_tree(pid, timeout=3)
        if self.bare is not None:
            stop_tree(self.bare.pid, timeout=3)


# -- report ------------------------------------------------------------------------------------------
def median(values) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def print_rounds(rounds: list[Round]) -> None:
    print("\nPer round (in the order run):")
    head = (f"{'round':<9} {'wall s':>7} {'frames':>6} {'ff frame=':>9} {'expect':>6} {'missing':>7} {'holes':>5} "
            f"{'last pts':>8} {'drop':>5} {'dup':>4} "
            f"{'ffmpeg CPU%':>11} {'self CPU%':>9} {'scene%':>6} {'machine%':>8} {'other%':>7} {'finalise s':>10}")
    print(head)
    print("-" * len(head))
    for r in rounds:
        fin = f"{r.finalise_s:10.2f}" if r.finalise_s is not None else f"{'-':>10}"
        print(f"{r.mode + ' ' + str(r.index):<9} {r.wall_s:7.2f} {r.frames_in_file:6d} {r.progress.frames:9d} "
              f"{r.expected:6d} {r.missing:7d} {r.holes:5d} {r.last_pts_s:8.3f} "
              f"{r.progress.dropped:5d} {r.progress.duplicated:4d} {r.ffmpeg_pct:11.1f} {r.self_pct:9.2f} "
              f"{r.scene_pct:6.1f} {r.system_busy_pct:8.1f} {r.other_pct:7.1f} {fin}")
        if r.error:
            print(f"          ! {r.error}")


def print_summary(rounds: list[Round], peak_rss_mb: float) -> bool:
    engine = [r for r in rounds if r.mode == "engine"]
    bare = [r for r in rounds if r.mode == "bare"]

    def col(rs: list[Round], fn, fmt: str) -> str:
        return format(median(fn(r) for r in rs), fmt) if rs else "-"

    print(f"\nMedian over rounds ({len(engine)} engine, {len(bare)} bare):")
    rows = [
        ("frames written (ffprobe)", lambda r: r.frames_in_file, ".0f"),
        ("frames expected (s x fps)", lambda r: r.expected, ".0f"),
        ("frames missing", lambda r: r.missing, ".0f"),
        ("  of which holes inside the file", lambda r: r.holes, ".0f"),
        ("last frame stamp s (first = 0)", lambda r: r.last_pts_s, ".3f"),
        ("dropped (ffmpeg drop_frames)", lambda r: r.progress.dropped, ".0f"),
        ("duplicated (ffmpeg dup_frames)", lambda r: r.progress.duplicated, ".0f"),
        ("file duration s", lambda r: r.file_duration_s, ".2f"),
        ("ffmpeg CPU % of one core", lambda r: r.ffmpeg_pct, ".1f"),
        ("own CPU % of one core beyond ffmpeg", lambda r: r.self_pct, ".2f"),
        ("machine busy % (of one core; 200 = both)", lambda r: r.system_busy_pct, ".1f"),
        ("  of which Xvfb + openbox + window %", lambda r: r.scene_pct, ".1f"),
        ("  of which other people's processes %", lambda r: r.other_pct, ".1f"),
        ("process RSS after recording MB", lambda r: r.rss_after_mb, ".1f"),
    ]
    print(f"{'':<42} {'engine':>10} {'bare':>10}")
    for label, fn, fmt in rows:
        print(f"{label:<42} {col(engine, fn, fmt):>10} {col(bare, fn, fmt):>10}")
    fin = [r.finalise_s for r in engine if r.finalise_s is not None]
    print(f"{'finalise (stop + remux to MP4) wall s':<42} {format(median(fin), '.2f') if fin else '-':>10} {'-':>10}")
    ratio = float("nan")
    if engine and bare:
        bare_pct = median(r.ffmpeg_pct for r in bare)
        ratio = median(r.ffmpeg_pct for r in engine) / bare_pct if bare_pct else float("nan")
    print(f"{'ffmpeg CPU ratio engine / bare':<42} {ratio:>10.3f}")
    print(f"{'peak RSS of the engine process MB':<42} {peak_rss_mb:>10.1f}   (VmHWM, whole run; the harness is in it)")

    print("\nGoals (engine rounds):")
    ok_all = True
    if engine:
        no_drops = all(r.progress.dropped == 0 and not r.error for r in engine)
        worst_drop = max(r.progress.dropped for r in engine)
        print(f"  dropped frames = 0 (ffmpeg drop_frames, every round): {'MET' if no_drops else 'NOT MET'} "
              f"(worst round: {worst_drop})")
        complete = all(r.missing == 0 for r in engine)
        worst_missing = max(r.missing for r in engine)
        worst_holes = max(r.holes for r in engine)
        print(f"  no frame missing from the file (frames >= seconds x fps, every round): "
              f"{'MET' if complete else 'NOT MET'} (worst round: {worst_missing} missing, {worst_holes} hole(s) inside)")
        med, worst = median(r.self_pct for r in engine), max(r.self_pct for r in engine)
        cpu_ok = worst <= GOAL_ENGINE_CPU
        print(f"  engine's own CPU <= {GOAL_ENGINE_CPU:g} % of one core (every round): "
              f"{'MET' if cpu_ok else 'NOT MET'} (median {med:.2f} %, worst {worst:.2f} %)")
        ok_all = no_drops and complete and cpu_ok
    if bare:
        print(f"  (bare ffmpeg, for comparison: worst round {max(r.progress.dropped for r in bare)} dropped, "
              f"{max(r.missing for r in bare)} missing, {max(r.holes for r in bare)} hole(s) inside)")
    return ok_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each recording (default 60)")
    parser.add_argument("--rounds", type=int, default=2, help="engine/bare pairs, run alternately (default 2)")
    parser.add_argument("--pause", type=float, default=3.0, help="seconds to settle between recordings (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the recordings (their folder is printed)")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.rounds < 1:
        parser.error("--seconds must be > 0 and --rounds >= 1")
    for tool in ("Xvfb", "openbox", "ffprobe"):
        if not shutil.which(tool):
            print(f"{tool} is not installed", file=sys.stderr)
            return 2

    def terminate(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, terminate)  # also when started in the background, where SIGINT is ignored
    workdir = Path(tempfile.mkdtemp(prefix="tdwrec-bench-"))
    bench = Bench(args.seconds, workdir)
    rounds: list[Round] = []
    code = 0
    print(f"TDW Recorder screen-capture benchmark: {WIDTH}x{HEIGHT} window at {FPS} fps, {args.seconds:g} s, "
          f"{args.rounds} round(s) engine/bare alternating")
    print(f"host: {platform.node()}  {psutil.cpu_count()} CPUs  python {platform.python_version()}  "
          f"load avg at start {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    try:
        bench.scene.open()
        for index in range(1, args.rounds + 1):
            for mode in ("engine", "bare"):
                time.sleep(args.pause)
                print(f"  {mode} round {index} ...", end="", flush=True)
                r = bench.run_engine(index) if mode == "engine" else bench.run_bare(index)
                rounds.append(r)
                print(f" {r.frames_in_file} frames, ffmpeg {r.ffmpeg_pct:.1f} %, own {r.self_pct:.2f} %"
                      + (f"  ! {r.error}" if r.error else ""), flush=True)
        print(f"\nscreen {SCREEN[0]}x{SCREEN[1]} (Xvfb {bench.scene.xserver.display}), region {bench.region}")
        print("ffmpeg command (both modes; output path differs):")
        print("  " + " ".join(bench.engine_command or []))
        print(f"load avg at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print_rounds(rounds)
        code = 0 if print_summary(rounds, peak_rss_mb()) else 1
    except KeyboardInterrupt:
        print("\ninterrupted; cleaning up", file=sys.stderr)
        code = 130
    finally:
        bench.abort()
        bench.scene.close()
        if args.keep:
            print(f"recordings kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
