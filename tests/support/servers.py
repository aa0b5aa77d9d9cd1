"""Start and stop a private X server (+ window manager) and a private PulseAudio server for tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from app.processes import spawn, stop_tree


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not come up within {timeout} s")


@dataclass
class XServer:
    """Xvfb on a display number the kernel-free `-displayfd` picks, with openbox managing windows."""

    width: int = 1280
    height: int = 800
    display: str = ""
    procs: list[subprocess.Popen] = field(default_factory=list)

    def start(self, window_manager: bool = True) -> "XServer":
        read_fd, write_fd = os.pipe()
        xvfb = spawn(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{self.width}x{self.height}x24", "-nolisten", "tcp",
             "-noreset"],
            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        if not number:
            xvfb.kill()
            raise RuntimeError("Xvfb did not report a display number")
        self.display = f":{number}"
        self.procs.append(xvfb)
        if window_manager:
            wm = spawn(["openbox", "--sm-disable"], env=self.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.procs.append(wm)
            _wait_for(lambda: b"_NET_SUPPORTING_WM_CHECK(WINDOW)" in subprocess.run(
                ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=self.env(), capture_output=True).stdout,
                10, "openbox")
        return self

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(base if base is not None else os.environ)
        env["DISPLAY"] = self.display
        return env

    def stop(self) -> None:
        for proc in reversed(self.procs):
            stop_tree(proc.pid, timeout=3)
        self.procs.clear()


@dataclass
class PulseServer:
    """A user-less PulseAudio with one null sink, reachable only through its own socket."""

    sink: str = "tdwrec_test_sink"
    runtime: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tdwrec-pulse-")))
    proc: subprocess.Popen | None = None

    @property
    def socket(self) -> Path:
        return self.runtime / "native"

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(base if base is not None else os.environ)
        env["PULSE_SERVER"] = f"unix:{self.socket}"
        env["XDG_RUNTIME_DIR"] = str(self.runtime)
        env.pop("PULSE_SINK", None)
        return env

    def start(self) -> "PulseServer":
        config = self.runtime / "default.pa"
        config.write_text(
            f"load-module module-native-protocol-unix socket={self.socket} auth-anonymous=1\n"
            f"load-module module-null-sink sink_name={self.sink} sink_properties=device.description=TDWRecorderTest\n"
            f"set-default-sink {self.sink}\n"
        )
        env = self.env()
        env["HOME"] = str(self.runtime)
        self.proc = spawn(
            ["pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit", "-n", "-F", str(config),
             "--use-pid-file=no", "--log-target=stderr", "--log-level=error"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        _wait_for(lambda: subprocess.run(["pactl", "info"], env=self.env(), capture_output=True).returncode == 0,
                  15, "PulseAudio")
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_tree(self.proc.pid, timeout=3)
            self.proc = None
        shutil.rmtree(self.runtime, ignore_errors=True)
