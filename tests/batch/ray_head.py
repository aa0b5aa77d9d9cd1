"""A private Ray head on loopback (`ray start --head --block`), for the Ray tests and benchmarks/batch_throughput.py.

It gets its own temp folder and is stopped by its pid (not `ray stop`, which stops every Ray on the
machine); every process it started is watched, so `stop()` can say which ones were left behind.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

from app.processes import spawn, stop_tree
from tests.batch.conftest import Watcher, left_alive

RAY = Path(sys.executable).parent / "ray"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RayHead:
    def __init__(self, env: dict[str, str], cpus: int = 2, displays: int = 2) -> None:
        self.env, self.cpus, self.displays = env, cpus, displays
        self.folder = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))  # Ray's socket paths must stay short
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.watcher: Watcher | None = None
        self.startup_s = 0.0  # spawn -> "Ray runtime started"

    @property
    def log_text(self) -> str:
        return (self.folder / "head.log").read_text()

    def start(self, timeout: float = 60.0) -> str:
        started = time.monotonic()
        with open(self.folder / "head.log", "w") as log:
            self.proc = spawn([str(RAY), "start", "--head", "--block", "--node-ip-address", "127.0.0.1",
                               "--port", str(self.port), "--num-cpus", str(self.cpus),
                               "--resources", f'{{"display": {self.displays}}}', "--temp-dir", str(self.folder),
                               "--include-dashboard", "false", "--disable-usage-stats",
                               "--object-store-memory", "100000000"],
                              env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.watcher = Watcher(self.proc.pid)
        while "Ray runtime started" not in self.log_text:
            if self.proc.poll() is not None or time.monotonic() > started + timeout:
                raise RuntimeError(f"the Ray head did not start: {self.log_text[-2000:]}")
            time.sleep(0.05)
        self.startup_s = time.monotonic() - started
        return self.address

    def stop(self) -> list[tuple[int, str]]:
        """Stop the head and what it started; returns the processes that outlived it (then stopped too)."""
        if self.proc is None:
            return []
        self.proc.send_signal(signal.SIGTERM)  # `ray start --block` stops what it started
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            stop_tree(self.proc.pid, timeout=5)
        seen = self.watcher.stop() if self.watcher is not None else {}
        stop_tree(self.proc.pid, timeout=5)
        left = left_alive(seen)
        for pid, _ in left:
            stop_tree(pid, timeout=5)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.proc = None
        return left


@contextlib.contextmanager
def running_head(env: dict[str, str]) -> Iterator[str]:
    """A started head's address for the block; afterwards every process it started must be gone."""
    head = RayHead(env)
    try:
        yield head.start()
    finally:
        left = head.stop()
        assert left == [], f"Ray left processes behind: {left}"
