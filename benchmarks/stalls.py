"""Benchmark: how soon a stalled child is noticed, and how soon Stop ends a run whose child is stalled.

    .venv/bin/python benchmarks/stalls.py --rounds 3

On its own Xvfb + openbox and PulseAudio, per round:
  ffmpeg frozen    a window recording whose ffmpeg gets SIGSTOP: from the freeze to the session's error
                   (the watchdog's word to the user);
  build silent     the stand-in build connected, then never answers from frame 40 (frame route and window
                   route): from its last answered frame to the session's error;
  Stop, frozen     Stop pressed on a recording whose ffmpeg is frozen: from request_stop() to stop() returning
                   with the process gone;
  sound frozen     an audio + video recording whose sound server gets SIGSTOP: from the freeze to the session's
                   error (which names the sound), and to stop() returning with ffmpeg gone.
Goals (issue 19): told within 5 s; Stop -> process gone within 10 s.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.machine import Machine
from app.model.settings import CaptureSettings
from app.preflight import plan
from app.session import Session
from tests.support.servers import PulseServer, XServer
from tests.support.standin_build import BUILD_PATH

WINDOW = ROOT / "tests" / "support" / "anim_window.py"


def wait_until(predicate, timeout: float) -> float:
    """Seconds until `predicate()` holds (polled every 10 ms); raises after `timeout`."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise RuntimeError("timed out")
        time.sleep(0.01)
    return time.monotonic() - start


def frozen_ffmpeg(env: dict[str, str], out: Path, stop: bool) -> float:
    session = Session(plan(CaptureSettings(region="window:Stall Bench", output_dir=str(out)), Machine(env=env)),
                      env=env)
    session.start()
    wait_until(lambda: session.status.frames > 15, 20)
    [guard] = session.recorder.pids()  # ffmpeg runs under a one-signal guard: freeze ffmpeg itself
    pid = next(p.pid for p in psutil.Process(guard).children(recursive=True) + [psutil.Process(guard)]
               if p.name() == "ffmpeg")
    os.kill(pid, signal.SIGSTOP)
    if stop:
        began = time.monotonic()
        session.request_stop()
        session.stop()
        gone = not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        assert gone, "ffmpeg survived Stop"
        return time.monotonic() - began
    told = wait_until(lambda: session.ended.is_set(), 30)
    session.stop()
    return told


def frozen_sound(env: dict[str, str], out: Path, server: int) -> tuple[float, float]:
    settings = CaptureSettings(mode="av", region="window:Stall Bench", audio="default", output_dir=str(out))
    session = Session(plan(settings, Machine(env=env)), env=env)
    session.start()
    wait_until(lambda: session.status.frames > 15, 20)
    os.kill(server, signal.SIGSTOP)
    began = time.monotonic()
    try:
        told = wait_until(lambda: session.ended.is_set(), 30)
        result = session.stop()
        gone = time.monotonic() - began
    finally:
        os.kill(server, signal.SIGCONT)
    assert result.error and result.error.startswith("The sound from"), result.error
    return told, gone


def silent_build(env: dict[str, str], out: Path, mode: str) -> float:
    scene_env = {**env, "STANDIN_BUILD_PYTHON": sys.executable, "STANDIN_BUILD_HANG_AT_FRAME": "40"}
    extra = {"region": "tdw", "screen_size": "320x240"} if mode == "video" else {}
    settings = CaptureSettings(mode=mode, scene="demo:moving_object", scene_args=["100000"], build=str(BUILD_PATH),
                               output_dir=str(out), connect_timeout=30, **extra)
    session = Session(plan(settings, Machine(env=scene_env)), env=scene_env)
    session.start()
    assert session.scene is not None
    scene = session.scene
    wait_until(lambda: scene.frames >= 38, 30)
    last, seen = scene.frames, time.monotonic()
    while not session.ended.is_set():  # the moment of the last answered frame
        if scene.frames != last:
            last, seen = scene.frames, time.monotonic()
        time.sleep(0.005)
    told = time.monotonic() - seen
    session.stop()
    return told


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    xserver, pulse = XServer().start(), PulseServer().start()
    env = pulse.env(xserver.env())
    window = subprocess.Popen([sys.executable, str(WINDOW), "Stall Bench", "320", "240", "100", "80"], env=env,
                              stdout=subprocess.PIPE, text=True)
    window.stdout.readline()  # type: ignore[union-attr]
    time.sleep(0.5)
    rows: dict[str, list[float]] = {"ffmpeg frozen -> told": [], "build silent (frames) -> told": [],
                                    "build silent (window) -> told": [], "Stop, ffmpeg frozen -> gone": [],
                                    "sound frozen -> told": [], "sound frozen -> ffmpeg gone": []}
    try:
        with tempfile.TemporaryDirectory(prefix="stall-bench-") as work:
            for n in range(args.rounds):
                rows["ffmpeg frozen -> told"].append(frozen_ffmpeg(env, Path(work) / f"f{n}", stop=False))
                rows["Stop, ffmpeg frozen -> gone"].append(frozen_ffmpeg(env, Path(work) / f"s{n}", stop=True))
                rows["build silent (frames) -> told"].append(silent_build(env, Path(work) / f"b{n}", "video-frames"))
                rows["build silent (window) -> told"].append(silent_build(env, Path(work) / f"w{n}", "video"))
                told, gone = frozen_sound(env, Path(work) / f"a{n}", pulse.proc.pid)
                rows["sound frozen -> told"].append(told)
                rows["sound frozen -> ffmpeg gone"].append(gone)
                print(f"round {n + 1} done", flush=True)
    finally:
        window.kill()
        pulse.stop()
        xserver.stop()
    print(f"\n{args.rounds} rounds (goals: told <= 5 s, Stop -> gone <= 10 s)")
    for name, values in rows.items():
        print(f"{name:32} median {statistics.median(values):5.2f} s   max {max(values):5.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
