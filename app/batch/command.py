"""`tdw-recorder batch JOBS --out DIR [--workers N] [--retries N] [--ray ADDRESS] [--check]`."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from app.batch.jobs import load_jobs
from app.errors import RecorderError
from app.output import expand_folder


def add_parser(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "batch", help="record many jobs from a TOML/JSON file, several at once or on a Ray cluster (resumable)",
        description="Record every [[job]] of a jobs file into one folder, each job on its own headless display "
                    "and sound server. Rerunning the same command resumes: recorded jobs are skipped.")
    parser.add_argument("jobs", help="jobs file: a [defaults] table and [[job]] tables (TOML), or the same in JSON")
    parser.add_argument("--out", required=True, help="output folder: one file per job, manifest.json, manifest.csv")
    parser.add_argument("--workers", type=int, default=1, help="jobs recorded at once on this machine (default 1)")
    parser.add_argument("--retries", type=int, default=2, help="times a failed job is tried again (default 2)")
    parser.add_argument("--ray", default="", metavar="ADDRESS",
                        help="run the jobs on a Ray cluster (host:port, ray://host:10001, or auto); see docs/cluster.md")
    parser.add_argument("--check", action="store_true", help="check every job and say what would run; record nothing")
    return parser


def run(args: argparse.Namespace) -> int:
    from app.batch.checks import check_jobs
    from app.batch.manifest import Manifest
    from app.batch.runner import BatchRunner
    from app.ffmpeg.locate import find_ffmpeg

    if args.workers < 1 or args.retries < 0:
        raise RecorderError("--workers must be 1 or more and --retries 0 or more.")
    jobs_file = Path(args.jobs).expanduser().resolve()
    out = expand_folder(args.out)
    jobs, problems = load_jobs(jobs_file, out)
    ffmpeg = find_ffmpeg(None).path
    manifest = Manifest.load(out, str(jobs_file))
    manifest.harvest(jobs)
    recorded = {job.name for job in jobs if manifest.complete(job, ffmpeg)}
    todo = [job for job in jobs if job.name not in recorded]
    problems = sorted(problems + check_jobs(todo, remote=bool(args.ray)), key=_job_number)
    if problems:
        for line in problems:
            print(f"tdw-recorder: {line}", file=sys.stderr)
        print(f"tdw-recorder: {len({p.split(':')[0] for p in problems})} job(s) to fix in {jobs_file.name}; nothing was recorded.",
              file=sys.stderr)
        return 2
    if args.check:
        for job in jobs:
            print(f"{job.label}: " + (f"recorded: {manifest.entries[job.name]['file']}" if job.name in recorded else "to record"))
        return 0
    out.mkdir(parents=True, exist_ok=True)
    pool = make_pool(args.ray, args.workers) if todo else make_pool("", 1)  # nothing to send to a cluster
    runner = BatchRunner(jobs, out, pool, ffmpeg=ffmpeg, retries=args.retries, manifest=manifest, recorded=recorded)
    previous = {sig: signal.signal(sig, lambda _s, _f: runner.request_stop()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        summary = runner.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print(f"{len(summary.done) + len(summary.skipped)} of {summary.total} job(s) recorded"
          f" ({len(summary.skipped)} by an earlier run), {len(summary.failed)} failed"
          + (", stopped before the end" if summary.interrupted else "") + f". Manifest: {out / 'manifest.json'}")
    for label, cause in summary.failed:
        print(f"  {label}: {cause}")
    return summary.exit_code


def _job_number(line: str) -> int:
    words = line.split()
    return int(words[1]) if words[0] == "job" and words[1].isdigit() else 0


def make_pool(ray: str, workers: int):
    """Ray's workers when given a cluster address (joining it may take seconds), else `workers` on this machine."""
    if ray:
        from app.batch.ray_pool import RayPool

        return RayPool(ray)
    from app.batch.local import LocalPool

    return LocalPool(workers)
