"""Real batches through the CLI: stand-in build, demo scenes, each job on its own Xvfb + PulseAudio."""

from __future__ import annotations

import csv
import hashlib
import signal
import subprocess
import time

import psutil

from tests.batch.conftest import (FRAMES, ROOT, SCENES, Watcher, bare_env, batch_cmd, entries, jobs_toml, left_alive,
                                  manifest, run_batch)
from tests.support.media import probe, stream

SERVERS = {"Xvfb", "pulseaudio", "ffmpeg"}


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_six_jobs_two_at_a_time_give_six_outputs_and_a_manifest(six_job_batch):
    out, done = six_job_batch["out"], six_job_batch["done"]
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "6 of 6 job(s) recorded" in done.stdout
    assert sorted(p.name for p in out.glob("*.mp4")) == [f"clip-{n}.mp4" for n in range(1, 7)]  # named by job
    assert not (out / "partial").exists()
    jobs = entries(out)
    for n, frames in enumerate(FRAMES, start=1):
        entry = jobs[f"clip-{n}"]
        path = out / entry["file"]
        assert entry["status"] == "done" and entry["error"] is None and entry["attempts"] == 1
        assert entry["frames"] == frames + 1  # the scene's frames, plus the set-up frame's image
        assert entry["size_bytes"] == path.stat().st_size and entry["sha256"] == sha256(path)
        assert abs(entry["duration_s"] - (frames + 1) / 30) < 0.1 and entry["av_offset_ms"] is None
        assert int(stream(probe(path), "video")["nb_read_frames"]) == frames + 1
        assert entry["cpu_s"] > 0 and entry["wall_s"] > 0
    rows = list(csv.DictReader((out / "manifest.csv").open()))
    assert [r["name"] for r in rows] == [f"clip-{n}" for n in range(1, 7)]
    assert rows[0]["sha256"] == jobs["clip-1"]["sha256"] and rows[0]["status"] == "done"
    # each job had its own display and sound server (plus one pair to check the jobs before starting)
    watcher = six_job_batch["watcher"]
    assert watcher.started("Xvfb") == 1 + 6 and watcher.started("pulseaudio") == 1 + 6
    assert "job 6 (clip-6): done" in done.stderr and "[batch]" in done.stderr


def test_a_finished_batch_reruns_as_nothing_to_do(six_job_batch):
    out = six_job_batch["out"]
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.mp4")}
    again, watcher = run_batch(six_job_batch["jobs"], out, "--workers", "2")
    assert again.returncode == 0 and "6 of 6 job(s) already recorded" in again.stderr
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.mp4")} == before
    assert watcher.started("Xvfb") == 0  # nothing was started, not even the check
    check = subprocess.run(batch_cmd(six_job_batch["jobs"], out, "--check"), env=bare_env(), cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0 and "job 1 (clip-1): recorded: clip-1.mp4" in check.stdout


def test_killed_runner_resumes_with_only_the_missing_jobs(tmp_path):
    jobs, out = jobs_toml(tmp_path), tmp_path / "out"
    proc = subprocess.Popen(batch_cmd(jobs, out, "--workers", "2"), env=bare_env(), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    watcher = Watcher(proc.pid)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if (out / "manifest.json").exists() and sum(e["status"] == "done" for e in manifest(out)["jobs"]) >= 2:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)  # halfway: 2 done, 2 recording, 2 waiting
    proc.wait(10)
    seen = watcher.stop()
    assert left_alive(seen) == []  # the kernel told each worker; each stopped its build, ffmpeg and servers
    finished = {p.name: (p.stat().st_mtime_ns, sha256(p)) for p in out.glob("*.mp4")}
    assert len(finished) >= 2
    recorded_at = {n: e["finished_at"] for n, e in entries(out).items() if e["status"] == "done"}

    resumed, watcher = run_batch(jobs, out, "--workers", "2")
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(finished)} of 6 job(s) already recorded" in resumed.stderr
    assert watcher.started("Xvfb") == 1 + 6 - len(finished)  # the check, then only the missing jobs
    for name, (mtime, digest) in finished.items():  # the finished ones were not re-recorded
        path = out / name
        assert (path.stat().st_mtime_ns, sha256(path)) == (mtime, digest)
    jobs_now = entries(out)
    assert all(e["status"] == "done" for e in jobs_now.values()) and len(jobs_now) == 6
    assert all(jobs_now[n]["finished_at"] == t for n, t in recorded_at.items())
    assert sorted(p.name for p in out.glob("*.mp4")) == [f"clip-{n}.mp4" for n in range(1, 7)]  # no -1 copies
    for entry in jobs_now.values():
        assert entry["sha256"] == sha256(out / entry["file"])


def test_a_failing_script_is_reported_with_its_cause_and_the_rest_finish(tmp_path):
    jobs = jobs_toml(tmp_path, frames=[30, 40], extra=(
        f'\n[[job]]\nname = "broken"\nscene = "{SCENES / "crashing_scene.py"}"\n'))
    out = tmp_path / "out"
    done, _ = run_batch(jobs, out, "--workers", "2", "--retries", "1")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    found = entries(out)
    assert found["clip-1"]["status"] == found["clip-2"]["status"] == "done"
    broken = found["broken"]
    assert broken["status"] == "failed" and broken["attempts"] == 2  # tried again once (--retries 1)
    assert broken["error"].startswith("The scene script failed at crashing_scene.py line 10: KeyError")
    assert "\n" not in broken["error"] and f"kept in {broken['file']}" in broken["error"]
    assert broken["file"].startswith("partial/") and (out / broken["file"]).exists()
    assert sorted(p.name for p in out.glob("*.mp4")) == ["clip-1.mp4", "clip-2.mp4"]  # only complete ones here
    assert "job 3 (broken): The scene script failed" in done.stdout
    assert "job 3 (broken): failed:" in done.stderr and "Retrying (1 of 1)" in done.stderr


def test_bad_jobs_are_refused_before_anything_starts(tmp_path):
    jobs = jobs_toml(tmp_path, frames=[30], extra=(
        '\n[[job]]\nname = "two"\nfps = "fast"\n\n[[job]]\nname = "three"\nscene = "missing.py"\n'
        '\n[[job]]\nname = "four"\nregion = "10,10,321x240"\nmode = "video"\n'))
    done = subprocess.run(batch_cmd(jobs, tmp_path / "out"), env=bare_env(), cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("tdw-recorder: job 2 (two): `fps` must be a number")
    assert lines[1].startswith("tdw-recorder: job 3 (three): Scene script") and "does not exist" in lines[1]
    assert lines[2].startswith("tdw-recorder: job 4 (four): Region size 321x240 is odd")
    assert "nothing was recorded" in lines[-1]
    assert not (tmp_path / "out").exists()


def test_no_process_of_the_batch_outlives_it(six_job_batch):
    seen = six_job_batch["watcher"].seen
    assert SERVERS <= set(seen.values())
    assert left_alive(seen, timeout=1) == []
    assert not [p for p in psutil.process_iter(["name"]) if p.info["name"] == "Xvfb" and p.pid in seen]


def test_job_names_that_another_jobs_output_could_take_are_refused_in_one_line(tmp_path):
    """Job `x` is saved as `x-1` when `x` is taken, so a job named `x-1` could collide with it: refused at load."""
    jobs = jobs_toml(tmp_path, frames=[30], extra="".join(f'\n[[job]]\nname = "{name}"\nargs = ["30"]\n' for name in (
        "x-1", "x", "y", "y-12", "z-01", "z", "w-1-1")))  # z-01, w-1-1: never what another job is saved as
    done = subprocess.run(batch_cmd(jobs, tmp_path / "out"), env=bare_env(), cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[0] == ("tdw-recorder: job 2 (x-1): the name 'x-1' is what job 3 (x) is saved as when its own name is "
                        "taken: rename one of them (e.g. 'x_1').")
    assert lines[1].startswith("tdw-recorder: job 5 (y-12): the name 'y-12' is what job 4 (y) is saved as")
    assert len(lines) == 3 and "nothing was recorded" in lines[-1]
    assert not (tmp_path / "out").exists()


def test_a_job_whose_name_is_taken_records_beside_it_and_leaves_the_users_files(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    users = {"clip-1.mp4": b"the user's own clip", "clip-1.recording.mkv": b"the user's own recording"}
    for name, data in users.items():
        (out / name).write_bytes(data)
    done, _ = run_batch(jobs_toml(tmp_path, frames=[30, 36]), out, "--workers", "2")
    assert done.returncode == 0, done.stderr
    jobs = entries(out)
    assert (jobs["clip-1"]["file"], jobs["clip-2"]["file"]) == ("clip-1-1.mp4", "clip-2.mp4")  # -N: only job clip-1's
    assert int(stream(probe(out / "clip-1-1.mp4"), "video")["nb_read_frames"]) == 31
    assert {name: (out / name).read_bytes() for name in users} == users  # neither replaced nor moved aside
    assert not (out / "partial").exists()
    assert sorted(p.name for p in out.iterdir()) == sorted(["clip-1-1.mp4", "clip-2.mp4", *users, ".batch",
                                                            "manifest.json", "manifest.csv"])


def test_a_second_batch_on_the_same_folder_is_refused_in_one_line_while_the_first_runs(tmp_path):
    jobs, out = jobs_toml(tmp_path, frames=[100000]), tmp_path / "out"
    first = subprocess.Popen(batch_cmd(jobs, out), env=bare_env(), cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not list(out.glob("clip-1.recording.*")):
            assert time.monotonic() < deadline and first.poll() is None, "the first batch never recorded"
            time.sleep(0.1)
        second, _ = run_batch(jobs, out, timeout=60)
        lines = second.stderr.strip().splitlines()
        assert second.returncode == 2 and len(lines) == 1, second.stderr
        assert lines[0].startswith(f"tdw-recorder: Another batch (process {first.pid}) is recording into {out}"), lines
        assert first.poll() is None and entries(out)["clip-1"]["status"] == "running"  # the first is untouched
        assert not list(out.glob("clip-1-*"))  # one job, one name: the second took none
    finally:
        first.send_signal(signal.SIGINT)
        _, said = first.communicate(timeout=60)
    assert first.returncode == 130 and entries(out)["clip-1"]["status"] == "interrupted", said
