"""Benchmark: `tdw-recorder batch` with 1 worker vs 2 workers (and, with --ray, on a local Ray head), in one run.

    .venv/bin/python benchmarks/batch_throughput.py --jobs 12 --frames 45 --rounds 1 [--ray]

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

With --ray the same batch also runs as `main.py batch jobs.toml --out DIR --ray 127.0.0.1:PORT` on a Ray head
the benchmark starts once, before the first batch (tests/batch/ray_head.py, as tests/batch/test_batch_ray.py
does: `ray start --head --block` on loopback, 2 CPUs, 2 "display" slots, so at most 2 jobs at once, like 2
workers). Its start-up (spawn -> "Ray runtime started") is reported on its own, outside every batch's wall time;
joining the cluster (`ray.init` in the CLI) is inside it. The order of the three batches rotates per round.
The CLI's RUSAGE_CHILDREN does not see the jobs Ray runs (they are the raylet's descendants), so for Ray
"everything" is the CLI's delta (Ray's driver) + the CPU of Ray's own processes during the batch (GCS, raylet,
agents, workers: every process under the head sampled every 0.2 s, jobs' trees left out; see RayCpu) + the
manifest's cpu_s of every job (the job's worker and its children, measured by the worker itself).
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
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
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


def bare_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "PULSE_SERVER", "XDG_RUNTIME_DIR")}
    env["STANDIN_BUILD_PYTHON"] = sys.executable
    return env


class RayCpu(threading.Thread):
    """CPU of Ray's own processes under the head while a batch runs (the jobs under them left out).

    Ray's workers belong to one driver and die with it, so their children's times are lost at the end: every
    process under the head is sampled every 0.2 s instead (its own user+system), and a job's process tree
    (`app.batch.worker` and what it starts) is left out: the manifest's cpu_s counts that.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.own: dict[int, float] = {}
        self.parent: dict[int, int] = {}
        self.jobs: set[int] = set()
        self.done = threading.Event()
        self.sample()
        self.base = dict(self.own)

    def sample(self) -> None:
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        for proc in procs:
            try:
                times, parent = proc.cpu_times(), proc.ppid()
                if proc.pid not in self.jobs and "app.batch.worker" in " ".join(proc.cmdline()):
                    self.jobs.add(proc.pid)
            except psutil.Error:
                continue
            self.own[proc.pid], self.parent[proc.pid] = times.user + times.system, parent

    def run(self) -> None:
        while not self.done.wait(0.2):
            self.sample()

    def in_a_job(self, pid: int) -> bool:
        while pid in self.parent and pid != self.pid:
            if pid in self.jobs:
                return True
            pid = self.parent[pid]
        return False

    def stop(self) -> float:
        self.done.set()
        self.join()
        self.sample()
        return sum(t - self.base.get(pid, 0.0) for pid, t in self.own.items() if not self.in_a_job(pid))


def run_batch(jobs: Path, out: Path, workers: int, ray: str = "", ray_pid: int | None = None) -> dict:
    how = ["--ray", ray] if ray else ["--workers", str(workers)]
    sampler = RayCpu(ray_pid) if ray_pid is not None else None
    if sampler is not None:
        sampler.start()
    cpu, start = cpu_children(), time.monotonic()
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "batch", str(jobs), "--out", str(out), *how],
                          env=bare_env(), capture_output=True, text=True, timeout=1800)
    wall, cpu = time.monotonic() - start, cpu_children() - cpu
    ray_cpu = sampler.stop() if sampler is not None else 0.0
    entries = json.loads((out / "manifest.json").read_text())["jobs"]
    if done.returncode != 0 or any(e["status"] != "done" for e in entries):
        sys.exit(f"batch ({' '.join(how)}) failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr[-3000:]}")
    n = len(entries)
    if sampler is not None:  # the CLI (Ray's driver) + Ray's processes + the jobs themselves
        cpu += ray_cpu + sum(e["cpu_s"] for e in entries)
    return {"wall": wall, "jobs_min": n / wall * 60, "cpu_job": cpu / n, "ray_cpu_job": ray_cpu / n,
            "worker_cpu": sum(e["cpu_s"] for e in entries) / n, "job_wall": sum(e["wall_s"] for e in entries) / n}


MODES = {1: "1 worker", 2: "2 workers", "ray": "Ray, 2 slots"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=12)
    parser.add_argument("--frames", type=int, default=45)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--ray", action="store_true", help="also run the batch on a local Ray head (2 slots)")
    args = parser.parse_args()
    modes: list = [1, 2, "ray"] if args.ray else [1, 2]
    results: dict = {mode: [] for mode in modes}
    load_before = os.getloadavg()
    head = None
    try:
        if args.ray:
            from tests.batch.ray_head import RayHead

            head = RayHead(bare_env())
            head.start()
            print(f"Ray head up in {head.startup_s:.1f} s at {head.address}", file=sys.stderr)
        with tempfile.TemporaryDirectory(prefix="batch-bench-") as folder:
            jobs = jobs_file(Path(folder), args.jobs, args.frames)
            for r in range(args.rounds):
                shift = r % len(modes)
                for mode in modes[shift:] + modes[:shift]:
                    out = Path(folder) / f"out-{r}-{mode}"
                    if mode == "ray":
                        result = run_batch(jobs, out, 2, head.address, head.proc.pid)
                    else:
                        result = run_batch(jobs, out, mode)
                    results[mode].append(result)
                    print(f"round {r + 1}, {MODES[mode]}: {result['wall']:.1f} s", file=sys.stderr)
    finally:
        left = head.stop() if head is not None else []
        if left:
            print(f"Ray left processes behind (now stopped): {left}", file=sys.stderr)

    def mean(mode, key: str) -> float:
        return sum(x[key] for x in results[mode]) / len(results[mode])

    print(f"{args.jobs} jobs x {args.frames} frames (video-frames, stand-in build, headless per job), "
          f"{args.rounds} round(s); {os.cpu_count()} cores, {platform.python_version()}, "
          f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    if head is not None:
        print(f"Ray head start-up (spawn -> runtime started, once, not in any batch): {head.startup_s:.1f} s")
    ray = "ray" in results
    print("| measure                               | 1 worker | 2 workers | 2 vs 1 |" + (" Ray, 2 slots | Ray vs 2 |" if ray else ""))
    print("|---------------------------------------|----------|-----------|--------|" + ("--------------|----------|" if ray else ""))
    rows = [("batch wall time (s)", "wall", "{:.1f}"), ("jobs per minute", "jobs_min", "{:.1f}"),
            ("CPU per job, everything (s)", "cpu_job", "{:.2f}"), ("CPU per job, manifest cpu_s (s)", "worker_cpu", "{:.2f}"),
            ("wall per job, manifest wall_s (s)", "job_wall", "{:.2f}")]
    for label, key, fmt in rows:
        one, two = mean(1, key), mean(2, key)
        line = f"| {label:37} | {fmt.format(one):>8} | {fmt.format(two):>9} | {two / one:5.2f}x |"
        if ray:
            on_ray = mean("ray", key)
            line += f" {fmt.format(on_ray):>12} | {on_ray / two:7.2f}x |"
        print(line)
    if ray:
        label = "  of which Ray's own processes (s)"
        print(f"| {label:37} | {'-':>8} | {'-':>9} | {'':6} | {mean('ray', 'ray_cpu_job'):12.2f} | {'':8} |")


if __name__ == "__main__":
    main()
