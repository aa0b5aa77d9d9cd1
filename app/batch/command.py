"""`tdw-recorder batch JOBS --out DIR [--workers N] [--retries N] [--ray ADDRESS] [--check]`."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from app.batch.orchestrate import make_pool, prepare, start
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
    if args.workers < 1 or args.retries < 0:
        raise RecorderError("--workers must be 1 or more and --retries 0 or more.")
    jobs_file = Path(args.jobs).expanduser().resolve()
    plan = prepare(jobs_file, expand_folder(args.out), remote=bool(args.ray))
    if plan.problems:
        for line in plan.problems:
            print(f"tdw-recorder: {line}", file=sys.stderr)
        print(f"tdw-recorder: {len(plan.problems_by_job())} job(s) to fix in {jobs_file.name}; nothing was recorded.",
              file=sys.stderr)
        return 2
    if args.check:
        for job in plan.jobs:
            print(f"{job.label}: " + (f"recorded: {plan.manifest.entries[job.name]['file']}"
                                      if job.name in plan.recorded else "to record"))
        return 0
    pool = make_pool(args.ray, args.workers) if plan.todo else make_pool("", 1)  # nothing to send to a cluster
    runner = start(plan, pool, retries=args.retries)
    previous = {sig: signal.signal(sig, lambda _s, _f: runner.request_stop()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        summary = runner.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print(f"{len(summary.done) + len(summary.skipped)} of {summary.total} job(s) recorded"
          f" ({len(summary.skipped)} by an earlier run), {len(summary.failed)} failed"
          + (", stopped before the end" if summary.interrupted else "") + f". Manifest: {plan.out / 'manifest.json'}")
    for label, cause in summary.failed:
        print(f"  {label}: {cause}")
    return summary.exit_code
