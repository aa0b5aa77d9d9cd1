"""A guard that ends what a recorder started when the recorder dies without a chance to clean up (`kill -9`).

PR_SET_PDEATHSIG (app.processes.spawn) reaches only a recorder's own children: a scene script's forks and the
daemons they start are its grandchildren and would run on. So the recorder starts this guard once, as
`python -m app.reaper`, in a session of its own (a Ctrl+C to the terminal does not reach it) and holds the write
end of its stdin. The recorder tells it, one line each, which scene sessions to watch (`session PID NAME VALUE`:
the scene's pid and the marker in its environment) and which it ended itself (`forget PID`). The kernel closes
that pipe when the recorder dies, however it dies: on that end of file the guard ends every session still
watched as `app.processes.stop_session` does (its tree, its session and group, whatever carries its marker), then
exits. When the recorder has ended every scene itself, nothing is watched: it closes the pipe and the guard exits
(the next scene starts another). Linux only
(elsewhere the guard is not started and nothing changes).

A program that must be asked to finish its file, not killed, is watched as a `process` (a JSON line: its pid, a
command that asks it to finish, how long that may take, a folder to remove afterwards): an OBS we started dies at
once on SIGTERM and takes the frames still in its encoder with it, so the recorder starts it without a death
signal and the guard, at the recorder's death, runs `python -m app.obs.orphan` (StopRecord over its websocket,
until the MKV is closed), then stops OBS as `app.processes.stop_leader` does and removes its private config.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
from typing import IO

from app.processes import child_env, stop_leader, stop_session

log = logging.getLogger(__name__)


class _Guard:
    """This process's end of the guard: started on first use, for the life of the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pipe: IO[str] | None = None
        self._proc: subprocess.Popen | None = None
        self._watched: set[int] = set()

    def _send(self, line: str) -> None:
        if not sys.platform.startswith("linux"):
            return
        with self._lock:
            try:
                if self._pipe is None:
                    self._start()
                assert self._pipe is not None
                self._pipe.write(line + "\n")
                self._pipe.flush()
            except OSError as exc:  # the guard could not start or died: cleaning up is then as it was without it
                log.warning("the process guard is not running (%s): a kill -9 of this recorder may leave processes", exc)
                self._pipe = None

    def _start(self) -> None:
        env = child_env()
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.path.dirname(os.path.dirname(__file__)), env.get("PYTHONPATH")]))
        # not through spawn: PDEATHSIG would end the guard together with us, when it is needed
        self._proc = subprocess.Popen([sys.executable, "-m", "app.reaper"], stdin=subprocess.PIPE, text=True, env=env,
                                      stdout=subprocess.DEVNULL, start_new_session=True, close_fds=True)
        self._pipe = self._proc.stdin

    def running(self) -> bool:
        """Start the guard if it is not running yet; whether it runs (so a child may be left to it)."""
        if not sys.platform.startswith("linux"):
            return False
        with self._lock:
            if self._pipe is None:
                try:
                    self._start()
                except OSError as exc:
                    log.warning("the process guard could not start (%s)", exc)
                    return False
            return self._proc is not None and self._proc.poll() is None

    def watch_session(self, pid: int, marker: tuple[str, str]) -> None:
        self._send(f"session {pid} {marker[0]} {marker[1]}")
        self._watched.add(pid)

    def watch_process(self, pid: int, finish: list[str], timeout: float, remove: str | None) -> None:
        self._send("process " + json.dumps({"pid": pid, "finish": finish, "timeout": timeout, "remove": remove}))
        self._watched.add(pid)

    def forget(self, pid: int) -> None:
        self._watched.discard(pid)
        if self._watched:
            self._send(f"forget {pid}")
            return
        with self._lock:  # nothing left to watch: the guard ends (a later scene starts another)
            pipe, proc, self._pipe, self._proc = self._pipe, self._proc, None, None
            if pipe is not None and proc is not None:
                try:
                    pipe.write(f"forget {pid}\n")
                    pipe.close()
                    proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    pass


_guard = _Guard()


def watch_session(pid: int, marker: tuple[str, str]) -> None:
    """Have the guard end the session of `pid` (and whatever carries `marker`) if this process dies first."""
    _guard.watch_session(pid, marker)


def running() -> bool:
    """Whether the guard runs (started now if need be): only then may a child be started without a death signal."""
    return _guard.running()


def watch_process(pid: int, finish: list[str], timeout: float, remove: str | None = None) -> None:
    """If this process dies first, have the guard run `finish` (up to `timeout` s), then stop `pid` (alone first,
    then what is left of its tree) and remove the folder `remove`."""
    _guard.watch_process(pid, finish, timeout, remove)


def forget(pid: int) -> None:
    """The session of `pid` was ended by this process: the guard no longer watches it."""
    _guard.forget(pid)


def main() -> int:
    for sig in (signal.SIGINT, signal.SIGHUP):  # the terminal's signals are for the recorder, which tells us
        signal.signal(sig, signal.SIG_IGN)
    watched: dict[int, tuple[str, str]] = {}
    processes: dict[int, dict] = {}
    for line in sys.stdin:
        words = line.split()
        if len(words) == 4 and words[0] == "session":
            watched[int(words[1])] = (words[2], words[3])
        elif words[:1] == ["process"]:
            entry = json.loads(line.split(maxsplit=1)[1])
            processes[int(entry["pid"])] = entry
        elif len(words) == 2 and words[0] == "forget":
            watched.pop(int(words[1]), None)
            processes.pop(int(words[1]), None)
    for pid, entry in processes.items():  # first: the files they write are finished while their sources still run
        finish_process(pid, entry["finish"], float(entry["timeout"]), entry.get("remove"))
    for pid, marker in watched.items():  # the recorder is gone and left these running
        stop_session(pid, marker, timeout=5)
    return 0


def finish_process(pid: int, finish: list[str], timeout: float, remove: str | None) -> None:
    """Ask `pid` to finish (its own command), then stop it and its tree, then remove its folder."""
    if finish:
        try:
            subprocess.run(finish, timeout=timeout, stdin=subprocess.DEVNULL, env=child_env(), check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("could not ask process %s to finish (%s): stopping it", pid, exc)
    stop_leader(pid, timeout=5)
    if remove:
        shutil.rmtree(remove, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
