"""The jobs file, the manifest's idea of "complete", and the progress line: no recording needed."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest

from app.batch.jobs import load_jobs
from app.batch.manifest import Manifest
from app.batch.progress import Progress, Running, eta_s, live_line
from app.batch.state import JobFiles, move_aside, sha256_of
from app.output import reserve
from app.errors import RecorderError


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_defaults_and_jobs_become_the_same_settings_as_record(tmp_path):
    path = write(tmp_path, "jobs.toml", """
[defaults]
mode = "video-frames"
scene = "scenes/walk.py"
fps = 24
"screen-size" = "640x360"

[[job]]
name = "walk slow"
args = ["--speed", 1]

[[job]]
mode = "video"
audio = "default"
duration = 5
no-finalise = true
args = "--speed 2 --label 'two words'"
""")
    jobs, problems = load_jobs(path, tmp_path / "out")
    assert problems == []
    first, second = jobs
    assert (first.index, first.name, second.name) == (1, "walk slow", "job-002")
    s = first.settings
    assert (s.mode, s.fps, s.screen_size, s.scene_args, s.headless) == ("video-frames", 24.0, "640x360", ["--speed", "1"], True)
    assert s.scene == str(tmp_path / "scenes" / "walk.py")  # relative to the jobs file
    assert (s.output_dir, s.name_pattern) == (str(tmp_path / "out"), "walk slow")
    s = second.settings
    assert (s.mode, s.audio, s.fps, s.duration, s.finalise) == ("av", "default", 24.0, 5.0, False)  # as `record` maps it
    assert s.scene_args == ["--speed", "2", "--label", "two words"] and s.region == "tdw"
    assert first.fingerprint != second.fingerprint


def test_json_with_the_same_shape_works_and_names_are_literal(tmp_path):
    path = write(tmp_path, "jobs.json", json.dumps(
        {"defaults": {"scene": "demo:moving_object", "mode": "video-frames"}, "job": [{"name": "100%"}, {"headless": False}]}))
    jobs, problems = load_jobs(path, tmp_path)
    assert problems == [] and jobs[0].settings.name_pattern == "100%%" and jobs[1].settings.headless is False
    assert jobs[0].settings.scene == "demo:moving_object"


@pytest.mark.parametrize("job, words", [
    ('fps = "fast"', "job 1 (job-001): `fps` must be a number, not 'fast'."),
    ("crf = 18.5", "job 1 (job-001): `crf` must be a whole number, not 18.5."),
    ('mode = "movie"', "job 1 (job-001): `mode` is 'movie': use one of video, video-screen, video-frames, av, audio."),
    ("headless = 1", "job 1 (job-001): `headless` must be true or false, not 1."),
    ('colour = "red"', "job 1 (job-001): unknown key `colour`"),
    ('out = "x"', "job 1 (job-001): `out` is the batch's own --out"),
    ('name = "../up"', "job 1 (../up): the name '../up' must be a plain file name"),
    ("args = [[1]]", "job 1 (job-001): `args` must be a list of arguments"),
])
def test_each_bad_job_is_one_line_naming_it(tmp_path, job, words):
    jobs, problems = load_jobs(write(tmp_path, "jobs.toml", f"[[job]]\n{job}\n"), tmp_path)
    assert jobs == [] and len(problems) == 1 and problems[0].startswith(words), problems


def test_duplicate_names_and_unreadable_files(tmp_path):
    _, problems = load_jobs(write(tmp_path, "jobs.toml", '[[job]]\nname = "a"\n[[job]]\nname = "a"\n'), tmp_path)
    assert problems == ["job 2 (a): the name 'a' is already job 1's: names must be unique."]
    for text, words in [("[[job]\n", "not valid TOML"), ("[defaults]\n", "has no [[job]]"), ("[jobz]\n", "unknown tables")]:
        with pytest.raises(RecorderError, match=words.replace("[", r"\[")):
            load_jobs(write(tmp_path, "bad.toml", text), tmp_path)
    with pytest.raises(RecorderError, match="not valid JSON"):
        load_jobs(write(tmp_path, "bad.json", "{"), tmp_path)


def make_clip(path: Path) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-t", "1", "-pix_fmt",
                    "yuv420p", str(path)], check=True)


def test_complete_means_same_job_same_bytes_and_readable(tmp_path):
    jobs, _ = load_jobs(write(tmp_path, "jobs.toml", '[[job]]\nname = "a"\nscene = "demo:moving_object"\n'), tmp_path)
    job = jobs[0]
    clip = tmp_path / "a.mp4"
    make_clip(clip)
    manifest = Manifest(tmp_path)
    manifest.record({"name": "a", "index": 1, "status": "done", "file": "a.mp4", "size_bytes": clip.stat().st_size,
                     "sha256": sha256_of(clip), "fingerprint": job.fingerprint, "finished_at": "2026-01-01T00:00:00"})
    assert manifest.complete(job, "ffmpeg")
    manifest.save(jobs)
    assert Manifest.load(tmp_path).complete(job, "ffmpeg")  # through manifest.json
    changed, _ = load_jobs(write(tmp_path, "jobs.toml", '[[job]]\nname = "a"\nscene = "demo:moving_object"\nfps = 60\n'), tmp_path)
    assert not manifest.complete(changed[0], "ffmpeg")  # the job's line changed: record it again
    data = bytearray(clip.read_bytes())
    data[-100] ^= 0xFF
    clip.write_bytes(bytes(data))
    assert not manifest.complete(job, "ffmpeg")  # same size, other bytes
    clip.unlink()
    assert not manifest.complete(job, "ffmpeg")


def test_a_result_written_after_the_runner_died_is_taken_in(tmp_path):
    jobs, _ = load_jobs(write(tmp_path, "jobs.toml", '[[job]]\nname = "a"\nscene = "demo:moving_object"\n'), tmp_path)
    manifest = Manifest(tmp_path)
    manifest.mark(jobs[0], "running")
    files = JobFiles(tmp_path, "a")
    files.state.mkdir()
    files.result.write_text(json.dumps({"name": "a", "index": 1, "status": "interrupted", "finished_at": "2026-01-01T00:00:01"}))
    manifest.harvest(jobs)
    assert manifest.entries["a"]["status"] == "interrupted" and manifest.entries["a"]["attempts"] == 1
    manifest.harvest(jobs)  # the same result is not counted twice
    assert manifest.entries["a"]["attempts"] == 1


def test_leftovers_move_aside_and_never_over_another_file(tmp_path):
    for base in ("a", "a[1]", "ab"):  # made by the recorder (marked as ours)
        reserve(tmp_path, base, "mkv", "mp4").recording.write_text(f"{base}.recording.mkv")
    assert [p.name for p in JobFiles(tmp_path, "a").leftovers()] == ["a.recording.mkv"]
    assert [p.name for p in JobFiles(tmp_path, "a[1]").leftovers()] == ["a[1].recording.mkv"]
    first = move_aside(tmp_path / "a.recording.mkv", tmp_path)
    (tmp_path / "a.recording.mkv").write_text("again")
    second = move_aside(tmp_path / "a.recording.mkv", tmp_path)
    assert (first.name, second.name) == ("a.recording.mkv", "a.recording-1.mkv") and first.read_text() == "a.recording.mkv"


def test_progress_line_and_eta():
    assert eta_s(4, [], [], 2) is None
    assert eta_s(4, [2.0, 8.0], [10.0, 10.0], 2) == pytest.approx((40 + 8 + 2) / 2)
    line = live_line(6, 2, 1, [Running("clip-3", "recording", 40, 29.6), Running("clip-4", "starting", 0, 0)], 75)
    assert line == "[batch] 2/6 done, 1 failed, 2 running: clip-3 30 fps 40 fr, clip-4 starting | ETA 1:15"
    stream, now = io.StringIO(), [0.0]
    progress = Progress(stream, every_s=10, clock=lambda: now[0])
    progress.live("a")
    now[0] = 5
    progress.live("b")  # not a terminal: at most one live line per 10 s
    progress.event("job 1 (x): done")
    assert stream.getvalue() == "a\njob 1 (x): done\n"


class ScriptedPool:
    """A pool whose attempts end at once with scripted outcomes (name -> statuses, one per attempt)."""

    capacity = 2

    def __init__(self, outcomes: dict[str, list[str]]) -> None:
        self.outcomes = outcomes
        self.submitted: list[tuple[str, int]] = []
        self._running: list[dict] = []

    def where(self) -> str:
        return "a script"

    def submit(self, spec: dict) -> None:
        self.submitted.append((spec["name"], spec["attempt"]))
        self._running.append(spec)

    def running(self) -> list[dict]:
        return list(self._running)

    def poll(self) -> list[dict]:
        ended, self._running = self._running, []
        return [{"name": s["name"], "index": s["index"], "attempt": s["attempt"], "fingerprint": s["fingerprint"],
                 "status": self.outcomes[s["name"]][s["attempt"] - 1], "error": "boom.", "wall_s": 1.0,
                 "retry": True, "finished_at": f"2026-01-01T00:00:0{s['attempt']}"} for s in ended]

    def interrupt(self) -> list[dict]:
        return []

    def close(self) -> None:
        pass


def test_runner_retries_up_to_the_limit_and_reports_snapshots(tmp_path):
    from app.batch.runner import BatchRunner

    jobs, _ = load_jobs(write(tmp_path, "jobs.toml", '[defaults]\nscene = "demo:moving_object"\n'
                              '[[job]]\nname = "ok"\n[[job]]\nname = "flaky"\n[[job]]\nname = "broken"\n'), tmp_path)
    pool = ScriptedPool({"ok": ["done"], "flaky": ["failed", "done"], "broken": ["failed", "failed", "failed"]})
    snapshots, stream = [], io.StringIO()
    runner = BatchRunner(jobs, tmp_path, pool, ffmpeg="ffmpeg", retries=2, progress=Progress(stream),
                         poll_s=0, on_snapshot=snapshots.append)
    summary = runner.run()
    assert sorted(summary.done) == ["flaky", "ok"] and summary.failed == [("job 3 (broken)", "boom.")]
    assert summary.exit_code == 1
    assert sorted(pool.submitted) == [("broken", 1), ("broken", 2), ("broken", 3), ("flaky", 1), ("flaky", 2), ("ok", 1)]
    saved = {e["name"]: e for e in json.loads((tmp_path / "manifest.json").read_text())["jobs"]}
    assert (saved["flaky"]["status"], saved["flaky"]["attempts"]) == ("done", 2)
    assert (saved["broken"]["status"], saved["broken"]["attempts"]) == ("failed", 3)
    assert snapshots and snapshots[0].total == 3 and snapshots[-1].counts == {"done": 2, "failed": 1}
    assert "job 2 (flaky): failed: boom. Retrying (1 of 2)." in stream.getvalue()
