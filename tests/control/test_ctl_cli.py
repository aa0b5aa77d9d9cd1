"""`tdw-recorder ctl` against a real `tdw-recorder record` process: a TDW scene's window (the stand-in build paints
its frame number on every picture) recorded, paused and resumed from outside, then stopped."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.media import probe
from tests.support.standin_build import BUILD_PATH, recorded_frame_numbers

MAIN = Path(__file__).parents[2] / "main.py"
SCENES = Path(__file__).parents[1] / "support" / "scenes"
FPS = 30


@pytest.fixture
def ctl_env(env, tmp_path):
    """A private runtime folder: other recorders of this machine (other test runs) are not seen."""
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    return {**env, "XDG_RUNTIME_DIR": str(run), "STANDIN_BUILD_PYTHON": sys.executable}


def ctl(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(MAIN), "ctl", *args], env=env, capture_output=True, text=True, timeout=30)


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def status(env, ident: str) -> str:
    done = ctl(env, "status", "--id", ident)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_cli_recording_is_paused_resumed_queried_and_stopped_with_ctl(no_orphans, ctl_env, tmp_path):
    out = tmp_path / "out"
    assert "No recorder is running" in ctl(ctl_env, "status").stderr  # none yet: one line, exit 2
    proc = subprocess.Popen([sys.executable, str(MAIN), "record", "--scene", str(SCENES / "streamed_scene.py"),
                             "--build", str(BUILD_PATH), "--out", str(out), "--control-id", "scene1", "--", "100000"],
                            env=ctl_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        sock = Path(ctl_env["XDG_RUNTIME_DIR"]) / "tdw-recorder" / "scene1.sock"
        wait_for(sock.exists)
        assert stat.S_IMODE(sock.stat().st_mode) == 0o600 and stat.S_ISSOCK(sock.stat().st_mode)
        assert stat.S_IMODE(sock.parent.stat().st_mode) == 0o700
        wait_for(lambda: "recording," in status(ctl_env, "scene1") and " 0 frames" not in status(ctl_env, "scene1"))
        time.sleep(1.0)
        paused = ctl(ctl_env, "pause")  # the only recorder: no --id needed
        paused_at = time.monotonic()
        assert paused.returncode == 0 and "Paused." in paused.stdout, paused.stderr
        assert "already" in ctl(ctl_env, "pause").stderr
        time.sleep(1.5)  # ~45 frames the build renders now are left out
        line = status(ctl_env, "scene1")
        assert "paused," in line and f"file {out}" in line
        between = time.monotonic() - paused_at
        assert ctl(ctl_env, "resume").returncode == 0
        time.sleep(1.0)
        line = status(ctl_env, "scene1")
        paused_s = float(line.split(" s paused")[0].rsplit(",", 1)[1])
        assert 1.4 < paused_s < 4, line
        assert "recording already" in ctl(ctl_env, "start").stderr
        stopped = ctl(ctl_env, "stop", "--id", "scene1")
        assert stopped.returncode == 0 and "Stopping" in stopped.stdout
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "ctl pause|resume|status|stop --id scene1" in err
    assert not sock.exists()  # removed when the recorder ends
    [final] = list(out.glob("*.mp4"))
    numbers, torn = recorded_frame_numbers(final)
    assert numbers == sorted(numbers) and torn <= 4
    steps = [b - a for a, b in zip(numbers, numbers[1:])]
    jumps = [s for s in steps if s > 5]
    # one jump: the frames rendered while paused are absent; nothing else is missing, nothing frozen
    # the frames the build rendered while paused: at least those between the two commands, at most the paused time's
    # (which ends once the capture records again; the scene waits for it meanwhile)
    assert len(jumps) == 1 and (between - 0.3) * FPS <= jumps[0] <= paused_s * FPS + 6, (jumps, between, paused_s)
    assert max(len(list(g)) for g in _runs(numbers)) <= 3
    duration = float(probe(final)["format"]["duration"])
    recorded = (numbers[-1] - numbers[0] - jumps[0]) / FPS
    assert abs(duration - recorded) < 0.4, (duration, recorded)  # the file is the recorded time, no gap
    assert "No recorder is running" in ctl(ctl_env, "status").stderr


def _runs(numbers: list[int]):
    import itertools

    return (list(g) for _, g in itertools.groupby(numbers))


def test_ctl_with_two_recorders_asks_which_and_stale_sockets_are_cleaned(ctl_env, tmp_path):
    """Two servers (what `record` and the window run) and one dead recorder's socket."""
    from app.control import client
    from app.control.answers import starting
    from app.control.server import ControlServer

    env = ctl_env
    place = Path(env["XDG_RUNTIME_DIR"]) / "tdw-recorder"
    old_env = dict(os.environ)
    os.environ["XDG_RUNTIME_DIR"] = env["XDG_RUNTIME_DIR"]
    servers = []
    try:
        servers = [ControlServer(starting, "a").start(), ControlServer(starting, "b").start()]
        import socket

        dead = socket.socket(socket.AF_UNIX)
        dead.bind(str(place / "dead.sock"))
        dead.close()  # a socket file nobody listens at: a recorder killed with -9
        done = ctl(env, "status")
        assert done.returncode == 2 and "2 recorders are running (a, b): say which with --id." in done.stderr
        assert not (place / "dead.sock").exists()
        with pytest.raises(Exception, match="Another recorder already answers as 'a'"):
            ControlServer(starting, "a").start()
        reply = client.send(client.choose("b"), "pause")
        assert reply["ok"] is False and "still starting" in reply["error"]
        assert ctl(env, "status", "--id", "a").stdout.startswith("a (tdw-recorder record): starting")
        assert "No recorder with id 'c' is running (running: a, b)." in ctl(env, "pause", "--id", "c").stderr
    finally:
        for server in servers:
            server.close()
        os.environ.clear()
        os.environ.update(old_env)
    assert not place.exists()  # the last one out removes the folder


@pytest.mark.skipif(os.getuid() != 0, reason="needs root, to connect as another user")
def test_another_user_cannot_connect_and_is_refused_even_when_the_socket_is_opened_up():
    """0600 in a 0700 folder keeps other users out; and if someone opens them up, the peer's uid (SO_PEERCRED) is
    checked: the other user is refused and nothing is carried out."""
    import shutil
    import tempfile

    from app.control.server import ControlServer

    runtime = Path(tempfile.mkdtemp(prefix="tdwrec-ctl-"))  # in /tmp, which others may pass through
    runtime.chmod(0o755)
    carried_out: list[str] = []
    server = ControlServer(lambda c: carried_out.append(c) or {}, "guarded", env={"XDG_RUNTIME_DIR": str(runtime)})
    server.start()
    probe = ("import socket, sys, os; os.setgroups([]); os.setgid(65534); os.setuid(65534); "
             "s = socket.socket(socket.AF_UNIX); s.settimeout(5)\n"
             "try:\n    s.connect(sys.argv[1])\nexcept OSError as e:\n    print('refused', e.errno); sys.exit()\n"
             "try:\n    s.sendall(b'{\"command\": \"pause\"}\\n')\nexcept OSError:\n    pass\n"  # refused already
             "print(s.recv(4096).decode())")
    try:
        shut = subprocess.run([sys.executable, "-c", probe, str(server.path)], capture_output=True, text=True, timeout=10)
        assert shut.stdout.startswith("refused 13"), shut.stdout + shut.stderr  # EACCES: mode 0600 in 0700
        os.chmod(server.path.parent, 0o755)
        os.chmod(server.path, 0o666)
        opened = subprocess.run([sys.executable, "-c", probe, str(server.path)], capture_output=True, text=True,
                                timeout=10)
        assert "Only the user who runs the recorder may control it." in opened.stdout, opened.stdout + opened.stderr
        assert carried_out == []
    finally:
        server.close()
        shutil.rmtree(runtime, ignore_errors=True)
