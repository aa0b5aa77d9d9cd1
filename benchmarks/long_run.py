"""Benchmark: long audio + video recordings. A/V offset over time, missed frames, and the app's memory.

    .venv/bin/python benchmarks/long_run.py --seconds 60,1800      # about 35 minutes
    .venv/bin/python benchmarks/long_run.py --seconds 20           # smoke run

Everything runs on a private Xvfb (1600x900, openbox) and a private PulseAudio (app.headless.Headless).
On that display: the animated test window (tests/support/anim_window.py, 1280x720 at 0,0: a moving square,
a counter, ~30 repaints a second) and, on top of it at 0,0, the flash + beep source of `sync-check`
(app.sync.source, 320x240: white + a 1 kHz beep at the same instant every second).

1. Calibration, as a user does it: `sync-check` (the product's own, 10 s at the run's fps) measures the raw
   offset; the recordings below get it as `--audio-offset`, as `sync-check --save` would apply it.
2. Per duration in --seconds: the real CLI, `main.py record --mode av --region 0,0,1280x720 --fps 30
   --audio default --duration S`, runs as its own process. Every 5 s the resident memory (RSS) of the
   CLI process and of its ffmpeg child is sampled with psutil. Afterwards, from the finished MP4:
     * the A/V offset of every flash + beep (app.sync.measure, luma taken from the source's 320x240
       corner only): mean over the first and over the last 60 s, the largest |offset| anywhere, and the
       least-squares drift in ms per minute;
     * missed frames: video packet times (ffprobe) where the gap to the previous frame is more than
       1.5 frame intervals count as round(gap * fps) - 1 missed grabs; plus the frames the CLI's own
       summary reports as dropped/duplicated;
     * the app's RSS 10 s in, at the end, and its maximum.
"""

from __future__ import annotations

import argparse
import json
import re
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

from app.ffmpeg.locate import find_ffmpeg  # noqa: E402
from app.headless import Headless  # noqa: E402
from app.processes import spawn, stop_tree  # noqa: E402
from app.sync.check import flash_beep_source, run_sync_check  # noqa: E402
from app.sync.measure import SyncReport, measure  # noqa: E402

SOURCE_CROP = "320:240:0:0"


def video_packet_times(path: Path) -> list[float]:
    done = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time",
                           "-of", "csv=p=0", str(path)], capture_output=True, text=True, check=True, timeout=600)
    return sorted(float(line) for line in done.stdout.split() if line.strip() and line != "N/A")


def missed_frames(times: list[float], fps: float) -> tuple[int, int]:
    """(missed grabs, longest gap in frames) from the frame times of a recording."""
    step, missed, longest = 1.0 / fps, 0, 1
    for before, after in zip(times, times[1:]):
        gap = (after - before) / step
        if gap > 1.5:
            missed += round(gap) - 1
        longest = max(longest, round(gap))
    return missed, longest


class MemorySampler:
    """RSS of a process and its ffmpeg child every `every` seconds, on a thread, until the process ends."""

    def __init__(self, pid: int, every: float = 5.0) -> None:
        self.samples: list[tuple[float, float, float]] = []  # (seconds since start, app MB, ffmpeg MB)
        self._pid, self._every = pid, every
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        t0 = time.monotonic()
        try:
            proc = psutil.Process(self._pid)
            while proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                ffmpeg_mb = sum(c.memory_info().rss for c in proc.children(recursive=True)
                                if "ffmpeg" in c.name()) / 2**20
                self.samples.append((time.monotonic() - t0, proc.memory_info().rss / 2**20, ffmpeg_mb))
                time.sleep(self._every)
        except psutil.Error:
            pass

    def join(self) -> None:
        self._thread.join(timeout=self._every * 2)


def record(env: dict[str, str], folder: Path, seconds: float, fps: float, offset_ms: float) -> dict:
    cmd = [sys.executable, str(ROOT / "main.py"), "record", "--mode", "av", "--region", "0,0,1280x720",
           "--fps", f"{fps:g}", "--audio", "default", "--duration", f"{seconds:g}", "--out", str(folder),
           "--no-mouse", "--audio-offset", f"{offset_ms:.1f}"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    memory = MemorySampler(proc.pid)
    out, err = proc.communicate(timeout=seconds + 600)
    memory.join()
    saved = re.search(r"^Saved (.+)$", out, re.M)
    if proc.returncode != 0 or not saved:
        raise SystemExit(f"the recording failed ({proc.returncode}): {(err or out).strip().splitlines()[-1:]}")
    counts = re.search(r"(\d+) frames, (\d+) dropped, (\d+) duplicated", out)
    frames, dropped, duplicated = (int(v) for v in counts.groups()) if counts else (0, 0, 0)
    return {"path": Path(saved.group(1)), "frames": frames, "dropped": dropped, "duplicated": duplicated,
            "memory": memory.samples}


def window_mean(report: SyncReport, start: float, end: float) -> float | None:
    values = [o for t, o in zip(report.times_s, report.offsets_ms) if start <= t < end]
    return statistics.fmean(values) if values else None


def figures(run: dict, report: SyncReport, seconds: float, fps: float) -> dict:
    times = video_packet_times(run["path"])
    missed, longest = missed_frames(times, fps)
    memory = [s for s in run["memory"] if s[0] >= 10] or run["memory"]
    last = max(report.times_s)
    return {
        "seconds": seconds,
        "events": len(report.offsets_ms),
        "offset_first_60s_ms": window_mean(report, 0, 60),
        "offset_last_60s_ms": window_mean(report, last - 60, last + 1),
        "max_abs_offset_ms": max(abs(o) for o in report.offsets_ms),
        "drift_ms_per_min": report.drift_ms_per_min,
        "stdev_ms": report.stdev_ms,
        "frames_in_file": len(times),
        "frames_expected": round(seconds * fps),
        "missed_grabs": missed,
        "longest_gap_frames": longest,
        "cli_dropped": run["dropped"],
        "cli_duplicated": run["duplicated"],
        "app_rss_start_mb": memory[0][1] if memory else None,
        "app_rss_end_mb": memory[-1][1] if memory else None,
        "app_rss_max_mb": max(s[1] for s in memory) if memory else None,
        "ffmpeg_rss_start_mb": memory[0][2] if memory else None,
        "ffmpeg_rss_end_mb": memory[-1][2] if memory else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", default="60,1800", help="recording lengths, comma separated (default 60,1800)")
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--calibrate", type=float, default=10.0, help="seconds of sync-check calibration")
    parser.add_argument("--json", default="", help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the recordings and print their folder")
    args = parser.parse_args()
    lengths = [float(v) for v in args.seconds.split(",")]
    binary = find_ffmpeg().path  # the one the app records with
    folder = Path(tempfile.mkdtemp(prefix="tdw-long-run-"))
    results = {"calibration": {}, "runs": []}
    try:
        with Headless((1600, 900)) as servers:
            env = servers.env()
            anim = spawn([sys.executable, str(ROOT / "tests" / "support" / "anim_window.py"), "long run", "1280", "720",
                          "0", "0"], env=env, stdout=subprocess.PIPE, text=True)
            try:
                assert anim.stdout is not None
                anim.stdout.readline()
                calibration = run_sync_check(seconds=args.calibrate, fps=args.fps, env=env, ffmpeg_path=binary)
                results["calibration"] = {"offset_ms": calibration.mean_ms, "spread_ms": calibration.spread_ms}
                print(f"calibration (sync-check {args.calibrate:g} s): {calibration.summary()}", flush=True)
                for seconds in lengths:
                    with flash_beep_source(env, geometry="0,0,320x240"):
                        time.sleep(2.0)  # the source's sound stream settles before the first event counts
                        run = record(env, folder / f"run-{seconds:g}", seconds, args.fps, -calibration.mean_ms)
                    report = measure(binary, run["path"], crop=SOURCE_CROP)
                    result = figures(run, report, seconds, args.fps)
                    results["runs"].append(result)
                    print(json.dumps(result, indent=1, default=str), flush=True)
            finally:
                stop_tree(anim.pid, timeout=3)
    finally:
        if args.keep:
            print(f"recordings kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    goals = all(r["max_abs_offset_ms"] <= 33 and r["missed_grabs"] == 0 for r in results["runs"])
    print("goals (|offset| <= 33 ms everywhere, 0 missed frames):", "met" if goals else "NOT met")
    return 0 if goals else 1


if __name__ == "__main__":
    raise SystemExit(main())
