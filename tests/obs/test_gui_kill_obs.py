"""Faults with a real OBS Studio: `kill -9` of the window while OBS records (obs-launch and obs-websocket),
and the bad input only an OBS can answer (a wrong password, an OBS already recording), through the CLI
and the window. The same checks as tests/ui/test_gui_kill.py and tests/test_bad_input.py."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


from app.model.encoding import Encoding
from app.obs.settings import store_password
from app.model.obs import ObsSettings
from app.recovery import unfinished
from app.model.settings import CaptureSettings
from tests.obs.helpers import needs_obs
from tests.support.gui_process import (
    GuiProcess, next_start_finishes, playable_frames, preset_settings, record_then_kill, survivors,
)

pytestmark = needs_obs

ROOT = Path(__file__).parent.parent.parent
FPS = 30
REPORTED = 6 * FPS  # OBS reports its elapsed time, a few frames ahead of what it has written: a longer take keeps that under 5 %


def window_settings(tmp_path, backend: str, **obs) -> tuple[Path, Path]:
    config, out = tmp_path / "config", tmp_path / "out"
    out.mkdir()
    preset_settings(config, CaptureSettings(output_dir=str(out), min_free_mb=10, fps=FPS, region="100,80,320x240",
                                            backend=backend, encoding=Encoding(preset="ultrafast"), obs=ObsSettings(**obs)))
    return config, out


def password_file(tmp_path, password: str) -> str:
    path = tmp_path / "obs-password"
    store_password(path, password)
    return str(path)


def finished_by_the_next_start(config, env, live, out, reported) -> None:
    offered, done = next_start_finishes(config, env)
    assert offered["paths"] == [str(live)] and "left unfinished" in offered["text"]
    assert done["kind"] == "success", done
    [finished] = list(out.iterdir())
    assert finished.suffix == ".mp4" and playable_frames(finished) >= 0.95 * reported


def test_kill_9_of_the_window_recording_with_obs_launch(env, anim_window, tmp_path):
    anim_window("GUI Kill OBS Launch", 320, 240, 100, 80)
    config, out = window_settings(tmp_path, "obs-launch")
    temp = tmp_path / "temp"  # where the window puts OBS's private config (its websocket password among it)
    temp.mkdir()
    reported, left = record_then_kill(config, dict(env, TMPDIR=str(temp)), "status", REPORTED, timeout=120)
    assert left == [], f"processes the window started (OBS among them) survived it: {left}"
    [live] = unfinished(out)
    # the guard had OBS stop its recording (a signal would lose what its encoder still held: 1 s on a busy machine)
    assert playable_frames(live) >= reported, "OBS's MKV lost frames the window had reported"
    assert list(temp.glob("tdwrec-obs-*")) == [], "OBS's private config (with its password) was left behind"
    finished_by_the_next_start(config, env, live, out, reported)


def test_kill_9_of_the_window_driving_a_users_obs(running_obs, env, anim_window, tmp_path):
    anim_window("GUI Kill OBS Websocket", 320, 240, 100, 80)
    config, out = window_settings(tmp_path, "obs-websocket", host="127.0.0.1", port=running_obs.port,
                                  password_file=password_file(tmp_path, running_obs.password))
    reported, left = record_then_kill(config, env, "status", REPORTED)
    assert left == []
    obs = running_obs.connect()
    try:
        assert obs.call("GetRecordStatus")["outputActive"]  # the user's OBS is not ours to stop: it records on
        [live] = list(out.glob("*.recording.mkv"))
        assert unfinished(out) == []  # so the file it still writes is left alone, by the window and by `recover`
        offered = GuiProcess("unfinished", config, env)
        assert offered.finish(60) == 4 and offered.last("nothing")["visible"] is False
        obs.call("StopRecord")  # as the user would, in OBS
        deadline = time.monotonic() + 20
        while obs.call("GetRecordStatus")["outputActive"] and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        obs.close()
    assert unfinished(out) == [live] and playable_frames(live) >= 0.95 * reported
    finished_by_the_next_start(config, env, live, out, reported)


def cli(env, *args):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "record", *args], env=env, capture_output=True,
                          text=True, timeout=120, cwd=ROOT)


def test_wrong_password_and_obs_already_recording_through_the_cli(no_orphans, running_obs, env, tmp_path):
    out = tmp_path / "out"
    where = ["--backend", "obs-websocket", "--region", "100,80,320x240", "--obs-host", "127.0.0.1",
             "--obs-port", str(running_obs.port), "--duration", "1", "--out", str(out)]
    wrong = cli(env, *where, "--obs-password-file", password_file(tmp_path, "not-the-password"))
    assert wrong.returncode == 2 and wrong.stderr.strip().splitlines() == [
        f"tdw-recorder: OBS at 127.0.0.1:{running_obs.port} refused the WebSocket password: copy it from OBS "
        "(Tools → WebSocket Server Settings → Show Connect Info) into your password file."]
    obs = running_obs.connect()
    obs.call("StartRecord")  # a recording of the user's own, in OBS
    try:
        busy = cli(env, *where, "--obs-password-file", password_file(tmp_path, running_obs.password))
    finally:
        obs.call("StopRecord")
        obs.close()
    assert busy.returncode == 2 and len(busy.stderr.strip().splitlines()) == 1, busy.stderr
    assert "OBS is already recording: stop that recording in OBS first" in busy.stderr
    assert not out.exists() or list(out.iterdir()) == []  # nothing reserved, nothing written


def test_wrong_password_and_obs_already_recording_in_the_window(running_obs, env, tmp_path):
    out = tmp_path / "out"
    seen = []
    for case, password, words in (("wrong", "not-the-password", "refused the WebSocket password"),
                                  ("busy", running_obs.password, "OBS is already recording")):
        config = tmp_path / case
        preset_settings(config, CaptureSettings(
            output_dir=str(out), min_free_mb=10, region="100,80,320x240", backend="obs-websocket",
            obs=ObsSettings(host="127.0.0.1", port=running_obs.port, password_file=password_file(config, password))))
        obs = running_obs.connect()
        if case == "busy":
            obs.call("StartRecord")
        try:
            gui = GuiProcess("record", config, env)
            failed = gui.wait_for(lambda e: e["event"] == "failed", 60, "the recording to fail")
            seen.append(failed["message"])
            left = gui.kill()
        finally:
            if case == "busy":
                obs.call("StopRecord")
            obs.close()
        assert words in failed["message"] and "\n" not in failed["message"]
        assert survivors(left) == []
    assert not out.exists() or list(out.iterdir()) == [], seen
