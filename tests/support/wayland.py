"""A real Wayland compositor for tests: weston, headless, with Xwayland, as a GNOME or KDE Wayland desktop runs.

weston's xwayland module takes a free X display number itself (it writes "xserver listening on display :N" to
its log) and starts Xwayland on the first X client. Its sockets live in a private XDG_RUNTIME_DIR (mode 0700,
as weston demands); the environment it gives clients names the Wayland socket by its full path, so a test may
point XDG_RUNTIME_DIR elsewhere (e.g. at the test PulseAudio).

python-xlib keeps extension event codes per process, not per connection: a process that has talked to an Xvfb
fails to open Xwayland (different extensions) and the other way round. Ask Xwayland from a child process
(`in_child`), as the recorder's CLI does.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from app.processes import spawn, stop_tree

ROOT = Path(__file__).resolve().parent.parent.parent
_LISTENING = re.compile(r"xserver listening on display (:\d+)")


def weston_available() -> str | None:
    """Why a weston test cannot run here (None when it can)."""
    missing = [p for p in ("weston", "Xwayland") if shutil.which(p) is None]
    return f"{' and '.join(missing)} not installed (sudo apt install weston xwayland)" if missing else None


@dataclass
class WestonServer:
    """weston --backend=headless-backend.so --xwayland on its own socket; `display` is its Xwayland."""

    width: int = 1024
    height: int = 768
    runtime: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tdwrec-weston-")))
    socket_name: str = field(default_factory=lambda: f"tdwrec-wayland-{os.getpid()}-{time.monotonic_ns()}")
    display: str = ""
    proc: subprocess.Popen | None = None

    @property
    def socket(self) -> Path:
        return self.runtime / self.socket_name

    @property
    def log(self) -> Path:
        return self.runtime / "weston.log"

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """A Wayland desktop session's environment: WAYLAND_DISPLAY, XDG_SESSION_TYPE and Xwayland's DISPLAY."""
        env = dict(base if base is not None else os.environ)
        env.update(DISPLAY=self.display, WAYLAND_DISPLAY=str(self.socket), XDG_SESSION_TYPE="wayland")
        return env

    def start(self, timeout: float = 20.0) -> "WestonServer":
        os.chmod(self.runtime, 0o700)
        env = dict(os.environ, XDG_RUNTIME_DIR=str(self.runtime))
        for key in ("DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET"):
            env.pop(key, None)  # headless: never a window on the developer's own desktop
        self.proc = spawn(
            ["weston", "--backend=headless-backend.so", "--xwayland", f"--socket={self.socket_name}",
             f"--width={self.width}", f"--height={self.height}", "--use-pixman", "--no-config", f"--log={self.log}",
             "--idle-time=0"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not (self.display and self.socket.exists()):
            if self.proc.poll() is not None:
                break
            match = _LISTENING.search(self.log.read_text(errors="replace")) if self.log.exists() else None
            self.display = match.group(1) if match else ""
            time.sleep(0.05)
        if not (self.display and self.socket.exists()):
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else "(no log)"
            self.stop()
            raise RuntimeError(f"weston with Xwayland did not come up within {timeout} s:\n{log}")
        # Xwayland starts on the first X client: start it now, so a test's first question does not wait for it
        subprocess.run(["xdpyinfo", "-display", self.display], capture_output=True, timeout=timeout, check=True)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_tree(self.proc.pid, timeout=5)
            self.proc = None
        shutil.rmtree(self.runtime, ignore_errors=True)


def in_child(env: dict[str, str], code: str, timeout: float = 30.0) -> str:
    """Run Python `code` (which prints its answer) in a child process with `env`; its stdout."""
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(f"child failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def open_window(env: dict[str, str], title: str, width: int = 320, height: int = 240, x: int = 40, y: int = 40,
                timeout: float = 15.0) -> subprocess.Popen:
    """The moving-pattern test window (tests/support/anim_window.py) on this environment's X display, mapped."""
    proc = spawn([sys.executable, str(ROOT / "tests" / "support" / "anim_window.py"), title, str(width), str(height), str(x), str(y)],
                 env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = subprocess.run(["xwininfo", "-root", "-tree"], env=env, capture_output=True, text=True).stdout
        if f'"{title}"' in listed:
            time.sleep(0.5)  # a few repaints
            return proc
        time.sleep(0.1)
    stop_tree(proc.pid, timeout=3)
    raise RuntimeError(f"test window {title!r} never appeared on {env.get('DISPLAY')}")
