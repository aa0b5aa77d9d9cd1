"""A dataset as a batch job: cameras and passes in the jobs file; the manifest lists every file with its tracks
(title, codec, frames), its NAME.frames.jsonl rows and a sha256 each; a rerun trusts only files still intact."""

import json
import subprocess

from tests.batch.conftest import ROOT, bare_env, batch_cmd, jobs_toml, run_batch


def test_a_dataset_job_lists_every_file_and_track_in_the_manifest_and_a_changed_file_is_recorded_again(tmp_path):
    jobs = jobs_toml(tmp_path, frames=[20], extra='cameras = "all"\npasses = "_img,_id"\nframe-data = "camera"\nmp4 = true\n')
    out = tmp_path / "out"
    done, _ = run_batch(jobs, out, "--workers", "1")
    assert done.returncode == 0, done.stderr
    (entry,) = json.loads((out / "manifest.json").read_text())["jobs"]
    assert entry["status"] == "done" and entry["file"] == "clip-1.a.mkv"
    listed = {f["file"]: f for f in entry["files"]}
    assert sorted(listed) == ["clip-1.a.mkv", "clip-1.a.mp4", "clip-1.frames.jsonl"]
    video, rows, shared = listed["clip-1.a.mkv"], listed["clip-1.frames.jsonl"], listed["clip-1.a.mp4"]
    assert [(t["title"], t["codec"]) for t in video["tracks"]] == [("_img", "h264"), ("_id", "png")]
    count = rows["rows"]
    assert count == len((out / "clip-1.frames.jsonl").read_text().splitlines()) >= 20
    assert [t["frames"] for t in video["tracks"]] == [count, count]  # every pass of every frame
    assert [(t["kind"], t["codec"], t["frames"]) for t in shared["tracks"]] == [("video", "h264", count)]  # to share
    assert entry["frames"] == count
    again, _ = run_batch(jobs, out, "--workers", "1")
    assert "1 of 1 job(s) already recorded" in again.stderr
    with (out / "clip-1.frames.jsonl").open("a") as rows_file:  # one of the job's other files changed
        rows_file.write("\n")
    check = subprocess.run(batch_cmd(jobs, out, "--check"), env=bare_env(), cwd=ROOT, capture_output=True, text=True,
                           timeout=60)
    assert "recorded: clip-1.a.mkv" not in check.stdout  # no longer trusted: the next run records it again
