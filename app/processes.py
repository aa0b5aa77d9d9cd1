"""Child-process plumbing shared by every backend: short commands, and no orphans.

Every long-lived child (ffmpeg, OBS, the build, Xvfb, pulseaudio) is started through `spawn`, which on
Linux asks the kernel to signal it when we die (PR_SET_PDEATHSIG) and puts it in its own process group,
and is stopped through `stop_tree`, which takes its whole process tree down.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
from typing import Callable, Mapping, Sequence

import psutil

log = logging.getLogger(__name__)

Runner = Callable[[Sequence[str]], str]

_PR_SET_PDEATHSIG = 1


def run_text(cmd: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 10.0) -> str:
    """Run a short query command and return its stdout; raise OSError/CalledProcessError on failure."""
    done = subprocess.run(
        list(cmd), env=dict(env) if env is not None else None, capture_output=True, text=True,
        timeout=timeout, stdin=subprocess.DEVNULL, check=True,
    )
    return done.stdout


def _die_with_parent(sig: int) -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None

    def preexec() -> None:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, sig)
        os.setpgrp()

    return preexec


def spawn(cmd: Sequence[str], *, death_signal: int = signal.SIGTERM, **popen_kwargs) -> subprocess.Popen:
    """Popen that cannot outlive us: the kernel sends `death_signal` to the child when we die.

    PDEATHSIG fires when the *thread* that forked exits, so call this from a thread that lives as long
    as the child (the main thread, or the session's own long-lived worker).
    """
    preexec = _die_with_parent(death_signal)
    if preexec is not None:
        popen_kwargs.setdefault("preexec_fn", preexec)
    elif sys.platform == "win32":
        popen_kwargs.setdefault("creationflags", subprocess.CREATE_NEW_PROCESS_GROUP)
    return subprocess.Popen(list(cmd), **popen_kwargs)


def stop_tree(pid: int, timeout: float = 5.0, first: int = signal.SIGTERM) -> None:
    """Signal a process and all its descendants, wait, then kill whatever is left."""
    try:
        root = psutil.Process(pid)
        procs = [root] + root.children(recursive=True)
    except psutil.NoSuchProcess:
        return
    for proc in procs:
        try:
            proc.send_signal(first)
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    for proc in alive:
        log.warning("process %s did not stop in %.0f s; killing it", proc.pid, timeout)
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=timeout)
