"""The same six jobs on a real local Ray cluster (a head on loopback with 2 "display" slots) give the same manifest."""

from __future__ import annotations

import pytest

from tests.batch.conftest import bare_env, entries, run_batch
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
