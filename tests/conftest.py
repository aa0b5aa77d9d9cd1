"""Fixtures: real Xvfb + openbox, a real PulseAudio with a null sink, a test window, a tone player."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from app.machine import Machine
from app.processes import spawn, stop_tree
from app.screen.x11 import X11Display
from tests.support.servers import PulseServer, XServer

SUPPORT = Path(__file__).parent / "support"


@pytest.fixture(autouse=True, scope="session")
def private_config(tmp_path_factory):
    """The user's own settings (e.g. a saved A/V calibration) never change what the tests record."""
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("xdg-config"))
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("xdg-state"))  # the runs' log files (app.logs)
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))  # the encoder probe's results
    yield


@pytest.fixture(scope="session")
def xserver():
    server = XServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pulse():
    server = PulseServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def weston():
    """A real Wayland compositor (weston, headless, with Xwayland), one per test module that asks for it."""
    from tests.support.wayland import WestonServer, weston_available

    missing = weston_available()
    if missing:
        pytest.skip(missing)
    server = WestonServer(width=800, height=600).start()
    yield server
    server.stop()


@pytest.fixture
def env(xserver, pulse) -> dict[str, str]:
    """The environment a user's session would have: DISPLAY and a sound server."""
    return pulse.env(xserver.env())


@pytest.fixture
def machine(env) -> Machine:
    return Machine(env=env, platform="linux")


@pytest.fixture
def anim_window(xserver):
    """Start a moving-pattern window; returns a function (title, w, h, x, y) -> WindowInfo."""
    procs: list[subprocess.Popen] = []

    def open_window(title: str = "Test Pattern", width: int = 320, height: int = 240, x: int = 100, y: int = 80):
        proc = spawn([sys.executable, str(SUPPORT / "anim_window.py"), title, str(width), str(height), str(x), str(y)],
                     env=xserver.env(), stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        proc.stdout.readline()  # the window is mapped once it prints its id
        display = X11Display(env=xserver.env())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = [w for w in display.windows() if w.title == title]
            if found:
                time.sleep(0.3)  # let the window manager finish placing it
                return display.find_window(title)
            time.sleep(0.1)
        raise RuntimeError(f"test window {title!r} never appeared")

    yield open_window
    for proc in procs:
        stop_tree(proc.pid, timeout=3)


@pytest.fixture
def tone(pulse):
    """Play a continuous 440 Hz tone into the test sink for as long as the test runs."""
    procs: list[subprocess.Popen] = []

    def play(seconds: float = 30.0) -> None:
        procs.append(spawn(
            ["ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
             "-f", "pulse", "test-tone"],
            env=pulse.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
        time.sleep(0.5)

    yield play
    for proc in procs:
        stop_tree(proc.pid, timeout=3)


@pytest.fixture
def no_orphans():
    """Fails the test if it leaves any child process of ours behind (beyond the session servers)."""
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    yield
    deadline = time.monotonic() + 5
    while True:
        left = [p for p in me.children(recursive=True) if p.pid not in before and p.status() != psutil.STATUS_ZOMBIE]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not left, f"processes left behind: {[(p.pid, p.name()) for p in left]}"
