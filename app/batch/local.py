"""Workers on this machine: each job a `python -m app.batch.worker` process, at most `workers` at once.

Workers are started with `app.processes.spawn`, so if the runner dies (even `kill -9`) the kernel sends
each one SIGTERM, and it stops its recording and its private servers cleanly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Mapping

import psutil

from app.batch.state import JobFiles, failed_result, read_json, write_json
from app.processes import secrets_for_child, spawn, stop_tree

ROOT = Path(__file__).resolve().parents[2]
STOP_GRACE_S = 60.0  # a worker stopping on SIGTERM finalises what it recorded


def worker_command(spec_path: Path) -> list[str]:
    return [sys.executable, "-m", "app.batch.worker", str(spec_path)]


def worker_env(base: Mapping[str, str]) -> dict[str, str]:
    """`base` for a worker: our code on its path, and the secrets a job may need (the OBS password): the worker
    is the OBS client, and keeps them from its own children."""
    env = {**base, **secrets_for_child()}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def collect(spec: dict, code: int | None) -> dict:
    """The worker's own result, or one saying why there is none."""
    files = JobFiles(Path(spec["out"]), spec["name"])
    result = read_json(files.result)
    if isinstance(result, dict) and result.get("attempt") == spec["attempt"]:
        return result
    return failed_result(spec, f"The job's process ended (exit code {code}) without a result: see {files.log}.")


class LocalPool:
    def __init__(self, workers: int, env: Mapping[str, str] | None = None) -> None:
        self.capacity = max(1, workers)
        self.env = worker_env(os.environ if env is None else env)
        self._procs: dict[str, tuple[dict, subprocess.Popen]] = {}

    def where(self) -> str:
        return f"this machine, {self.capacity} at once"

    def submit(self, spec: dict) -> None:
        files = JobFiles(Path(spec["out"]), spec["name"])
        write_json(files.spec, spec)
        files.result.unlink(missing_ok=True)
        with open(files.log, "ab") as log:
            log.write(f"--- attempt {spec['attempt']} ---\n".encode())
            log.flush()
            proc = spawn(worker_command(files.spec), env=self.env, secrets=True, stdin=subprocess.DEVNULL, stdout=log,
                         stderr=subprocess.STDOUT, cwd=str(files.out))
        self._procs[spec["name"]] = (spec, proc)

    def running(self) -> list[dict]:
        return [spec for spec, _ in self._procs.values()]

    def poll(self) -> list[dict]:
        """Results of the attempts that ended since the last call."""
        ended = [(name, spec, proc) for name, (spec, proc) in self._procs.items() if proc.poll() is not None]
        for name, _, _ in ended:
            del self._procs[name]
        return [collect(spec, proc.returncode) for _, spec, proc in ended]

    def forward(self, sig: int) -> None:
        """Pass a signal on to every running worker (the batch got one more while its jobs stop): each follows
        the signal policy of app.signals. Safe from a signal handler."""
        for _, proc in list(self._procs.values()):
            try:
                if proc.poll() is None:
                    proc.send_signal(sig)
            except ProcessLookupError:
                pass

    def interrupt(self) -> list[dict]:
        """Stop every running attempt (each keeps what it recorded) and return their results."""
        for _, proc in self._procs.values():
            try:
                proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
        procs = [psutil.Process(p.pid) for _, p in self._procs.values() if p.poll() is None]
        psutil.wait_procs(procs, timeout=STOP_GRACE_S)
        for _, proc in self._procs.values():
            if proc.poll() is None:
                stop_tree(proc.pid, timeout=5, first=signal.SIGKILL)
            proc.wait()
        results = [collect(spec, proc.returncode) for spec, proc in self._procs.values()]
        self._procs.clear()
        return results

    def close(self) -> None:
        if self._procs:
            self.interrupt()
