"""Every job checked before any starts: the same preflight as `record`, on the kind of machine it will get.

A headless job is planned against a private Xvfb + PulseAudio of its own screen size (one per size in the
batch, started for the check and stopped after it), so its region, audio source, ffmpeg, scene and build
are checked for real. On a Ray cluster the jobs run elsewhere: only what needs no machine is checked
here; the rest is checked on the node and reported as that job's failure.
"""

from __future__ import annotations

from app.preflight import static_problems
from app.batch.jobs import Job
from app.headless import headless_for
from app.machine import Machine
from app.preflight import validate


def check_jobs(jobs: list[Job], remote: bool = False) -> list[str]:
    """One line per problem, naming its job; empty when every job can start."""
    if remote:
        return [f"{job.label}: {p.message}" for job in jobs for p in static_problems(job.settings)]
    problems: list[str] = []
    by_size: dict[str, list[Job]] = {}
    for job in jobs:
        if job.settings.headless:
            by_size.setdefault(job.settings.screen_size, []).append(job)
        else:
            machine = Machine(platform=job.settings.platform)
            problems.extend(f"{job.label}: {p.message}" for p in validate(job.settings, machine))
    for group in by_size.values():
        statics = {job.index: static_problems(job.settings) for job in group}
        problems.extend(f"{job.label}: {p.message}" for job in group for p in statics[job.index])
        live = [job for job in group if not statics[job.index]]
        if not live:
            continue
        with headless_for(live[0].settings) as servers:
            machine = Machine(env=servers.env(), platform=live[0].settings.platform)
            for job in live:
                problems.extend(f"{job.label}: {p.message}" for p in validate(job.settings, machine))
    return problems
