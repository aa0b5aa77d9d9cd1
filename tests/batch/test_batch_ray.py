"""The same six jobs on a real local Ray cluster (a head on loopback with 2 "display" slots) give the same manifest."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from app.model.obs import PASSWORD_ENV
from tests.batch.conftest import ROOT, bare_env, batch_cmd, entries, jobs_toml, run_batch
from tests.support.terminal import slow_ffmpeg
from tests.batch.ray_head import running_head

pytest.importorskip("ray")


@pytest.fixture
def ray_cluster():
    """A Ray head on loopback with 2 "display" slots; every process it started checked gone afterwards."""
    with running_head(bare_env()) as address:
        yield address


def test_the_same_batch_on_a_ray_cluster_gives_the_same_manifest(six_job_batch, ray_cluster, tmp_path):
    out = tmp_path / "out"
    done, _ = run_batch(six_job_batch["jobs"], out, "--ray", ray_cluster)
    assert done.returncode == 0, done.stderr
    assert "Ray cluster at 127.0.0.1" in done.stderr and "2 display slot(s)" in done.stderr
    local, on_ray = entries(six_job_batch["out"]), entries(out)
    same = ("index", "status", "file", "frames", "dropped", "fingerprint", "error")
    assert [{k: e[k] for k in same} for e in on_ray.values()] == [{k: e[k] for k in same} for e in local.values()]
    assert sorted(p.name for p in out.glob("*.mp4")) == [f"clip-{n}.mp4" for n in range(1, 7)]

    again, _ = run_batch(six_job_batch["jobs"], out, "--ray", ray_cluster)  # resumable there too
    assert again.returncode == 0 and "6 of 6 job(s) already recorded" in again.stderr


def test_on_ray_a_worker_gets_the_obs_password_and_a_second_ctrl_c(tmp_path):
    """The OBS password the batch was started with reaches the job's worker on the node (its OBS client), and a
    Ctrl+C while the jobs stop is passed on to it: its own policy then says it is still finishing."""
    out, secret = tmp_path / "out", "obs-password-for-the-worker"
    jobs = jobs_toml(tmp_path, frames=[100000], extra=f'ffmpeg = "{slow_ffmpeg(tmp_path)}"\n')
    with running_head({**bare_env(), "SLOW_REMUX_S": "3"}) as address:
        batch = subprocess.Popen(batch_cmd(jobs, out, "--ray", address), env={**bare_env(), PASSWORD_ENV: secret},
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def ours(name: str) -> list[psutil.Process]:
            found = []
            for proc in psutil.process_iter():
                try:
                    args = proc.cmdline()
                    if name in args and str(out) in " ".join(args) + (Path(args[-1]).read_text() if "job.json" in args[-1] else ""):
                        found.append(proc)
                except (psutil.Error, OSError):
                    pass
            return found

        try:
            deadline = time.monotonic() + 90
            while not [p for p in out.glob("clip-1.recording.*") if p.stat().st_size > 20_000]:
                assert time.monotonic() < deadline and batch.poll() is None, "the job never recorded"
                time.sleep(0.1)
            [worker] = ours("app.batch.worker")
            assert worker.environ().get(PASSWORD_ENV) == secret
            batch.send_signal(signal.SIGINT)  # the batch stops: the worker finishes (slowly) what it recorded
            while not ours("+faststart"):
                assert time.monotonic() < deadline and batch.poll() is None, "the job never began finishing"
                time.sleep(0.05)
            batch.send_signal(signal.SIGINT)  # one more: passed on to the worker
            _, said = batch.communicate(timeout=60)
        finally:
            if batch.poll() is None:
                batch.kill()
                batch.wait()
    log = (out / ".batch" / "clip-1.log").read_text()
    assert batch.returncode == 130, said
    assert "Still finishing the recording" in log, log[-2000:]
    entry = json.loads((out / "manifest.json").read_text())["jobs"][0]
    assert entry["status"] == "interrupted" and entry["file"] == "partial/clip-1.mp4", entry  # finished, kept aside
