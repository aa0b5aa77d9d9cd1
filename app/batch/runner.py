"""Drive a batch on a pool (this machine or Ray): skip what is recorded, run the rest, retry, keep the manifest.

Resuming is the same call: jobs whose output the manifest lists as complete (and whose file is intact) are
skipped, the others run again, each up to 1 + `retries` times per run. A job's file name is its name, so
a finished recording is found again and never re-recorded; the engine's naming never overwrites one.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from app.batch.jobs import Job
from app.batch.lock import FolderLock
from app.batch.manifest import Manifest
from app.batch.progress import Progress, Running, Snapshot, eta_s, live_line
from app.batch.state import JobFiles, move_aside, read_json
from app.errors import RecorderError


class Pool(Protocol):
    capacity: int

    def where(self) -> str: ...
    def submit(self, spec: dict) -> None: ...
    def running(self) -> list[dict]: ...
    def poll(self) -> list[dict]: ...
    def interrupt(self) -> list[dict]: ...
    def close(self) -> None: ...


@dataclass
class Summary:
    total: int
    done: list[str] = field(default_factory=list)  # recorded in this run
    skipped: list[str] = field(default_factory=list)  # already recorded by an earlier run
    failed: list[tuple[str, str]] = field(default_factory=list)  # (job label, cause)
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        return 130 if self.interrupted else 1 if self.failed else 0


class BatchRunner:
    def __init__(self, jobs: list[Job], out: Path, pool: Pool, *, ffmpeg: str, retries: int = 2, jobs_file: str = "",
                 progress: Progress | None = None, poll_s: float = 0.25, manifest: Manifest | None = None,
                 recorded: set[str] | None = None, on_snapshot: Callable[[Snapshot], None] | None = None) -> None:
        self.jobs = jobs
        self.by_name = {job.name: job for job in jobs}
        self.out = out
        self.pool = pool
        self.ffmpeg = ffmpeg
        self.retries = retries
        self.progress = progress or Progress()
        self.poll_s = poll_s
        self.on_snapshot = on_snapshot  # structured progress (a GUI's table); `progress` gets the same as text
        self.manifest = manifest or Manifest.load(out, jobs_file)
        self._recorded = recorded  # names already known complete (the caller checked the manifest)
        self._stop = threading.Event()
        self._attempts: dict[str, int] = {}
        self._started: dict[str, float] = {}
        self._walls: list[float] = []

    def request_stop(self) -> None:
        """Stop the batch: running jobs stop cleanly and are recorded as interrupted. Safe from a signal handler."""
        self._stop.set()

    def run(self) -> Summary:
        """Run the batch, holding the output folder against a second runner (refused: RecorderError)."""
        lock = FolderLock(self.out)
        try:
            lock.__enter__()
        except RecorderError:
            self.pool.close()
            raise
        try:
            return self._run()
        finally:
            lock.__exit__()

    def _run(self) -> Summary:
        summary = Summary(len(self.jobs))
        if self._recorded is None:
            self.manifest.harvest(self.jobs)
            self._recorded = {job.name for job in self.jobs if self.manifest.complete(job, self.ffmpeg)}
        queue: deque[Job] = deque()
        for job in self.jobs:
            if job.name in self._recorded:
                summary.skipped.append(job.name)
            else:
                self.manifest.mark(job, "pending")
                queue.append(job)
        self.manifest.save(self.jobs)
        if summary.skipped:
            self.progress.event(f"{len(summary.skipped)} of {len(self.jobs)} job(s) already recorded, skipped: "
                                + ", ".join(summary.skipped))
        if queue:
            self.progress.event(f"Recording {len(queue)} job(s) on {self.pool.where()} into {self.out}")
        try:
            while queue or self.pool.running():
                if self._stop.is_set():
                    summary.interrupted = True
                    self.progress.event("Stopping: the running jobs finish what they recorded...")
                    for result in self.pool.interrupt():
                        self._ended(result, queue, summary)
                    break
                while queue and len(self.pool.running()) < self.pool.capacity:
                    self._submit(queue.popleft())
                for result in self.pool.poll():
                    self._ended(result, queue, summary)
                self._show(len(queue))
                self._stop.wait(self.poll_s)
        finally:
            self.progress.finish()
            self.pool.close()
            self.manifest.save(self.jobs)
        return summary

    def _submit(self, job: Job) -> None:
        files = JobFiles(self.out, job.name)
        for leftover in files.leftovers():  # a crashed attempt's live file: kept, out of the way
            move_aside(leftover, self.out)
        files.status.unlink(missing_ok=True)
        self._attempts[job.name] = attempt = self._attempts.get(job.name, 0) + 1
        self._started[job.name] = time.monotonic()
        spec = {"name": job.name, "index": job.index, "attempt": attempt, "fingerprint": job.fingerprint,
                "out": str(self.out), "settings": job.settings.to_dict()}
        self.pool.submit(spec)
        self.manifest.mark(job, "running")
        self.manifest.save(self.jobs)

    def _ended(self, result: dict, queue: deque, summary: Summary) -> None:
        job = self.by_name[result["name"]]
        entry = self.manifest.record(result)
        if result.get("wall_s"):
            self._walls.append(float(result["wall_s"]))
        status, cause = entry["status"], entry.get("error") or "no cause given"
        if status == "done":
            summary.done.append(job.name)
            self.progress.event(f"{job.label}: done in {result.get('wall_s') or 0:.1f} s -> {entry['file']} "
                                f"({entry['frames']} frames, {entry['dropped']} dropped)")
        elif status == "failed" and result.get("retry", True) and self._attempts[job.name] <= self.retries \
                and not self._stop.is_set():
            self.progress.event(f"{job.label}: failed: {cause} Retrying ({self._attempts[job.name]} of {self.retries}).")
            queue.append(job)
        elif status == "failed":
            summary.failed.append((job.label, cause))
            self.progress.event(f"{job.label}: FAILED: {cause}")
        else:
            self.progress.event(f"{job.label}: {status}" + (f" ({entry['file']} kept)" if entry.get("file") else ""))
        self.manifest.save(self.jobs)

    def _show(self, queued: int) -> None:
        running, elapsed = [], []
        for spec in self.pool.running():
            status = read_json(JobFiles(self.out, spec["name"]).status) or {}
            running.append(Running(spec["name"], str(status.get("state", "starting")), int(status.get("frames") or 0),
                                   float(status.get("fps") or 0.0)))
            elapsed.append(time.monotonic() - self._started.get(spec["name"], time.monotonic()))
        counts = self.manifest.counts(self.jobs)
        eta = eta_s(queued, elapsed, self._walls, self.pool.capacity)
        self.progress.live(live_line(len(self.jobs), counts.get("done", 0), counts.get("failed", 0), running, eta))
        if self.on_snapshot is not None:
            self.on_snapshot(Snapshot(len(self.jobs), counts, tuple(running), eta))
