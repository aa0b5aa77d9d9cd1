"""An OBS Studio process we start ourselves: launch, keep its window out of the picture, find the file
it writes, and stop it without losing that file.

OBS writes through a helper process (`obs-ffmpeg-mux <file> ...`): its argv names the file, and when
OBS dies the helper still sees its pipe close and finishes the MKV. So the stop ladder is: (websocket
StopRecord, done by the caller) -> SIGTERM to OBS alone -> wait for the helper -> kill what is left.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Mapping

import psutil

from app.obs.install import kill_command, launch_command
from app.processes import child_env, spawn, stop_tree

log = logging.getLogger(__name__)

MUXER_NAMES = ("obs-ffmpeg-mux", "obs-ffmpeg-mux.exe")


class LaunchedObs:
    def __init__(self, binary: str, profile: str, collection: str, scene: str, env: Mapping[str, str],
                 log_path: Path, *, start_recording: bool = True, platform: str = sys.platform,
                 hide_windows: bool = True, die_with_us: bool = True) -> None:
        self.command = launch_command(binary, profile, collection, scene, platform, start_recording)
        self._env = child_env(env)  # OBS and xdotool: the OBS password is never theirs (OBS has it in its own config)
        self._platform = platform
        self.log_path = log_path
        self._hide = hide_windows and platform.startswith("linux") and bool(self._env.get("DISPLAY"))
        self.proc: subprocess.Popen | None = None
        self._halt = threading.Event()
        self._muxer: psutil.Process | None = None
        # False when the process guard (app.reaper) finishes its recording if we die: a death signal would kill it first
        self._death_signal = signal.SIGTERM if die_with_us else 0
        self.started_at = 0.0

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        with open(self.log_path, "wb") as sink:
            self.proc = spawn(self.command.argv, cwd=self.command.cwd, env=self._env, stdin=subprocess.DEVNULL,
                              stdout=sink, stderr=subprocess.STDOUT, death_signal=self._death_signal)
        self.started_at = time.monotonic()
        log.info("OBS started (pid %s): %s", self.proc.pid, " ".join(self.command.argv))
        if self._hide:
            threading.Thread(target=self._keep_windows_hidden, name="obs-hide", daemon=True).start()

    # -- its window must not cover what it records ----------------------------------------------
    def _keep_windows_hidden(self) -> None:
        """No tray under a bare window manager, so --minimize-to-tray shows OBS: minimize what it maps."""
        assert self.proc is not None
        last_seen: float | None = None
        while not self._halt.is_set() and self.alive():
            try:
                found = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(self.proc.pid)],
                                       env=self._env, capture_output=True, text=True, timeout=5).stdout.split()
                for window in found:
                    subprocess.run(["xdotool", "windowminimize", window], env=self._env, capture_output=True, timeout=5)
                if found:
                    last_seen = time.monotonic()
            except FileNotFoundError:
                log.warning("xdotool is missing, so OBS's window may cover the region: sudo apt install xdotool")
                return
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            # fast until its window has shown up and stayed hidden for 3 s (it re-shows once), then a check a second
            watchful = now - self.started_at < 15 and (last_seen is None or now - last_seen < 3)
            self._halt.wait(0.05 if watchful else 1.0)

    # -- the file it writes ---------------------------------------------------------------------
    def muxer(self) -> psutil.Process | None:
        if self._muxer is not None and self._muxer.is_running():
            return self._muxer
        if not self.alive() or self.proc is None:
            return None
        try:
            for child in psutil.Process(self.proc.pid).children(recursive=True):
                if child.name() in MUXER_NAMES:
                    self._muxer = child
                    return child
        except psutil.NoSuchProcess:
            pass
        return None

    def family(self) -> set[int]:
        """OBS and its descendants."""
        if self.proc is None:
            return set()
        try:
            return {self.proc.pid} | {c.pid for c in psutil.Process(self.proc.pid).children(recursive=True)}
        except psutil.NoSuchProcess:
            return {self.proc.pid}

    def recording_file(self) -> str | None:
        muxer = self.muxer()
        try:
            argv = muxer.cmdline() if muxer is not None else []
        except psutil.Error:
            return None
        return argv[1] if len(argv) > 1 else None

    def log_tail(self, lines: int = 3) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        interesting = [line for line in text if line.startswith(("error:", "critical:"))] or text
        return " | ".join(line.strip() for line in interesting[-lines:])

    # -- stopping -------------------------------------------------------------------------------
    def stop(self, timeout: float = 10.0) -> None:
        """OBS closes (SIGTERM), its muxer finishes the file, then nothing of its tree is left."""
        self._halt.set()
        if self.proc is None:
            return
        muxer = self._muxer
        if self.alive():
            windows_kill = kill_command(self.proc.pid, self._platform)
            if windows_kill is not None:
                subprocess.run(windows_kill, capture_output=True, timeout=30)
            else:
                self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("OBS did not close in %.0f s (frozen?); killing it, then its process tree", timeout)
                self.proc.kill()  # OBS alone first: its muxer then reads the end of its input and closes the file
                try:
                    self.proc.wait(3)
                except subprocess.TimeoutExpired:
                    pass
        if muxer is not None:
            try:
                muxer.wait(timeout)  # the MKV is complete once the muxer has gone
            except (psutil.TimeoutExpired, psutil.NoSuchProcess):
                pass
            if muxer.is_running():
                stop_tree(muxer.pid, timeout=3)
        stop_tree(self.proc.pid, timeout=3)
        try:
            self.proc.wait(3)
        except subprocess.TimeoutExpired:
            pass

    def describe_exit(self) -> str:
        code = self.proc.returncode if self.proc else None
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        tail = self.log_tail()
        return f"OBS Studio closed ({how}){': ' + tail if tail else ''}."
