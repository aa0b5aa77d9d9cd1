"""Children that stop making progress without exiting (issue 19, class 1): a frozen ffmpeg, a build that
connected and then never answers. The recording ends within seconds with a line that names what stalled,
what was written is kept, and no process is left. Timing is the benchmark's business (benchmarks/stalls.py)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from app.model.settings import CaptureSettings
from app.preflight import plan
from app.session import Session
from tests.support.media import decoded_frames, wait_for_frames
from tests.support.standin_build import BUILD_PATH

ROOT = Path(__file__).resolve().parents[1]
SCENES = ROOT / "tests" / "support" / "scenes"


def ffmpeg_under(pid: int) -> psutil.Process:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = []
        for child in psutil.Process(pid).children(recursive=True):
            try:
                if child.name() == "ffmpeg" and "x11grab" in child.cmdline():  # not a capability probe
                    found.append(child)
            except psutil.Error:
                pass
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError("no ffmpeg started")


def test_a_frozen_ffmpeg_ends_the_cli_recording_with_a_named_cause(no_orphans, env, anim_window, tmp_path):
    anim_window("Freeze", 320, 240, 100, 80)
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "record", "--region", "window:Freeze",
                             "--out", str(tmp_path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ffmpeg = ffmpeg_under(proc.pid)
        deadline = time.monotonic() + 10
        while not list(tmp_path.glob("*.recording.*")) and time.monotonic() < deadline:
            time.sleep(0.05)
        [live] = list(tmp_path.glob("*.recording.*"))
        wait_for_frames(live, 20)
        ffmpeg.send_signal(signal.SIGSTOP)  # alive, silent: nothing more is written
        out, err = proc.communicate(timeout=60)  # ends by itself: no Ctrl+C
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, err
    said = out + err
    assert "The recorder (ffmpeg) stopped making progress" in said and "What was recorded is kept" in said
    assert "Traceback" not in said
    assert not ffmpeg.is_running() or ffmpeg.status() == psutil.STATUS_ZOMBIE
    saved = Path(out.split("Saved ", 1)[1].split("\n", 1)[0])
    assert decoded_frames(saved) >= 20


def scene_cli(env, tmp_path, *args):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "record", "--build", str(BUILD_PATH),
                           "--out", str(tmp_path / "out"), "--connect-timeout", "30", *args],
                          env=env, capture_output=True, text=True, timeout=120)


def test_a_build_that_stops_answering_ends_a_frame_recording_with_duration(no_orphans, env, tmp_path):
    scene_env = {**env, "STANDIN_BUILD_PYTHON": sys.executable, "STANDIN_BUILD_HANG_AT_FRAME": "40"}
    done = scene_cli(scene_env, tmp_path, "--scene", "demo:moving_object", "--mode", "video-frames",
                     "--duration", "60", "--", "100000")
    assert done.returncode == 1, done.stderr
    said = done.stdout + done.stderr
    assert "The TDW build stopped answering" in said and "What was recorded is kept" in said
    assert "camera" not in said and "Traceback" not in said  # the cause, not a guess
    [saved] = list((tmp_path / "out").iterdir())
    assert saved.suffix == ".mp4" and decoded_frames(saved) >= 30


def test_a_build_that_stops_answering_ends_a_window_recording(no_orphans, env, tmp_path):
    scene_env = {**env, "STANDIN_BUILD_PYTHON": sys.executable, "STANDIN_BUILD_HANG_AT_FRAME": "40"}
    done = scene_cli(scene_env, tmp_path, "--scene", "demo:moving_object", "--mode", "video", "--region", "tdw",
                     "--screen-size", "320x240", "--", "100000")
    assert done.returncode == 1, done.stderr
    assert "The TDW build stopped answering" in done.stdout + done.stderr
    [saved] = list((tmp_path / "out").iterdir())
    assert decoded_frames(saved) >= 20


def test_a_slow_scene_is_not_a_stall(no_orphans, machine, tmp_path):
    """A script that thinks between frames (the build idle, nothing sent) is not the build's stall."""
    env = {**machine.env, "STANDIN_BUILD_PYTHON": sys.executable}
    script = tmp_path / "thinking.py"
    script.write_text("import time\nfrom tdw.controller import Controller\nfrom tdw.tdw_utils import TDWUtils\n"
                      "c = Controller()\nc.communicate([TDWUtils.create_empty_room(8, 8), {'$type': 'create_avatar', "
                      "'type': 'A_Img_Caps_Kinematic', 'id': 'a'}])\n"
                      "for i in range(20):\n    c.communicate([])\ntime.sleep(6)\n"
                      "for i in range(20):\n    c.communicate([])\nc.communicate({'$type': 'terminate'})\n")
    settings = CaptureSettings(mode="video-frames", scene=str(script), build=str(BUILD_PATH),
                               output_dir=str(tmp_path / "out"), connect_timeout=30)
    session = Session(plan(settings, machine), env=env)
    session.start()
    assert session.wait(60)
    result = session.stop()
    assert result.error is None, result.error
    assert decoded_frames(result.path) >= 40


def test_stop_with_a_frozen_ffmpeg_leaves_no_process(no_orphans, machine, anim_window, tmp_path):
    anim_window("Frozen Stop", 320, 240, 100, 80)
    session = Session(plan(CaptureSettings(region="window:Frozen Stop", output_dir=str(tmp_path)), machine),
                      env=machine.env)
    session.start()
    wait_for_frames(session.paths.recording, 15)
    [guard] = session.recorder.pids()  # ffmpeg runs under a one-signal guard: freeze ffmpeg itself
    pid = next(p.pid for p in psutil.Process(guard).children(recursive=True) + [psutil.Process(guard)]
               if p.name() == "ffmpeg")
    os.kill(pid, signal.SIGSTOP)
    session.request_stop()
    result = session.stop()  # Stop: never waits for a frozen child for long (benchmarks/stalls.py times it)
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert result.path is not None and decoded_frames(result.path) >= 15


def test_a_stalled_sound_server_is_named_as_the_cause_of_an_av_recording_stall(tmp_path):
    """ffmpeg holds the picture back while the sound is missing, so the picture cannot go on in the same file: the
    recording stops, and the line names the sound and its source (not ffmpeg), and the file is kept."""
    from tests.support.terminal import TerminalJob

    out = tmp_path / "out"
    job = TerminalJob(["record", "--headless", "--mode", "av", "--region", "0,0,160x120", "--audio", "default",
                       "--out", str(out)], tmp_path / "tmp")
    job.wait_until(lambda: [p for p in out.glob("*.recording.*") if p.stat().st_size > 8_000], 30, "sound and picture")
    [server] = [p for p in job.descendants.seen.values() if p.is_running() and "pulseaudio" in " ".join(p.cmdline())]
    server.send_signal(signal.SIGSTOP)  # alive, silent: the sound stops coming
    try:
        code = job.finish(60)  # ends by itself
        # before the server wakes: an ffmpeg blocked on it hears no `q` or SIGTERM, and was once left behind here
        left_while_frozen = [line for line in job.descendants.alive(timeout=5) if "pulseaudio" not in line]
    finally:
        if server.is_running():
            server.send_signal(signal.SIGCONT)
    assert left_while_frozen == [], left_while_frozen
    said = "".join(job.stdout) + job.said
    assert code == 1, said
    assert "The sound from tdw_recorder.monitor stopped: the sound server (PulseAudio) does not answer" in said, said
    assert "What was recorded is kept" in said and "Traceback" not in said
    [saved] = list(out.glob("*.mp4"))
    assert decoded_frames(saved) >= 10
    assert job.descendants.alive() == []


def test_an_ffmpeg_blocked_on_a_frozen_sound_server_is_ended_not_left_behind(xserver, anim_window, tmp_path):
    """On the user's own sound server (not --headless, whose teardown wakes the server and hid this): ffmpeg waits on
    the frozen server and hears neither `q` nor SIGTERM. It used to outlive stop() until the server woke up."""
    from app.machine import Machine
    from tests.support.servers import PulseServer

    own = PulseServer().start()  # frozen below: not the suite's shared server
    try:
        env = own.env(xserver.env())
        anim_window("Frozen Sound", 160, 120, 50, 50)
        settings = CaptureSettings(mode="av", region="window:Frozen Sound", audio="default", output_dir=str(tmp_path))
        session = Session(plan(settings, Machine(env=env)), env=env)
        session.start()
        deadline = time.monotonic() + 20
        while session.status.frames < 15 and time.monotonic() < deadline:
            time.sleep(0.1)
        os.kill(own.proc.pid, signal.SIGSTOP)
        try:
            assert session.ended.wait(30)
            result = session.stop()
            left = [p for p in psutil.Process().children(recursive=True) if p.is_running() and p.name() == "ffmpeg"
                    and p.status() != psutil.STATUS_ZOMBIE]
        finally:
            os.kill(own.proc.pid, signal.SIGCONT)
        assert left == [], [p.cmdline() for p in left]
        assert result.error.startswith("The sound from") and result.path is not None and decoded_frames(result.path) >= 10
    finally:
        own.stop()
