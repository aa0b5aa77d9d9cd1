"""--headless: a private Xvfb + PulseAudio for a machine with neither, through the real CLI; nothing left behind."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from app.audio.pulse import PulseAudio
from app.errors import RecorderError
from app.headless import Headless, headless_for
from app.screen.x11 import X11Display
from app.model.settings import CaptureSettings
from tests.support.media import mean_volume_db, probe, stream
from tests.support.standin_build import BUILD_PATH

ROOT = Path(__file__).parent.parent
SERVERS = {"Xvfb", "pulseaudio", "ffmpeg", "openbox"}


def bare_env() -> dict[str, str]:
    """A server's environment: no display, no sound server."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "PULSE_SERVER", "XDG_RUNTIME_DIR", "PULSE_SINK")}
    env["STANDIN_BUILD_PYTHON"] = sys.executable
    return env


def watch(proc: subprocess.Popen) -> dict[int, str]:
    """Every descendant seen while `proc` runs (pid -> name), so we can check each one is gone afterwards."""
    seen: dict[int, str] = {}
    while proc.poll() is None:
        try:
            for child in psutil.Process(proc.pid).children(recursive=True):
                seen[child.pid] = child.name()  # the latest name: just after fork a child is still "python"
        except psutil.NoSuchProcess:
            break
        time.sleep(0.1)
    return seen


def alive(pids) -> list[int]:
    left = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                left.append(pid)
        except psutil.NoSuchProcess:
            pass
    return left


def wait_gone(pids, timeout=10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive(pids)


def test_private_servers_come_up_sized_and_go_away(no_orphans):
    servers = Headless((640, 360), base_env=bare_env()).start()
    try:
        env = servers.env()
        assert env["DISPLAY"].startswith(":") and env["PULSE_SERVER"] == f"unix:{servers.socket}"
        assert env["XDG_RUNTIME_DIR"] == str(servers.runtime)
        assert X11Display(env=env).size() == (640, 360)
        assert PulseAudio(env=env).resolve("default") == "tdw_recorder.monitor"
        pids = servers.pids()
        assert len(pids) == 3  # Xvfb, openbox, pulseaudio
    finally:
        servers.stop()
    assert not alive(pids) and not servers.runtime.exists()
    servers.stop()  # twice is harmless


def test_headless_is_refused_off_linux_in_one_sentence():
    with pytest.raises(RecorderError, match="--headless works on Linux only"):
        headless_for(CaptureSettings(platform="win32", headless=True))
    sized = headless_for(CaptureSettings(screen_size="800x600"))
    assert (sized.width, sized.height) == (800, 600)
    default = headless_for(CaptureSettings())
    assert (default.width, default.height) == (1280, 720)


def test_cli_records_a_scene_with_sound_on_a_machine_without_display_or_sound(tmp_path):
    env = dict(bare_env(), STANDIN_BUILD_TONE="1")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "record", "--headless", "--scene", "demo:moving_object", "--mode", "av",
         "--screen-size", "320x240", "--build", str(BUILD_PATH), "--out", str(tmp_path), "--", "420"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = watch(proc)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert SERVERS <= set(seen.values()), seen  # it did start its own servers...
    assert wait_gone(seen) == []  # ...and none of them, nor ffmpeg or the build, is left
    saved = Path(out.split("Saved ", 1)[1].split("\n", 1)[0])
    info = probe(saved)
    video, audio = stream(info, "video"), stream(info, "audio")
    assert (video["width"], video["height"]) == (320, 240)  # the build's window, filling the virtual screen
    assert audio is not None and audio["codec_name"] == "aac"
    assert mean_volume_db(saved) > -50  # the build's beeps reached the private sink


def test_cli_audio_only_headless(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "record", "--headless", "--mode", "audio", "--duration", "2",
         "--audio-format", "wav", "--out", str(tmp_path)],
        env=bare_env(), cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    saved = Path(done.stdout.split("Saved ", 1)[1].split("\n", 1)[0])
    assert saved.suffix == ".wav" and 1.9 <= float(probe(saved)["format"]["duration"]) <= 2.2


def test_cli_audio_and_video_from_an_idle_sink_keeps_every_frame(tmp_path):
    """Nothing plays, so the private null sink sends its first block only after ~2 s: the picture of that wait
    must still be recorded frame by frame (it was grabbed in one burst, and mostly dropped, before)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "record", "--headless", "--mode", "av", "--region", "0,0,320x240",
         "--fps", "30", "--duration", "4", "--out", str(tmp_path)],
        env=bare_env(), cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    saved = Path(done.stdout.split("Saved ", 1)[1].split("\n", 1)[0])
    info = probe(saved)
    video, audio = stream(info, "video"), stream(info, "audio")
    assert int(video["nb_read_frames"]) >= 0.95 * 4 * 30, video
    assert abs(float(video["start_time"]) - float(audio["start_time"])) < 0.5, (video["start_time"], audio["start_time"])


def test_servers_die_with_the_app_even_on_kill_9(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "record", "--headless", "--mode", "av", "--screen-size", "320x240",
         "--out", str(tmp_path)], env=bare_env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen: dict[int, str] = {}
    deadline = time.monotonic() + 30
    while "ffmpeg" not in seen.values() and time.monotonic() < deadline:
        seen.update({c.pid: c.name() for c in psutil.Process(proc.pid).children(recursive=True)})
        time.sleep(0.1)
    assert SERVERS <= set(seen.values()), seen
    time.sleep(1)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert wait_gone(seen) == []  # PR_SET_PDEATHSIG: the kernel stopped every one of them
    assert list(tmp_path.glob("*.recording.mkv"))  # and ffmpeg still closed a crash-safe file
    runtimes = [d for d in Path(tempfile.gettempdir()).glob("tdw-recorder-headless-*")
                if (d / "owner.pid").exists() and (d / "owner.pid").read_text() == str(proc.pid)]
    assert len(runtimes) == 1  # its files outlive it (the kernel stops processes only)...
    Headless(base_env=bare_env()).start().stop()
    assert not runtimes[0].exists()  # ...until the next headless start clears them


def test_a_long_tmpdir_still_gives_a_sound_server_that_answers(monkeypatch, tmp_path, no_orphans):
    """A socket's path has 107 bytes at most: under a deep TMPDIR (a CI work tree, a test's folder) PulseAudio's
    socket could not be made, and the recording failed with 'PulseAudio did not answer'. The servers' folder goes
    to /tmp then."""
    deep = tmp_path / ("a-deep-temporary-folder-" * 3)
    deep.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    assert len(str(deep / "tdw-recorder-headless-12345678" / "pulse" / "native")) > 107
    servers = Headless((320, 240), base_env=bare_env()).start()
    try:
        assert len(os.fsencode(str(servers.socket))) <= 107
        assert PulseAudio(env=servers.env()).resolve("default") == "tdw_recorder.monitor"
    finally:
        servers.stop()
    assert not servers.runtime.exists()
