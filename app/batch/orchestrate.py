"""One batch, start to end, for every front end: read and check the jobs, skip what is recorded, run the rest.

`tdw-recorder batch` and the window's Batch tab both call `prepare` then `start`, so what counts as
recorded, which jobs are checked and which pool runs them is decided here once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from app.batch.jobs import Job, load_jobs
from app.batch.manifest import Manifest

if TYPE_CHECKING:
    from app.batch.runner import BatchRunner

_JOB = re.compile(r"^job (\d+) \(")


@dataclass
class BatchPlan:
    """What a run of one jobs file into one folder will do."""

    jobs_file: Path
    out: Path
    jobs: list[Job]
    manifest: Manifest
    ffmpeg: str
    recorded: set[str] = field(default_factory=set)  # names the manifest lists as complete, file intact
    problems: list[str] = field(default_factory=list)  # "job N (name): ..." or about the file as a whole

    @property
    def todo(self) -> list[Job]:
        return [job for job in self.jobs if job.name not in self.recorded]

    def problems_by_job(self) -> dict[int, list[str]]:
        """Problems keyed by job number (1-based, as written in the file); 0 for the file as a whole."""
        grouped: dict[int, list[str]] = {}
        for line in self.problems:
            match = _JOB.match(line)
            grouped.setdefault(int(match.group(1)) if match else 0, []).append(line)
        return grouped


def prepare(jobs_file: Path, out: Path, *, remote: bool = False, ffmpeg: str | None = None) -> BatchPlan:
    """Read the jobs, take in what an earlier run recorded, and check the jobs still to record.

    `remote`: the jobs run on a Ray cluster, so only what needs no machine is checked here
    (checking starts a headless display for a moment otherwise)."""
    from app.batch.checks import check_jobs
    from app.ffmpeg.locate import find_ffmpeg

    jobs, problems = load_jobs(jobs_file, out)
    binary = ffmpeg or find_ffmpeg(None).path
    manifest = Manifest.load(out, str(jobs_file))
    manifest.harvest(jobs)
    plan = BatchPlan(jobs_file, out, jobs, manifest, binary,
                     recorded={job.name for job in jobs if manifest.complete(job, binary)})
    plan.problems = sorted(problems + check_jobs(plan.todo, remote=remote), key=_job_number)
    return plan


def start(plan: BatchPlan, pool, *, retries: int = 2, recheck: bool = False, **runner_options) -> BatchRunner:
    """A runner for the plan's jobs on `pool`; `run()` it (blocking) and `request_stop()` it from anywhere.

    `recheck`: the plan was made a while ago (a window's Batch tab), so the runner reads the manifest
    again when it starts, in case another run recorded jobs meanwhile."""
    from app.batch.runner import BatchRunner

    plan.out.mkdir(parents=True, exist_ok=True)
    if recheck:
        return BatchRunner(plan.jobs, plan.out, pool, ffmpeg=plan.ffmpeg, retries=retries,
                           jobs_file=str(plan.jobs_file), **runner_options)
    return BatchRunner(plan.jobs, plan.out, pool, ffmpeg=plan.ffmpeg, retries=retries, jobs_file=str(plan.jobs_file),
                       manifest=plan.manifest, recorded=set(plan.recorded), **runner_options)


def make_pool(ray: str, workers: int):
    """Ray's workers when given a cluster address (joining it may take seconds), else `workers` on this machine."""
    if ray:
        from app.batch.ray_pool import RayPool

        return RayPool(ray)
    from app.batch.local import LocalPool

    return LocalPool(workers)


PoolFactory = Callable[[str, int], object]


def _job_number(line: str) -> int:
    match = _JOB.match(line)
    return int(match.group(1)) if match else 0

