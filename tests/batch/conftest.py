"""Helpers for batch tests: a jobs file of short stand-in scenes, the real CLI in a child, process watching."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from tests.support.standin_build import BUILD_PATH

ROOT = Path(__file__).parent.parent.parent
SCENES = ROOT / "tests" / "support" / "scenes"
FRAMES = [30, 36, 42, 48, 54, 60]  # one short demo scene per job


def bare_env() -> dict[str, str]:
    """A server's environment: no display, no sound server (every job brings its own)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "PULSE_SERVER", "XDG_RUNTIME_DIR", "PULSE_SINK")}
    env["STANDIN_BUILD_PYTHON"] = sys.executable
    return env


def jobs_toml(folder: Path, frames=FRAMES, extra: str = "") -> Path:
    """[defaults] + one [[job]] per entry of `frames`, named clip-1.. (video-frames of demo:moving_object)."""
    lines = ["[defaults]", 'mode = "video-frames"', 'scene = "demo:moving_object"', f'build = "{BUILD_PATH}"',
             "connect-timeout = 30", ""]
    for n, count in enumerate(frames, start=1):
        lines += ["[[job]]", f'name = "clip-{n}"', f'args = ["{count}"]', ""]
    path = folder / "jobs.toml"
    path.write_text("\n".join(lines) + extra)
    return path


def batch_cmd(jobs: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), "batch", str(jobs), "--out", str(out), *extra]


class Watcher:
    """Every descendant of a process seen while it runs (pid -> name), to check that none is left afterwards."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.seen: dict[int, str] = {}
        self.parents: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                for child in psutil.Process(self.pid).children(recursive=True):
                    try:
                        self.seen[child.pid] = child.name()  # its latest name: a fork is "python" until it execs
                        self.parents[child.pid] = child.ppid()
                    except psutil.NoSuchProcess:
                        pass
            except psutil.NoSuchProcess:
                return
            time.sleep(0.1)

    def started(self, name: str) -> int:
        """How many `name` programs ran (not counting their own forks, e.g. Xvfb's for xkbcomp)."""
        return sum(n == name and self.seen.get(self.parents.get(pid, 0)) != name for pid, n in self.seen.items())

    def stop(self) -> dict[int, str]:
        self._stop.set()
        self._thread.join(5)
        return self.seen


def left_alive(pids, timeout: float = 15.0) -> list[tuple[int, str]]:
    deadline = time.monotonic() + timeout
    while True:
        left = []
        for pid in pids:
            try:
                proc = psutil.Process(pid)
                if proc.status() != psutil.STATUS_ZOMBIE:
                    left.append((pid, proc.name()))
            except psutil.NoSuchProcess:
                pass
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def run_batch(jobs: Path, out: Path, *extra: str, env: dict | None = None, timeout: float = 150):
    """The real CLI, to the end; returns (completed process, its Watcher). Asserts nothing is left running."""
    proc = subprocess.Popen(batch_cmd(jobs, out, *extra), env=env or bare_env(), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    watcher = Watcher(proc.pid)
    stdout, stderr = proc.communicate(timeout=timeout)
    seen = watcher.stop()
    assert left_alive(seen) == [], f"left behind: {left_alive(seen)}"
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr), watcher


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def entries(out: Path) -> dict[str, dict]:
    return {e["name"]: e for e in manifest(out)["jobs"]}


@pytest.fixture(scope="session")
def six_job_batch(tmp_path_factory):
    """6 jobs, 2 at once, recorded once for the tests that look at a complete batch."""
    folder = tmp_path_factory.mktemp("batch6")
    jobs = jobs_toml(folder)
    started = time.monotonic()
    done, watcher = run_batch(jobs, folder / "out", "--workers", "2")
    return {"jobs": jobs, "out": folder / "out", "done": done, "watcher": watcher, "wall_s": time.monotonic() - started}
