"""`manifest.json` and `manifest.csv` in the output folder: every job's output and figures, or its cause.

The runner rewrites both (atomically) after every job that ends. On a rerun the manifest, plus any
result a worker wrote after the runner died, says which jobs are complete: an entry counts only if its
file is still there with the same size and sha256, ffmpeg still reads it, and the job's line is unchanged.
"""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Iterable

from app.batch.jobs import Job
from app.batch.state import JobFiles, read_json, replace_with_text, sha256_of, write_json
from app.ffmpeg.inspect import media_info

COLUMNS = ["index", "name", "status", "file", "duration_s", "frames", "dropped", "duplicated", "av_offset_ms",
           "size_bytes", "sha256", "finalised", "attempts", "wall_s", "cpu_s", "host", "started_at", "finished_at",
           "error", "fingerprint"]
JSON_NAME, CSV_NAME = "manifest.json", "manifest.csv"


class Manifest:
    def __init__(self, out: Path, jobs_file: str = "") -> None:
        self.out = out
        self.jobs_file = jobs_file
        self.entries: dict[str, dict] = {}

    @classmethod
    def load(cls, out: Path, jobs_file: str = "") -> "Manifest":
        manifest = cls(out, jobs_file)
        data = read_json(out / JSON_NAME) or {}
        for entry in data.get("jobs", []) if isinstance(data, dict) else []:
            if isinstance(entry, dict) and entry.get("name"):
                manifest.entries[str(entry["name"])] = entry
        return manifest

    def harvest(self, jobs: Iterable[Job]) -> None:
        """Take in results that workers wrote after the last manifest (the runner died, or was killed)."""
        for job in jobs:
            result = read_json(JobFiles(self.out, job.name).result)
            entry = self.entries.get(job.name)
            if isinstance(result, dict) and (entry is None or (result.get("finished_at") or "") > (entry.get("finished_at") or "")):
                self.record(result)

    def record(self, result: dict) -> dict:
        """One attempt's result becomes its job's entry (counting the attempt)."""
        previous = self.entries.get(result["name"], {})
        entry = {key: result.get(key) for key in COLUMNS if key != "attempts"}
        entry["files"] = result.get("files") or []  # every file with its tracks (manifest.json only)
        entry["attempts"] = int(previous.get("attempts") or 0) + 1
        self.entries[result["name"]] = entry
        return entry

    def mark(self, job: Job, status: str) -> None:
        entry = self.entries.setdefault(job.name, {key: None for key in COLUMNS} | {"attempts": 0})
        entry.update(index=job.index, name=job.name, status=status, fingerprint=job.fingerprint)

    def complete(self, job: Job, ffmpeg: str) -> bool:
        """Whether the job's finished output is here, intact and readable (then a rerun skips it)."""
        entry = self.entries.get(job.name)
        if not entry or entry.get("status") != "done" or entry.get("fingerprint") != job.fingerprint:
            return False
        path = self.out / str(entry.get("file") or "")
        try:
            if not path.is_file() or path.stat().st_size != entry.get("size_bytes"):
                return False
        except OSError:
            return False
        if sha256_of(path) != entry.get("sha256") or not media_info(ffmpeg, str(path)).streams:
            return False
        return all(_intact(self.out / str(f.get("file") or ""), f) for f in entry.get("files") or [])

    def counts(self, jobs: Iterable[Job]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for job in jobs:
            status = (self.entries.get(job.name) or {}).get("status") or "pending"
            counts[status] = counts.get(status, 0) + 1
        return counts

    def save(self, jobs: list[Job]) -> None:
        """Both files, in the jobs file's order (entries of jobs no longer in the file are kept, at the end)."""
        names = [job.name for job in jobs if job.name in self.entries]
        rows = [self.entries[n] for n in names] + [e for n, e in self.entries.items() if n not in set(names)]
        write_json(self.out / JSON_NAME, {
            "jobs_file": self.jobs_file, "out": str(self.out), "updated": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "counts": self.counts(jobs), "jobs": rows,
        })
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in COLUMNS})
        replace_with_text(self.out / CSV_NAME, text.getvalue())


def _intact(path: Path, listed: dict) -> bool:
    """One more file of a job (a dataset's other cameras, its NAME.frames.jsonl) as the manifest lists it."""
    try:
        return path.is_file() and path.stat().st_size == listed.get("size_bytes") and sha256_of(path) == listed.get("sha256")
    except OSError:
        return False
