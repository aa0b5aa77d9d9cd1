"""A real wlroots compositor for tests: sway, headless (pixman), with Xwayland, one output of a known size and a
solid background colour, as a sway desktop runs.

sway refuses to run as root. Run as root (a container, CI), it runs as an unprivileged test user (TEST_USER,
created once with `useradd` when missing) through `setpriv`; run as anyone else, as that user. Its sockets live in a
private XDG_RUNTIME_DIR (0700, owned by the user sway runs as); the test process and the recorder it starts reach
them by full path (WAYLAND_DISPLAY and SWAYSOCK name them so), as root may, or as the same user. Nothing is made
readable to anyone else.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from app.processes import spawn, stop_tree

TEST_USER = "tdwrec-test"
NEEDED = ("sway", "swaymsg", "swaybg", "wf-recorder", "Xwayland", "xdpyinfo", "setpriv")


def sway_available() -> str | None:
    """Why a sway test cannot run here (None when it can)."""
    missing = [p for p in NEEDED if shutil.which(p) is None]
    if missing:
        return f"{' and '.join(missing)} not installed (sudo apt install sway wf-recorder xwayland x11-utils)"
    if os.geteuid() == 0 and not _user_exists() and shutil.which("useradd") is None:
        return f"sway does not run as root, and the test user {TEST_USER} cannot be made (no useradd)"
    return None


def _user_exists() -> bool:
    try:
        pwd.getpwnam(TEST_USER)
        return True
    except KeyError:
        return False


def _account() -> pwd.struct_passwd:
    """The account sway runs as: ours, or (as root) the test user, created once."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    if not _user_exists():
        subprocess.run(["useradd", "--create-home", "--shell", "/usr/sbin/nologin", TEST_USER], check=True,
                       capture_output=True)
    return pwd.getpwnam(TEST_USER)


@dataclass
class SwayServer:
    """sway on WLR_BACKENDS=headless with one output (HEADLESS-1) of width x height, filled with `background`."""

    width: int = 640
    height: int = 480
    background: str = "#ff0000"
    runtime: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tdwrec-sway-")))
    display: str = ""  # sway's Xwayland
    proc: subprocess.Popen | None = None

    @property
    def log(self) -> Path:
        return self.runtime / "sway.log"

    def _one(self, pattern: str) -> Path | None:
        found = sorted(p for p in self.runtime.glob(pattern) if not p.name.endswith(".lock"))
        return found[0] if found else None

    @property
    def socket(self) -> Path:
        found = self._one("wayland-*")
        assert found is not None, "sway has not started"
        return found

    @property
    def ipc(self) -> Path:
        found = self._one("sway-ipc.*.sock")
        assert found is not None, "sway has not started"
        return found

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """A sway desktop session's environment: its Wayland socket, its IPC socket, Xwayland's DISPLAY."""
        env = dict(base if base is not None else os.environ)
        env.update(WAYLAND_DISPLAY=str(self.socket), SWAYSOCK=str(self.ipc), DISPLAY=self.display,
                   XDG_SESSION_TYPE="wayland", XDG_CURRENT_DESKTOP="sway")
        return env

    def start(self, timeout: float = 20.0) -> "SwayServer":
        account = _account()
        config = self.runtime / "config"
        # Xwayland lets in only its owner: as root, the tests (root) are let in too. Then sway's children learn the
        # X display of its Xwayland, which is kept for the tests.
        allow = "xhost +si:localuser:root >/dev/null && " if os.geteuid() == 0 else ""
        config.write_text(
            f"output * mode {self.width}x{self.height} position 0 0 bg {self.background} solid_color\n"
            "xwayland force\n"
            f"exec sh -c '{allow}printf %s \"$DISPLAY\" > \"$XDG_RUNTIME_DIR/display.tmp\" && "
            "mv \"$XDG_RUNTIME_DIR/display.tmp\" \"$XDG_RUNTIME_DIR/display\"'\n"
        )
        for path in (self.runtime, config):
            os.chown(path, account.pw_uid, account.pw_gid)
        os.chmod(self.runtime, 0o700)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.runtime), "USER": account.pw_name,
               "XDG_RUNTIME_DIR": str(self.runtime), "WLR_BACKENDS": "headless", "WLR_LIBINPUT_NO_DEVICES": "1",
               "WLR_RENDERER": "pixman"}  # nothing of the caller's desktop: never a window on the developer's screen
        command = ["sway", "--config", str(config)]
        if os.geteuid() == 0:
            command = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--init-groups",
                       "--pdeathsig", "TERM", "--", *command]
        with open(self.log, "wb") as log:
            self.proc = spawn(command, env=env, cwd=self.runtime, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        display_file = self.runtime / "display"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if display_file.exists() and self._one("wayland-*") and self._one("sway-ipc.*.sock"):
                self.display = display_file.read_text().strip()
                break
            time.sleep(0.05)
        if not self.display:
            log_text = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else "(no log)"
            self.stop()
            raise RuntimeError(f"sway did not come up within {timeout} s:\n{log_text}")
        try:
            subprocess.run(["xdpyinfo", "-display", self.display], capture_output=True, timeout=timeout, check=True)
            self._wait_for_background(deadline)
        except (OSError, subprocess.SubprocessError, RuntimeError):
            self.stop()
            raise
        return self

    def _session(self) -> list[psutil.Process]:
        """sway and what it started: its helpers (swaybg, the shell of `exec`) are forked away from its process tree,
        so they are found by the runtime directory they were given."""
        found = []
        for proc in psutil.process_iter(["pid"]):
            try:
                if proc.environ().get("XDG_RUNTIME_DIR") == str(self.runtime):
                    found.append(proc)
            except (psutil.Error, OSError):
                continue
        return found

    def _wait_for_background(self, deadline: float) -> None:
        """sway starts swaybg to draw the colour: wait until it runs, and a moment for its first frame."""
        while time.monotonic() < deadline:
            if any(p.name() == "swaybg" for p in self._session() if p.is_running()):
                time.sleep(0.5)
                return
            time.sleep(0.05)
        raise RuntimeError("swaybg never started under sway")

    def stop(self) -> None:
        """`swaymsg exit` (sway ends Xwayland and swaybg itself), then whatever of its session is left."""
        if self.proc is not None:
            if self.proc.poll() is None and self._one("sway-ipc.*.sock"):
                subprocess.run(["swaymsg", "exit"], env=self.env(), capture_output=True, timeout=10)
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    pass
            stop_tree(self.proc.pid, timeout=5)
            for left in self._session():
                stop_tree(left.pid, timeout=5)
            self.proc = None
        shutil.rmtree(self.runtime, ignore_errors=True)
