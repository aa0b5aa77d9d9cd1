"""A private display and sound server for machines that have neither (servers, CI, containers).

`Headless` starts Xvfb on a display number it picks itself (`-displayfd`: no race with other X
servers), openbox with undecorated windows placed at 0,0 (so a build sized to the screen fills it
exactly), and a PulseAudio with one null sink reachable only through its own socket in a private
runtime folder. `env()` gives what the build, the scene and ffmpeg need (DISPLAY, PULSE_SERVER,
XDG_RUNTIME_DIR). Every server is started with `app.processes.spawn`, so the kernel stops it when the
app dies, even on `kill -9`; `stop()` takes each tree down and removes the runtime folder.
This replaces the TDW docs' Docker container for audio + video on a headless Linux server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable, Mapping

import psutil

from app.errors import RecorderError
from app.processes import spawn, stop_tree
from app.unix_socket import SHORT_ROOT, fits, temp_root, too_long

DEFAULT_SIZE = (1280, 720)
SINK = "tdw_recorder"
_PREFIX = "tdw-recorder-headless-"
_SOCKET = Path("pulse", "native")  # the sound server's socket, in the runtime folder
_OPENBOX_RC = """<?xml version="1.0"?>
<openbox_config xmlns="http://openbox.org/3.4/rc">
  <theme><name>tdw-recorder</name></theme>
  <applications><application class="*"><decor>no</decor>
    <position force="yes"><x>0</x><y>0</y></position></application></applications>
</openbox_config>
"""


def _remove_stale_runtimes() -> None:
    """Remove runtime folders left by an app that was killed (-9): the kernel stopped its servers, not its files."""
    roots = {Path(tempfile.gettempdir()), SHORT_ROOT}
    for folder in (found for root in roots for found in root.glob(f"{_PREFIX}*")):
        try:
            owner = int((folder / "owner.pid").read_text())
        except (OSError, ValueError):
            continue  # not ours to judge (or still being made)
        if not psutil.pid_exists(owner):
            shutil.rmtree(folder, ignore_errors=True)


def _wait_for(ready: Callable[[], bool], timeout: float, failure: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.05)
    raise RecorderError(failure)


def _need(program: str, package: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise RecorderError(f"--headless needs {program}: install it (sudo apt install {package}).")
    return path


class Headless:
    """Xvfb + openbox + PulseAudio (null sink), all private to one recording; use as a context manager."""

    def __init__(self, size: tuple[int, int] | None = None, window_manager: bool = True,
                 base_env: Mapping[str, str] | None = None) -> None:
        self.width, self.height = size or DEFAULT_SIZE
        self.window_manager = window_manager
        self._base = dict(base_env if base_env is not None else os.environ)
        self.runtime = Path()  # a private folder (sockets, configs, logs), made by start()
        self.display = ""
        self.procs: list[subprocess.Popen] = []

    @property
    def socket(self) -> Path:
        return self.runtime / _SOCKET

    def env(self) -> dict[str, str]:
        """The caller's environment pointed at the private servers (and nowhere else)."""
        env = dict(self._base)
        env.update(DISPLAY=self.display, PULSE_SERVER=f"unix:{self.socket}", XDG_RUNTIME_DIR=str(self.runtime))
        for key in ("PULSE_SINK", "PULSE_SOURCE", "WAYLAND_DISPLAY", "XAUTHORITY"):
            env.pop(key, None)
        return env

    def __enter__(self) -> "Headless":
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> "Headless":
        _remove_stale_runtimes()
        deepest = Path(f"{_PREFIX}{'x' * 8}", _SOCKET)  # mkdtemp adds 8 characters; the socket must fit (unix_socket)
        root = temp_root(str(deepest))
        if not fits(root / deepest):
            raise RecorderError(f"{too_long(root / deepest)}: set TMPDIR to a shorter folder (e.g. /tmp).")
        self.runtime = Path(tempfile.mkdtemp(prefix=_PREFIX, dir=root))  # mode 0700, as PulseAudio wants
        (self.runtime / "owner.pid").write_text(str(os.getpid()))
        try:
            self._start_x()
            if self.window_manager and shutil.which("openbox"):
                self._start_openbox()
            self._start_pulse()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_x(self) -> None:
        xvfb = _need("Xvfb", "xvfb")
        read_fd, write_fd = os.pipe()
        try:
            proc = spawn([xvfb, "-displayfd", str(write_fd), "-screen", "0", f"{self.width}x{self.height}x24",
                          "-nolisten", "tcp", "-noreset"],
                         pass_fds=(write_fd,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=self._base)
        finally:
            os.close(write_fd)
        self.procs.append(proc)
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()  # Xvfb writes it once it accepts connections
        if not number.isdigit():
            raise RecorderError(f"Xvfb did not start (exit code {proc.poll()}): run `Xvfb -displayfd 1` to see why.")
        self.display = f":{number}"

    def _start_openbox(self) -> None:
        rc = self.runtime / "openbox-rc.xml"
        rc.write_text(_OPENBOX_RC)
        theme = self.runtime / ".themes" / "tdw-recorder" / "openbox-3" / "themerc"
        theme.parent.mkdir(parents=True)
        theme.write_text("border.width: 0\npadding.width: 0\n")  # no frame: a window at 0,0 is at 0,0
        env = self.env()
        env["HOME"] = str(self.runtime)  # openbox writes its session files under HOME
        self.procs.append(spawn(["openbox", "--sm-disable", "--config-file", str(rc)], env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

        def managed() -> bool:
            done = subprocess.run(["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=env, capture_output=True)
            return b"window id" in done.stdout

        if shutil.which("xprop"):
            _wait_for(managed, 10, "openbox did not start on the virtual display: run without it or reinstall openbox.")

    def _start_pulse(self) -> None:
        pulseaudio = _need("pulseaudio", "pulseaudio")
        self.socket.parent.mkdir(mode=0o700)
        config = self.runtime / "default.pa"
        config.write_text(
            f"load-module module-native-protocol-unix socket={self.socket} auth-anonymous=1\n"
            f"load-module module-null-sink sink_name={SINK} sink_properties=device.description=TDWRecorder\n"
            f"set-default-sink {SINK}\n"
        )
        env = self.env()
        env["HOME"] = str(self.runtime)  # its cookie and state stay private too
        args = [pulseaudio, "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit", "-n", "-F", str(config),
                "--use-pid-file=no", "--log-target=stderr", "--log-level=error"]
        with open(self.runtime / "pulseaudio.log", "wb") as errors:  # a file, never a pipe nobody drains
            proc = spawn(args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors)
        self.procs.append(proc)

        def answers() -> bool:
            if proc.poll() is not None:
                return True
            done = subprocess.run(["pactl", "info"], env=self.env(), capture_output=True)
            return done.returncode == 0

        _need("pactl", "pulseaudio-utils")
        _wait_for(answers, 15, "PulseAudio did not answer on the virtual sound server: run `pulseaudio -vvv` to see why.")
        if proc.poll() is not None:
            why = (self.runtime / "pulseaudio.log").read_text(errors="replace").strip().splitlines()
            raise RecorderError(f"PulseAudio did not start: {why[-1] if why else f'exit code {proc.returncode}'}.")

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p.poll() is None]

    def stop(self) -> None:
        """Stop every server (newest first) and remove the runtime folder; safe to call twice."""
        for proc in reversed(self.procs):
            stop_tree(proc.pid, timeout=3)
            proc.wait(timeout=1)
        self.procs.clear()
        if self.runtime != Path():
            shutil.rmtree(self.runtime, ignore_errors=True)


def headless_for(settings) -> Headless:
    """The private servers a `--headless` recording needs: a screen of `screen_size` (else 1280x720).

    Refused off Linux with one sentence, since Xvfb and PulseAudio are Linux programs.
    """
    if not str(getattr(settings, "platform", "linux")).startswith("linux"):
        raise RecorderError("--headless works on Linux only: on Windows and macOS record on the desktop.")
    size = None
    text = str(getattr(settings, "screen_size", "") or "").lower()
    if "x" in text and all(part.strip().isdigit() for part in text.split("x", 1)):
        size = tuple(int(part) for part in text.split("x", 1))
    return Headless(size)  # type: ignore[arg-type]
