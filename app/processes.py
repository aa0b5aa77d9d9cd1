"""Child-process plumbing shared by every backend: short commands, and no orphans.

Every long-lived child (ffmpeg, OBS, the build, Xvfb, pulseaudio) is started through `spawn`, which on
Linux asks the kernel to signal it when we die (PR_SET_PDEATHSIG) and puts it in its own process group,
and is stopped through `stop_tree`, which takes its whole process tree down. A child that starts processes of
its own that may escape its tree (a user's scene script) gets its own session and a marker in its environment,
and is stopped through `stop_session`, which finds them by either.

Secrets (`SECRET_ENV`) reach no child: `spawn` and `run_text` leave them out of the environment they pass on,
and `keep_secrets_from_children` takes them out of this process's own environment (which `subprocess` hands to
every other child), where the code that needs them still finds them (app.model.obs).
"""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from typing import Callable, Mapping, Sequence

import psutil

from app.model.obs import PASSWORD_ENV, password_from_environment, take_password_from_environment

log = logging.getLogger(__name__)

SECRET_ENV = (PASSWORD_ENV,)  # names of environment variables that hold a secret: no child gets them

Runner = Callable[[Sequence[str]], str]

_PR_SET_PDEATHSIG = 1


def child_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """`env` (default: ours) as a child gets it: without any secret."""
    return {k: v for k, v in (os.environ if env is None else env).items() if k not in SECRET_ENV}


def keep_secrets_from_children() -> None:
    """Take the secrets out of this process's environment, so no child inherits them (every `subprocess` call
    without `env=` passes ours on); the OBS client still finds the password (ObsSettings.resolve_password)."""
    take_password_from_environment()


def secrets_for_child() -> dict[str, str]:
    """The secrets this process was started with, for the one child that needs them (a batch job's worker)."""
    password = os.environ.get(PASSWORD_ENV) or password_from_environment()
    return {PASSWORD_ENV: password} if password else {}


def run_text(cmd: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 10.0) -> str:
    """Run a short query command and return its stdout; raise OSError/CalledProcessError on failure."""
    done = subprocess.run(
        list(cmd), env=child_env(env), capture_output=True, text=True,
        timeout=timeout, stdin=subprocess.DEVNULL, check=True,
    )
    return done.stdout


def _die_with_parent(sig: int, new_session: bool = False, niceness: int = 0) -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None

    def preexec() -> None:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, sig)
        if new_session:
            os.setsid()
        else:
            os.setpgrp()
        if niceness:
            os.nice(niceness)  # before exec: every thread the program starts inherits it

    return preexec


class _Launcher:
    """One thread that lives as long as the program and forks every long-lived child.

    PDEATHSIG fires when the *thread* that forked the child exits, not the process: a child started from
    a short-lived worker thread would be killed when that thread ends. Forking from this thread ties
    each child's life to the whole program instead, whichever thread asked for it.
    """

    def __init__(self) -> None:
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _run(self) -> None:
        while True:
            future, cmd, kwargs = self._jobs.get()
            try:
                future.set_result(subprocess.Popen(cmd, **kwargs))
            except BaseException as exc:  # handed back to the caller's thread
                future.set_exception(exc)

    def popen(self, cmd: list[str], kwargs: dict) -> subprocess.Popen:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="process-launcher", daemon=True)
                self._thread.start()
        future: Future = Future()
        self._jobs.put((future, cmd, kwargs))
        return future.result()


_launcher = _Launcher()


def spawn(cmd: Sequence[str], *, death_signal: int = signal.SIGTERM, new_session: bool = False, secrets: bool = False,
          niceness: int = 0, **popen_kwargs) -> subprocess.Popen:
    """Popen that cannot outlive us: the kernel sends `death_signal` to the child when we die.

    The child also gets its own process group (with `new_session`, its own session: for `stop_session`), so
    stopping it never signals us, and a Ctrl+C in our terminal reaches us alone. Its environment (`env`, default
    ours) leaves out `SECRET_ENV` unless `secrets` (the one child that needs them: a batch job's worker).
    `niceness` > 0 runs it below our priority (an encoder behind a queue: the scene it records goes first).
    """
    env = popen_kwargs.get("env")
    popen_kwargs["env"] = dict(os.environ if env is None else env) if secrets else child_env(env)
    preexec = _die_with_parent(death_signal, new_session, niceness)
    if preexec is not None:
        popen_kwargs.setdefault("preexec_fn", preexec)
        return _launcher.popen(list(cmd), popen_kwargs)
    if sys.platform == "win32":
        below = subprocess.BELOW_NORMAL_PRIORITY_CLASS if niceness > 0 else 0
        popen_kwargs.setdefault("creationflags", subprocess.CREATE_NEW_PROCESS_GROUP | below)
    else:
        if new_session:
            popen_kwargs.setdefault("start_new_session", True)
        if niceness:
            popen_kwargs.setdefault("preexec_fn", functools.partial(os.nice, niceness))
    return subprocess.Popen(list(cmd), **popen_kwargs)


# Runs "$@" (setpriv --pdeathsig TERM -- CMD...) as a child and ends as it ended: same code, or same signal.
_ONE_SIGNAL_SHELL = '"$@"; code=$?; if [ "$code" -gt 128 ]; then kill -$((code - 128)) $$; fi; exit "$code"'


def one_death_signal(cmd: Sequence[str]) -> tuple[list[str], int]:
    """(argv, death_signal for `spawn`) so that `cmd` gets exactly ONE SIGTERM when we die.

    PR_SET_PDEATHSIG is sent again each time the kernel hands a child to another thread of its dying
    parent, so a child of a many-threaded program (the window) gets SIGTERM two or three times on a
    `kill -9`; ffmpeg takes the second one as "abort all I/O" and never writes its last cluster and its
    index (checked: 80 of 94 reported frames kept). A single-threaded `sh` in between is killed with us
    and hands `cmd`, its own child through `setpriv --pdeathsig`, exactly one SIGTERM. Without `sh` or
    `setpriv` (or off Linux), `cmd` runs as it is.
    """
    sh, setpriv = shutil.which("sh"), shutil.which("setpriv")
    if not sys.platform.startswith("linux") or not sh or not setpriv:
        return list(cmd), signal.SIGTERM
    return [sh, "-c", _ONE_SIGNAL_SHELL, "tdw-recorder-guard", setpriv, "--pdeathsig", "TERM", "--", *cmd], signal.SIGKILL


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root] + root.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _signal(procs: list[psutil.Process], sig: int) -> None:
    for proc in procs:
        try:
            proc.send_signal(sig)
        except psutil.NoSuchProcess:
            pass


def _wait_gone(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait until `procs` have ended (a zombie nobody reaps yet counts as ended); returns those still alive."""

    def running(proc: psutil.Process) -> bool:
        try:
            return proc.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    deadline = time.monotonic() + timeout
    alive = list(procs)
    while True:  # wait_procs reaps our own children; other ended processes may linger as zombies
        _, alive = psutil.wait_procs(alive, timeout=min(0.1, max(deadline - time.monotonic(), 0.0)))
        alive = [p for p in alive if running(p)]
        if not alive or time.monotonic() >= deadline:
            return alive


def _kill_left(alive: list[psutil.Process], timeout: float) -> None:
    for proc in alive:
        log.warning("process %s did not stop in %.0f s; killing it", proc.pid, timeout)
    _signal(alive, signal.SIGKILL)
    psutil.wait_procs(alive, timeout=timeout)


def stop_tree(pid: int, timeout: float = 5.0, first: int = signal.SIGTERM) -> None:
    """Signal a process and all its descendants, wait, then kill whatever is left."""
    procs = _tree(pid)
    _signal(procs, first)
    if hasattr(signal, "SIGCONT"):
        _signal(procs, signal.SIGCONT)  # a stopped (frozen) one acts on it now, not at the end of the wait
    _kill_left(_wait_gone(procs, timeout), timeout)


def kill_group(pgid: int) -> None:
    """SIGKILL every process of the process group `spawn` gave a child (its pid), even after that child is gone."""
    if hasattr(os, "killpg"):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def stop_leader(pid: int, timeout: float = 5.0) -> None:
    """SIGTERM a process alone and wait for it to end its own children; then SIGTERM, and at last kill, what
    is left of its tree (collected before the signal, so orphans are not missed).

    For a program that runs a child it must stop itself: a TDW build stops the ffmpeg it records with. Signalled
    together (as `stop_tree` does), that ffmpeg would get SIGTERM twice, ours and the one its build's death
    sends it, and a second SIGTERM makes ffmpeg drop the end of its file.
    """
    procs = _tree(pid)
    _signal(procs[:1], signal.SIGTERM)
    left = _wait_gone(procs, timeout)
    _signal(left, signal.SIGTERM)
    _kill_left(_wait_gone(left, timeout), timeout)


def _marked(name: str, value: str) -> list[psutil.Process]:
    """Our user's processes whose environment has `name`=`value` (others' environments are not readable)."""
    found = []
    me = os.getpid()
    for proc in psutil.process_iter():
        try:
            if proc.pid != me and proc.environ().get(name) == value:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
            pass
    return found


def _in_session(sid: int) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter():
        try:
            if os.getsid(proc.pid) == sid or os.getpgid(proc.pid) == sid:
                found.append(proc)
        except (OSError, psutil.Error):
            pass
    return found


def stop_session(pid: int, marker: tuple[str, str] | None = None, timeout: float = 5.0) -> None:
    """Stop a child started with `new_session` and every process it started: its tree, every process of its
    session and group (forks that were reparented), and every process carrying `marker` (name, value) in its
    environment (one that made a session of its own: a daemon). SIGTERM, wait, then kill what is left."""
    ours = {os.getsid(0), os.getpgid(0)}  # a child that could not get a session of its own shares ours: not scanned
    procs = {p.pid: p for p in _tree(pid) + (_in_session(pid) if pid not in ours else []) + (_marked(*marker) if marker else [])}
    procs.pop(os.getpid(), None)
    found = list(procs.values())
    _signal(found, signal.SIGTERM)
    _kill_left(_wait_gone(found, timeout), timeout)
