"""The same six jobs on a real local Ray cluster (a head on loopback with 2 "display" slots) give the same manifest."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from app.processes import spawn, stop_tree
from tests.batch.conftest import Watcher, bare_env, entries, left_alive, run_batch

pytest.importorskip("ray")
RAY = Path(sys.executable).parent / "ray"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def ray_cluster():
    """`ray start --head --block` with its own temp folder; stopped by its pid (not `ray stop`, which stops every
    Ray on the machine), and every process it started checked gone."""
    folder = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))  # Ray's socket paths must stay short
    port = free_port()
    log = open(folder / "head.log", "w")
    head = spawn([str(RAY), "start", "--head", "--block", "--node-ip-address", "127.0.0.1", "--port", str(port),
                  "--num-cpus", "2", "--resources", '{"display": 2}', "--temp-dir", str(folder),
                  "--include-dashboard", "false", "--disable-usage-stats", "--object-store-memory", "100000000"],
                 env=bare_env(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    watcher = Watcher(head.pid)
    try:
        deadline = time.monotonic() + 60
        while "Ray runtime started" not in (folder / "head.log").read_text():
            assert head.poll() is None and time.monotonic() < deadline, (folder / "head.log").read_text()[-2000:]
            time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        head.send_signal(signal.SIGTERM)  # `ray start --block` stops what it started
        try:
            head.wait(30)
        except subprocess.TimeoutExpired:
            stop_tree(head.pid, timeout=5)
        seen = watcher.stop()
        stop_tree(head.pid, timeout=5)
        log.close()
        left = left_alive(seen)
        for pid, _ in left:
            stop_tree(pid, timeout=5)
        shutil.rmtree(folder, ignore_errors=True)
        assert left == [], f"Ray left processes behind: {left}"


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
