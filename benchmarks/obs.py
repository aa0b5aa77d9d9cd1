"""Benchmark: OBS Studio as the recorder. Record click -> OBS records, and Stop -> file finished, both backends.

    /tmp/venv/bin/python benchmarks/obs.py --rounds 5 [--seconds 3]

Everything runs on a private Xvfb (1280x800, + openbox) and a private PulseAudio (tests/support/servers.py),
with the real OBS Studio and a 640x360 test pattern window (tests/support/anim_window.py) as the region.
What a Record click runs is timed: `plan(settings, machine)` (the Machine is warm, as in the window), then
`Session(plan).start()`, which returns once the backend has seen OBS record. Each round records
--seconds, then `request_stop()` + `Session.stop()` (what Stop runs), which also remuxes to MP4.

A. obs-websocket: one OBS the user would run, started once as tests/obs (tests.obs.helpers.start_user_obs:
   private HOME, our scene collection, websocket on a known password, idle). A second, independent
   websocket client (obsws-python EventClient) timestamps OBS's own RecordStateChanged events as they arrive.
   From the click: STARTING (OBS accepted StartRecord; before it the backend aims OBS: profile parameters,
   source crop, video settings), STARTED (outputActive: "OBS reports recording", goal <= 1 s), and
   Session.start() returning; and, polled every 10 ms by a helper thread, when OBS's `obs-ffmpeg-mux` child
   appears and when the round's .mkv first has bytes on disk. From Stop: STOPPED (OBS closed the file) and Session.stop() returning (the
   user's OBS settings put back, the MKV remuxed to MP4).
B. obs-launch: each click spawns OBS with --startrecording on a private config. A helper thread polls every
   10 ms from the click: the `obs` child appears, its `obs-ffmpeg-mux` child appears (the muxer: OBS
   records), the round's .mkv first has bytes (the file starts growing), and Session.start() returns (its
   websocket says outputActive). From Stop: the muxer is gone (the MKV is complete) and Session.stop()
   returns (StopRecord, OBS closed, remux to MP4).
A runs all its rounds first, then its OBS is closed and B runs (an idle OBS would load B's rounds).
Every round's result is checked (no error, the MP4 exists, OBS counted 30+ frames); a round that fails is
named at the end and the exit status is 1. `--log FILE` keeps the engine's log for such a round.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.machine import Machine  # noqa: E402
from app.obs.install import find_obs  # noqa: E402
from app.model.obs import ObsSettings  # noqa: E402
from app.preflight import plan  # noqa: E402
from app.processes import spawn, stop_tree  # noqa: E402
from app.session import Session  # noqa: E402
from app.model.settings import CaptureSettings  # noqa: E402
from tests.obs.helpers import start_user_obs  # noqa: E402
from tests.support.servers import PulseServer, XServer  # noqa: E402

ANIM_WINDOW = ROOT / "tests" / "support" / "anim_window.py"
TITLE = "OBS Bench Source"
GOAL_START_S = 1.0


def med(values):
    return statistics.median(values) if values else float("nan")


def spread(values, fmt="{:.2f}"):
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    return f"{fmt.format(med(values))} (min {fmt.format(min(values))}, max {fmt.format(max(values))})"


def busy_fraction(before, after) -> float:
    idle = (after.idle + after.iowait) - (before.idle + before.iowait)
    total = sum(after) - sum(before)
    return 100 * (1 - idle / total) if total else float("nan")


def settings_for(backend: str, out: Path, **kw) -> CaptureSettings:
    return CaptureSettings(mode="video", region=f"window:{TITLE}", backend=backend, fps=30.0, output_dir=str(out), **kw)


def problem(result) -> str:
    """What is wrong with a round's recording ("" when it is a file of 30+ frames with no error)."""
    if result.error:
        return result.error
    if result.path is None or not result.path.exists():
        return f"no file ({result.path})"
    if result.frames < 30:
        return f"{result.frames} frames reported for {result.path.name} ({result.path.stat().st_size} bytes)"
    return ""


# -- A. obs-websocket ---------------------------------------------------------------------------------
class StateEvents:
    """OBS's RecordStateChanged events, timestamped on arrival by a client of our own."""

    def __init__(self, port: int, password: str) -> None:
        import obsws_python

        self.times: dict[str, float] = {}
        self._seen = threading.Condition()
        self.client = obsws_python.EventClient(host="127.0.0.1", port=port, password=password, timeout=10)

        def on_record_state_changed(data) -> None:
            with self._seen:
                self.times.setdefault(data.output_state.replace("OBS_WEBSOCKET_OUTPUT_", ""), time.perf_counter())
                self._seen.notify_all()

        self.client.callback.register(on_record_state_changed)

    def reset(self) -> None:
        with self._seen:
            self.times.clear()

    def wait(self, state: str, timeout: float) -> float | None:
        with self._seen:
            self._seen.wait_for(lambda: state in self.times, timeout)
            return self.times.get(state)

    def close(self) -> None:
        self.client.disconnect()


def websocket_rounds(env: dict[str, str], machine: Machine, binary: str, rounds: int, seconds: float) -> list[dict]:
    user_obs = start_user_obs(binary, env)
    events = StateEvents(user_obs.port, user_obs.password)
    work = Path(tempfile.mkdtemp(prefix="tdwrec-obs-bench-ws-"))
    obs = ObsSettings(host="127.0.0.1", port=user_obs.port, password=user_obs.password)
    results = []
    try:
        plan(settings_for("obs-websocket", work / "warm", obs=obs), machine)  # the window's Machine is warm
        time.sleep(2.0)  # let OBS settle after its start
        for n in range(1, rounds + 1):
            events.reset()
            folder = work / f"round-{n}"
            folder.mkdir()
            t0 = time.perf_counter()
            watcher = FileWatcher(t0, folder)
            watcher.start()
            session = Session(plan(settings_for("obs-websocket", folder, obs=obs), machine), env=env)
            planned = time.perf_counter()
            session.start()
            started = time.perf_counter()
            events.wait("STARTED", 10)
            time.sleep(seconds)
            ts = time.perf_counter()
            session.request_stop()
            result = session.stop()
            stopped = time.perf_counter()
            events.wait("STOPPED", 10)
            watcher.done.set()
            watcher.join()
            t = events.times
            rel = lambda key, base: (t[key] - base) if key in t else None  # noqa: E731
            r = {"plan": planned - t0, "starting": rel("STARTING", t0), "started": rel("STARTED", t0),
                 "start_returned": started - t0, "muxer": watcher.muxer_spawned, "file_grows": watcher.file_grows,
                 "file_closed": rel("STOPPED", ts), "stop_returned": stopped - ts,
                 "frames": result.frames, "problem": problem(result)}
            results.append(r)
            print(f"  obs-websocket round {n}: plan {r['plan']:.3f} s, STARTING {r['starting'] or float('nan'):.3f} s, "
                  f"STARTED {r['started'] or float('nan'):.3f} s, start() returned {r['start_returned']:.3f} s, muxer "
                  f"{r['muxer'] or float('nan'):.3f} s, file grows {r['file_grows'] or float('nan'):.3f} s "
                  f"({watcher.first_bytes} bytes); "
                  f"stop -> STOPPED {r['file_closed'] or float('nan'):.3f} s, stop() returned {r['stop_returned']:.3f} s "
                  f"({result.frames} frames){' PROBLEM: ' + r['problem'] if r['problem'] else ''}", flush=True)
            time.sleep(1.0)
    finally:
        events.close()
        user_obs.stop()
        shutil.rmtree(work, ignore_errors=True)
    return results


# -- B. obs-launch ------------------------------------------------------------------------------------
class FileWatcher(threading.Thread):
    """From t0, every 10 ms: when a new OBS, then an OBS muxer, appear among our descendants; when the round's
    MKV first has bytes. Stops there (or when told to)."""

    def __init__(self, t0: float, folder: Path) -> None:
        super().__init__(daemon=True)
        self.t0, self.folder = t0, folder
        self.done = threading.Event()
        self.obs_spawned = self.muxer_spawned = self.file_grows = None
        self.first_bytes = 0  # the file's size when first seen non-empty
        self.muxer: psutil.Process | None = None

    def run(self) -> None:
        me = psutil.Process()
        known = {p.pid for p in me.children(recursive=True)}  # the user's OBS, in A
        while not self.done.is_set() and self.file_grows is None:
            now = time.perf_counter() - self.t0
            if self.muxer is None:
                for child in me.children(recursive=True):
                    if child.pid in known:
                        continue
                    try:
                        name = child.name()
                    except psutil.Error:
                        continue
                    if name == "obs" and self.obs_spawned is None:
                        self.obs_spawned = now
                    elif name == "obs-ffmpeg-mux":
                        self.muxer, self.muxer_spawned = child, now
            for path in self.folder.glob("*.mkv"):
                try:
                    size = path.stat().st_size
                    if size > 0:
                        self.file_grows, self.first_bytes = now, size
                except OSError:
                    pass
            time.sleep(0.01)


def note_exit(proc: psutil.Process | None, into: dict) -> None:
    """When `proc` (OBS's muxer) has exited: the MKV is complete then."""
    if proc is None:
        return
    try:
        proc.wait(60)
    except psutil.TimeoutExpired:
        return
    except psutil.NoSuchProcess:
        pass
    into["t"] = time.perf_counter()


def launch_rounds(env: dict[str, str], machine: Machine, rounds: int, seconds: float) -> list[dict]:
    work = Path(tempfile.mkdtemp(prefix="tdwrec-obs-bench-launch-"))
    results = []
    try:
        plan(settings_for("obs-launch", work / "warm"), machine)
        for n in range(1, rounds + 1):
            folder = work / f"round-{n}"
            folder.mkdir()
            t0 = time.perf_counter()
            watcher = FileWatcher(t0, folder)
            watcher.start()
            session = Session(plan(settings_for("obs-launch", folder), machine), env=env)
            planned = time.perf_counter()
            session.start()
            started = time.perf_counter()
            time.sleep(seconds)
            gone: dict[str, float] = {}
            muxer_watch = threading.Thread(target=note_exit, args=(watcher.muxer, gone), daemon=True)
            ts = time.perf_counter()
            muxer_watch.start()
            session.request_stop()
            result = session.stop()
            stopped = time.perf_counter()
            muxer_watch.join(10)
            watcher.done.set()
            watcher.join()
            muxer_gone = gone["t"] - ts if "t" in gone else None
            r = {"plan": planned - t0, "obs_spawned": watcher.obs_spawned, "muxer": watcher.muxer_spawned,
                 "file_grows": watcher.file_grows, "start_returned": started - t0, "stop_returned": stopped - ts,
                 "muxer_gone": muxer_gone, "frames": result.frames, "problem": problem(result)}
            results.append(r)
            nan = float("nan")
            print(f"  obs-launch round {n}: plan {r['plan']:.3f} s, OBS spawned {r['obs_spawned'] or nan:.3f} s, "
                  f"muxer {r['muxer'] or nan:.3f} s, file grows {r['file_grows'] or nan:.3f} s "
                  f"({watcher.first_bytes} bytes), start() returned "
                  f"{r['start_returned']:.3f} s; stop -> muxer gone {r['muxer_gone'] or nan:.3f} s, "
                  f"stop() returned {r['stop_returned']:.3f} s ({result.frames} frames)"
                  f"{' PROBLEM: ' + r['problem'] if r['problem'] else ''}",
                  flush=True)
            time.sleep(1.0)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0, help="recording length per round")
    parser.add_argument("--log", help="write the engine's log (INFO) to this file")
    args = parser.parse_args()
    if args.log:
        logging.basicConfig(level=logging.INFO, filename=args.log, filemode="w",
                            format="%(asctime)s %(threadName)s %(name)s %(levelname)s %(message)s")
    binary = find_obs()
    if binary is None:
        print("OBS Studio is not installed: sudo apt install obs-studio", file=sys.stderr)
        return 2
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    load_before = os.getloadavg()
    stat0 = psutil.cpu_times()
    x = XServer(1280, 800).start()
    pulse = PulseServer().start()
    anim = None
    try:
        env = pulse.env(x.env())
        anim = spawn([sys.executable, str(ANIM_WINDOW), TITLE, "640", "360", "100", "80"], env=env,
                     stdout=subprocess.PIPE, text=True)
        anim.stdout.readline()
        time.sleep(0.5)
        machine = Machine(env=env, platform="linux")
        print(f"A. obs-websocket, {args.rounds} round(s) of {args.seconds:g} s:", flush=True)
        ws = websocket_rounds(env, machine, binary, args.rounds, args.seconds)
        print(f"B. obs-launch, {args.rounds} round(s) of {args.seconds:g} s:", flush=True)
        launch = launch_rounds(env, machine, args.rounds, args.seconds)
    finally:
        if anim is not None:
            stop_tree(anim.pid, timeout=3)
        pulse.stop()
        x.stop()
    stat1 = psutil.cpu_times()
    started = [r["started"] for r in ws if r["started"] is not None]
    print()
    print(f"{args.rounds} round(s) per backend, {args.seconds:g} s each; {version}; {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}; "
          f"machine busy {busy_fraction(stat0, stat1):.0f} % over the run")
    print("| measure (s)                                            | median (min, max)            | goal   |         |")
    print("|--------------------------------------------------------|------------------------------|--------|---------|")
    verdict = ("met" if started and med(started) <= GOAL_START_S else "NOT met")
    rows = [
        ("A websocket: click -> plan done", spread([r["plan"] for r in ws], "{:.3f}"), "", ""),
        ("A websocket: click -> OBS says STARTING", spread([r["starting"] for r in ws]), "", ""),
        ("A websocket: click -> OBS reports recording (STARTED)", spread(started), "<= 1", verdict),
        ("A websocket: click -> Session.start() returns", spread([r["start_returned"] for r in ws]), "", ""),
        ("A websocket: click -> muxer started", spread([r["muxer"] for r in ws]), "", ""),
        ("A websocket: click -> file starts growing", spread([r["file_grows"] for r in ws]), "", ""),
        ("A websocket: stop -> OBS closed the file (STOPPED)", spread([r["file_closed"] for r in ws]), "", ""),
        ("A websocket: stop -> MP4 finalised (stop() returns)", spread([r["stop_returned"] for r in ws]), "", ""),
        ("B launch: click -> OBS process spawned", spread([r["obs_spawned"] for r in launch]), "", ""),
        ("B launch: click -> muxer started (OBS records)", spread([r["muxer"] for r in launch]), "", ""),
        ("B launch: click -> file starts growing", spread([r["file_grows"] for r in launch]), "", ""),
        ("B launch: click -> Session.start() returns", spread([r["start_returned"] for r in launch]), "", ""),
        ("B launch: stop -> muxer gone (the MKV is complete)", spread([r["muxer_gone"] for r in launch]), "", ""),
        ("B launch: stop -> MP4 finalised (stop() returns)", spread([r["stop_returned"] for r in launch]), "", ""),
    ]
    for name, value, goal, met in rows:
        print(f"| {name:<54} | {value:<28} | {goal:<6} | {met:<7} |")
    bad = [f"{backend} round {n}: {r['problem']}" for backend, results in (("obs-websocket", ws), ("obs-launch", launch))
           for n, r in enumerate(results, start=1) if r["problem"]]
    print(f"rounds whose recording is not right: {len(bad)} of {len(ws) + len(launch)}" + "".join(f"\n  {b}" for b in bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
