"""`tdw-recorder batch JOBS --out DIR [--workers N] [--retries N] [--ray ADDRESS] [--check]`."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

from app.batch.jobs import MAX_RETRIES, MAX_WORKERS
from app.batch.orchestrate import make_pool, prepare, start
from app.errors import RecorderError
from app.output import expand_folder
from app.signals import EndingSignals, Interrupted, describe, detach_from_terminal, say_on

STILL_STOPPING = ("Still stopping: the running jobs finish what they recorded (a few seconds); press Ctrl+C again "
                  "within 2 s to stop them now (their unfinished files go to partial/, for `tdw-recorder recover`).")
STOPPING_NOW = "Stopping the running jobs now: their crash-safe files go to partial/, for `tdw-recorder recover`."


class _Ending:
    """The signal policy (app.signals) for a batch: SIGINT, SIGTERM and SIGHUP before the jobs run unwind;
    then the first stops the batch (each running job stops cleanly and is marked in the manifest), and
    every later one is passed on to the running jobs, whose workers follow the same policy."""

    def __init__(self) -> None:
        self.runner: Any = None  # a BatchRunner once the jobs run
        self.pool: Any = None
        self.policy = EndingSignals(self._stop, say_on(), still=STILL_STOPPING, stopping_now=STOPPING_NOW)
        self.policy.again = self._pass_on

    def _stop(self, signum: int) -> None:
        if signum == signal.SIGHUP:
            detach_from_terminal()
        if self.runner is None:
            raise Interrupted(signum)
        say_on()(f"{describe(signum)}: stopping the batch; the running jobs finish what they recorded.")
        self.runner.request_stop()

    def _pass_on(self, _signum: int) -> None:
        forward = getattr(self.pool, "forward", None)
        if forward is not None:
            forward(signal.SIGTERM)


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
    if not 1 <= args.workers <= MAX_WORKERS or not 0 <= args.retries <= MAX_RETRIES:
        raise RecorderError(f"--workers must be between 1 and {MAX_WORKERS} and --retries between 0 and {MAX_RETRIES}.")
    ending = _Ending()
    restore = ending.policy.install()
    try:
        return _run(args, ending)
    finally:
        restore()


def _run(args: argparse.Namespace, ending: _Ending) -> int:
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
    ending.pool, ending.runner = pool, runner
    summary = runner.run()
    try:
        print(f"{len(summary.done) + len(summary.skipped)} of {summary.total} job(s) recorded"
              f" ({len(summary.skipped)} by an earlier run), {len(summary.failed)} failed"
              + (", stopped before the end" if summary.interrupted else "") + f". Manifest: {plan.out / 'manifest.json'}")
        for label, cause in summary.failed:
            print(f"  {label}: {cause}")
    except OSError:  # the terminal was closed (SIGHUP): the manifest says it all
        pass
    return summary.exit_code
