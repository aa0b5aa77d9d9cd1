"""Workers on a Ray cluster: each job a Ray task needing one custom "display" resource.

The task runs the same `python -m app.batch.worker` on whichever node Ray picks, so a job there gets its
own headless display, sound server and build port exactly as on this machine. Outputs, live status and
results go to the output folder, which must be shared by every node at the same path (see docs/cluster.md).
Nodes offer `display` slots (`ray start --resources='{"display": 2}'`); at most that many jobs run at once.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from app.batch.local import collect, worker_command, worker_env
from app.batch.state import JobFiles, failed_result, read_json, write_json
from app.errors import RecorderError
from app.processes import secrets_for_child

RESOURCE = "display"


def run_on_node(spec: dict, secrets: dict | None = None) -> dict:
    """The Ray task: one attempt in a worker process on this node; its result, read back from the shared folder.

    `secrets` (the OBS password the batch was started with) go to the worker alone, as on this machine; they travel
    as the task's argument, never in the spec, the job's files or the manifest. Signals the runner passes on (a
    second Ctrl+C while jobs stop) arrive through the shared folder (`JobFiles.signals`) and are sent on to the
    worker, whose own policy (app.signals) says what each does; ray.cancel() (the batch stops) sends it SIGTERM."""
    from app.processes import spawn

    files = JobFiles(Path(spec["out"]), spec["name"])
    files.state.mkdir(parents=True, exist_ok=True)
    files.result.unlink(missing_ok=True)
    files.signals.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="tdw-recorder-job-") as folder:
        spec_path = Path(folder) / "job.json"
        spec_path.write_text(json.dumps(spec))
        with open(files.log, "ab") as log:
            log.write(f"--- attempt {spec['attempt']} on {os.uname().nodename} (Ray) ---\n".encode())
            log.flush()
            proc = spawn(worker_command(spec_path), env={**worker_env(os.environ), **(secrets or {})}, secrets=True,
                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
        _wait_passing_signals(proc, files)
        return collect(spec, proc.returncode)


def _wait_passing_signals(proc: subprocess.Popen, files: JobFiles, poll_s: float = 0.2) -> None:
    passed = 0
    while proc.poll() is None:
        try:
            wanted = int((read_json(files.signals) or {}).get("count", 0))
            for _ in range(passed, wanted):
                proc.send_signal(signal.SIGTERM)
            passed = max(passed, wanted)
            time.sleep(poll_s)
        except KeyboardInterrupt:  # ray.cancel(): stop the recording cleanly, keep what it has
            proc.send_signal(signal.SIGTERM)


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Refuse a host:port nobody answers on in one line (ray.init would retry for minutes)."""
    if address == "auto" or "://" in address or ":" not in address:
        return
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except (OSError, ValueError) as exc:
        raise RecorderError(f"Nothing answers at the Ray address {address} ({getattr(exc, 'strerror', None) or exc}): "
                            "start the head there with `ray start --head --port=PORT`, or check the address.")


class RayPool:
    def __init__(self, address: str) -> None:
        try:
            import ray
        except ImportError:
            raise RecorderError("--ray needs Ray on this machine and on every node: pip install 'tdw-recorder[cluster]'.")
        self._ray = ray
        _check_reachable(address)
        try:
            ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False,
                     configure_logging=True)
        except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ... with a long text
            raise RecorderError(f"Cannot join the Ray cluster at {address!r} ({str(exc).splitlines()[0][:200]}): "
                                "start it with `ray start --head --resources='{\"display\": 2}'`, or check the address.")
        if self._slots() < 1:
            ray.shutdown()
            raise RecorderError(f"The Ray cluster at {address!r} offers no {RESOURCE!r} resource: start its nodes with "
                                f"`ray start ... --resources='{{\"{RESOURCE}\": 2}}'` (one per job that may run at once).")
        self._task = ray.remote(resources={RESOURCE: 1}, max_retries=0)(run_on_node)
        self._refs: dict = {}  # ObjectRef -> spec
        self.address = address

    def _slots(self) -> int:
        return int(self._ray.cluster_resources().get(RESOURCE, 0))

    @property
    def capacity(self) -> int:
        return max(1, self._slots())

    def where(self) -> str:
        return f"the Ray cluster at {self.address}, {self.capacity} {RESOURCE} slot(s)"

    def submit(self, spec: dict) -> None:
        self._refs[self._task.remote(spec, secrets_for_child())] = spec

    def forward(self, sig: int) -> None:
        """Pass one more signal on to every running job (the batch got one more while its jobs stop), through the
        shared folder: the task on the node sends its worker SIGTERM for each. Safe from a signal handler."""
        for spec in self._refs.values():
            files = JobFiles(Path(spec["out"]), spec["name"])
            count = int((read_json(files.signals) or {}).get("count", 0))
            write_json(files.signals, {"count": count + 1, "signal": int(sig)})

    def running(self) -> list[dict]:
        return list(self._refs.values())

    def poll(self) -> list[dict]:
        if not self._refs:
            return []
        ready, _ = self._ray.wait(list(self._refs), num_returns=len(self._refs), timeout=0)
        return [self._result(ref) for ref in ready]

    def _result(self, ref) -> dict:
        spec = self._refs.pop(ref)
        try:
            return self._ray.get(ref)
        except Exception as exc:  # the task died (node lost, cancelled): the worker may still have said why
            result = collect(spec, None)
            if result.get("error", "").startswith("The job's process ended"):
                result = failed_result(spec, f"The Ray task failed: {str(exc).splitlines()[0][:300]}")
            return result

    def interrupt(self) -> list[dict]:
        for ref in self._refs:
            self._ray.cancel(ref)
        deadline = time.monotonic() + 90
        results = []
        while self._refs and time.monotonic() < deadline:
            ready, _ = self._ray.wait(list(self._refs), num_returns=len(self._refs), timeout=1)
            results += [self._result(ref) for ref in ready]
        for ref in list(self._refs):
            results.append(failed_result(self._refs.pop(ref), "Interrupted: the batch stopped.", "interrupted"))
        return results

    def close(self) -> None:
        if self._refs:
            self.interrupt()
        self._ray.shutdown()
