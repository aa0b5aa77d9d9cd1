"""Issue 19, class 6: nothing a recording starts outlives it, and no secret reaches a child that does not need it.

Through the real CLI (as a terminal runs it) with the stand-in build: a scene script that forks a child which
sleeps, and one whose child daemonises (double fork, its own session, its inherited descriptors closed), are
ended with the scene, when it ends by itself and when the user stops it; the end does not wait for them. The OBS
password set in the CLI's environment is in the environment of none of its children (the build, the scene and
what it starts, ffmpeg, Xvfb, pulseaudio); `spawn` leaves it out unless asked.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from app.model.obs import PASSWORD_ENV
from app.processes import spawn
from tests.support.media import decoded_frames
from tests.support.standin_build import BUILD_PATH
from tests.support.terminal import TerminalJob

SECRET = "obs-password-for-no-child"

# Usage: SCRIPT FRAMES PIDFILE fork|daemon. After its first frame the script starts a child that sleeps for five
# minutes: `fork` keeps it as a plain child (holding the scene's pipes), `daemon` detaches it as a daemon does.
SCENE = '''
import os, sys, time
from pathlib import Path
from tdw.controller import Controller
from tdw.tdw_utils import TDWUtils

frames, pidfile, how = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
c = Controller()
c.communicate([TDWUtils.create_empty_room(8, 8), {"$type": "create_avatar", "type": "A_Img_Caps_Kinematic", "id": "a"}])


def sleep_forever():
    pidfile.write_text(str(os.getpid()))
    time.sleep(300)
    os._exit(0)


if os.fork() == 0:
    if how == "daemon":
        os.setsid()
        if os.fork() != 0:
            os._exit(0)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, 4096)
    sleep_forever()
for _ in range(frames):
    c.communicate([])
c.communicate({"$type": "terminate"})
'''


def scene_recording(tmp_path: Path, frames: int, how: str, env: dict[str, str] | None = None) -> tuple[TerminalJob, Path, Path]:
    script, pidfile, out = tmp_path / "forking_scene.py", tmp_path / "child.pid", tmp_path / "out"
    script.write_text(SCENE)
    job = TerminalJob(["record", "--headless", "--mode", "video-frames", "--scene", str(script), "--build", str(BUILD_PATH),
                       "--connect-timeout", "30", "--out", str(out), "--", str(frames), str(pidfile), how],
                      tmp_path / "tmp", {**(env or os.environ), "STANDIN_BUILD_PYTHON": sys.executable})
    job.wait_until(lambda: pidfile.exists() and pidfile.read_text(), 60, "the scene's child")
    return job, out, pidfile


def running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def final_file(out: Path) -> Path:
    [mp4] = list(out.glob("*.mp4"))
    assert decoded_frames(mp4) > 0 and not list(out.glob("*.recording.*"))
    return mp4


def test_a_forked_child_of_a_scene_that_ends_by_itself_ends_with_it(tmp_path, no_orphans):
    job, out, pidfile = scene_recording(tmp_path, 30, "fork")
    child = int(pidfile.read_text())
    code = job.finish()
    assert not running(child), "the scene's child outlived the recording (and held its end back)"
    assert code == 0, job.said
    final_file(out)
    assert job.descendants.alive() == []


def test_a_daemonised_grandchild_of_a_stopped_scene_ends_with_it(tmp_path, no_orphans):
    job, out, pidfile = scene_recording(tmp_path, 100000, "daemon")
    daemon = int(pidfile.read_text())
    assert psutil.Process(daemon).ppid() != psutil.Process(job.proc.pid).pid and daemon not in job.descendants.seen
    job.wait_until(lambda: list(out.glob("*.recording.*")) and next(out.glob("*.recording.*")).stat().st_size > 20_000,
                   30, "frames recorded")
    job.send(signal.SIGINT)
    code = job.finish()
    assert not running(daemon), "the daemon the scene started outlived the recording"
    assert code == 0, job.said
    final_file(out)
    assert job.descendants.alive() == []


def test_the_obs_password_reaches_no_child_of_the_cli(tmp_path, no_orphans):
    job, out, pidfile = scene_recording(tmp_path, 100000, "fork", {**os.environ, PASSWORD_ENV: SECRET})
    try:
        job.wait_until(lambda: list(out.glob("*.recording.*")) and next(out.glob("*.recording.*")).stat().st_size > 20_000,
                       30, "frames recorded")
        seen = {}
        for child in psutil.Process(job.proc.pid).children(recursive=True):
            try:
                seen[child.pid] = (" ".join(child.cmdline()), child.environ())
            except psutil.NoSuchProcess:
                pass
    finally:
        job.send(signal.SIGINT)
        code = job.finish()
    commands = " ".join(cmd for cmd, _ in seen.values())
    for part in ("Xvfb", "pulseaudio", "ffmpeg", "standin_build.py", "app.scene.child"):  # the build: the stand-in
        assert part in commands, f"no {part} among {commands}"
    assert int(pidfile.read_text()) in seen  # the scene's own child too
    assert [cmd for cmd, environ in seen.values() if PASSWORD_ENV in environ or SECRET in environ.values()] == []
    assert code == 0, job.said
    final_file(out)


def test_spawn_leaves_secrets_out_unless_asked(no_orphans):
    show = [sys.executable, "-c", f"import os; print(os.environ.get({PASSWORD_ENV!r}, '-'))"]
    env = {**os.environ, PASSWORD_ENV: SECRET}
    plain = spawn(show, env=env, stdout=subprocess.PIPE, text=True)
    asked = spawn(show, env=env, secrets=True, stdout=subprocess.PIPE, text=True)
    assert plain.communicate(timeout=30)[0].strip() == "-"
    assert asked.communicate(timeout=30)[0].strip() == SECRET


def commands(procs) -> list[str]:
    found = []
    for proc in procs:
        try:
            found.append(" ".join(proc.cmdline()))
        except psutil.Error:
            pass
    return found


@pytest.mark.parametrize("how", ["fork", "daemon"])
def test_kill_9_of_the_cli_while_a_scene_records_leaves_no_process(tmp_path, how):
    """Nothing can clean up after a `kill -9`: the guard the recorder starts (app.reaper) ends the scene's session,
    its forks and daemons, the build and ffmpeg when the recorder is gone, and the crash-safe file is kept."""
    job, out, pidfile = scene_recording(tmp_path, 100000, how)
    child = int(pidfile.read_text())
    job.wait_until(lambda: list(out.glob("*.recording.*")) and next(out.glob("*.recording.*")).stat().st_size > 20_000,
                   30, "frames recorded")
    names = " ".join(commands(job.descendants.seen.values()))
    assert all(part in names for part in ("ffmpeg", "standin_build.py", "app.scene.child")), names
    os.kill(job.proc.pid, signal.SIGKILL)  # the CLI alone, as `kill -9 PID` does
    job.finish()
    assert job.descendants.alive() == [], "processes outlived the killed recorder"
    assert not running(child), f"the scene's child ({how}) outlived the killed recorder"
    [live] = list(out.glob("*.recording.*"))
    assert decoded_frames(live) > 0  # the crash-safe file plays, for `recover`
