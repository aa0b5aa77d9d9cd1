"""Benchmark: `tdw-recorder batch` with 1 worker vs 2 workers, side by side in one run.

    .venv/bin/python benchmarks/batch_throughput.py --jobs 12 --frames 45 --rounds 1

One jobs file of N short jobs (video-frames of demo:moving_object, `--frames` scene frames each, at the
scene's 30 fps, stand-in build from tests/support/standin_build), recorded by the real CLI
(`main.py batch jobs.toml --out DIR --workers W`) with DISPLAY and PULSE_SERVER unset, so every job brings
its own Xvfb + PulseAudio, as on a server. Per round, in alternating order (1 then 2, then 2 then 1, ...),
each into a fresh folder. Measured per batch:
  * wall time from starting the CLI to its exit (the jobs check, every job, the manifest);
  * jobs/minute = N / wall * 60;
  * CPU per job = CPU time of the CLI and every process it started (getrusage RUSAGE_CHILDREN around the
    run: workers, Xvfb, PulseAudio, builds, scenes, ffmpeg), divided by N; and the mean of the manifest's own
    per-job `cpu_s` (the worker and its children only) and `wall_s`.
Every job must end `done`, or the figures are not printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "tests" / "support" / "standin_build" / "TDW.x86_64"


def jobs_file(folder: Path, jobs: int, frames: int) -> Path:
    lines = ["[defaults]", 'mode = "video-frames"', 'scene = "demo:moving_object"', f'build = "{BUILD}"',
             f'args = ["{frames}"]', ""]
    for n in range(1, jobs + 1):
        lines += ["[[job]]", f'name = "clip-{n:02d}"', ""]
    path = folder / "jobs.toml"
    path.write_text("\n".join(lines))
    return path


def cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_batch(jobs: Path, out: Path, workers: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "PULSE_SERVER", "XDG_RUNTIME_DIR")}
    env["STANDIN_BUILD_PYTHON"] = sys.executable
    cpu, start = cpu_children(), time.monotonic()
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "batch", str(jobs), "--out", str(out),
                           "--workers", str(workers)], env=env, capture_output=True, text=True, timeout=1800)
    wall, cpu = time.monotonic() - start, cpu_children() - cpu
    entries = json.loads((out / "manifest.json").read_text())["jobs"]
    if done.returncode != 0 or any(e["status"] != "done" for e in entries):
        sys.exit(f"batch with {workers} worker(s) failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr[-3000:]}")
    n = len(entries)
    return {"wall": wall, "jobs_min": n / wall * 60, "cpu_job": cpu / n,
            "worker_cpu": sum(e["cpu_s"] for e in entries) / n, "job_wall": sum(e["wall_s"] for e in entries) / n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=12)
    parser.add_argument("--frames", type=int, default=45)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    results: dict[int, list[dict]] = {1: [], 2: []}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as folder:
        jobs = jobs_file(Path(folder), args.jobs, args.frames)
        for r in range(args.rounds):
            for workers in ((1, 2) if r % 2 == 0 else (2, 1)):
                result = run_batch(jobs, Path(folder) / f"out-{r}-{workers}", workers)
                results[workers].append(result)
                print(f"round {r + 1}, {workers} worker(s): {result['wall']:.1f} s", file=sys.stderr)

    def mean(workers: int, key: str) -> float:
        return sum(x[key] for x in results[workers]) / len(results[workers])

    print(f"{args.jobs} jobs x {args.frames} frames (video-frames, stand-in build, headless per job), "
          f"{args.rounds} round(s); {os.cpu_count()} cores, {platform.python_version()}, "
          f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    print("| measure                               | 1 worker | 2 workers | 2 vs 1 |")
    print("|---------------------------------------|----------|-----------|--------|")
    rows = [("batch wall time (s)", "wall", "{:.1f}"), ("jobs per minute", "jobs_min", "{:.1f}"),
            ("CPU per job, everything (s)", "cpu_job", "{:.2f}"), ("CPU per job, manifest cpu_s (s)", "worker_cpu", "{:.2f}"),
            ("wall per job, manifest wall_s (s)", "job_wall", "{:.2f}")]
    for label, key, fmt in rows:
        one, two = mean(1, key), mean(2, key)
        print(f"| {label:37} | {fmt.format(one):>8} | {fmt.format(two):>9} | {two / one:5.2f}x |")


if __name__ == "__main__":
    main()
