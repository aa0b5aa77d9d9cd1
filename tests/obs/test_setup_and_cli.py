"""`obs-setup` and the OBS options of `record`, through the real CLI process: one-line errors, no secrets."""

import configparser
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.errors import RecorderError
from app.obs.config import RecordingSetup
from app.obs.setup import enable_websocket, setup_obs
from tests.obs.helpers import needs_obs
from tests.support.media import probe, stream

ROOT = Path(__file__).parent.parent.parent


def cli(env, *args):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=env, capture_output=True, text=True,
                          timeout=60, cwd=ROOT)


def test_setup_adds_a_profile_and_collection_and_touches_nothing_else(tmp_path):
    config = tmp_path / "obs-studio"
    (config / "basic" / "profiles" / "Mine").mkdir(parents=True)
    (config / "basic" / "profiles" / "Mine" / "basic.ini").write_text("[General]\nName=Mine\n")
    (config / "global.ini").write_text("[General]\nFirstRun=true\n\n[Basic]\nProfile=Mine\n")
    result = setup_obs(config, RecordingSetup(tmp_path, "tdw-%CCYY", 320, 240, 30.0, name_is_format=True),
                       running=lambda _config: [])
    assert result.profile_file == config / "basic" / "profiles" / "TDW_Recorder" / "basic.ini"
    assert "FilenameFormatting=tdw-%CCYY" in result.profile_file.read_text()
    assert (config / "basic" / "profiles" / "Mine" / "basic.ini").read_text() == "[General]\nName=Mine\n"
    assert (config / "global.ini").read_text() == "[General]\nFirstRun=true\n\n[Basic]\nProfile=Mine\n"
    with pytest.raises(RecorderError, match="OBS Studio is running: close it first"):
        setup_obs(config, RecordingSetup(tmp_path, "x", 2, 2, 30.0), running=lambda _config: [123])


def test_enabling_the_websocket_keeps_the_rest_of_global_ini(tmp_path):
    config = tmp_path / "obs-studio"
    config.mkdir()
    (config / "global.ini").write_text("[General]\nFirstRun=true\n\n[OBSWebSocket]\nServerEnabled=false\nServerPort=4455\n")
    enable_websocket(config, 4460, "s3cret-value")
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(config / "global.ini")
    assert parser["General"]["FirstRun"] == "true"
    assert dict(parser["OBSWebSocket"]) == {"ServerEnabled": "true", "ServerPort": "4460", "FirstLoad": "false",
                                            "AuthRequired": "true", "ServerPassword": "s3cret-value", "AlertsEnabled": "false"}
    assert "ServerEnabled=true" in (config / "global.ini").read_text()  # no spaces: OBS's own ini style
    assert stat.S_IMODE((config / "global.ini").stat().st_mode) == 0o600


def test_obs_setup_command_writes_and_never_prints_the_password(env, tmp_path):
    config, secret = tmp_path / "obs-studio", tmp_path / "pw"
    done = cli(env, "obs-setup", "--region", "100,80,320x240", "--out", str(tmp_path / "clips"), "--obs-config",
               str(config), "--enable-websocket", "--obs-port", "4461", "--obs-password-file", str(secret))
    assert done.returncode == 0, done.stderr
    password = secret.read_text().strip()
    assert len(password) >= 16 and stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert password not in done.stdout + done.stderr
    assert "--backend obs-websocket --obs-port 4461" in done.stdout
    profile = (config / "basic" / "profiles" / "TDW_Recorder" / "basic.ini").read_text()
    assert "BaseCX=320" in profile and "OutputCY=240" in profile
    assert '"cut_left": 100' in (config / "basic" / "scenes" / "TDW_Recorder.json").read_text()


@pytest.fixture
def path_without_obs(tmp_path):
    """A PATH with the tools a recording needs (ffmpeg, X and Pulse utilities) but no OBS."""
    import shutil

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("ffmpeg", "ffprobe", "xwininfo", "xprop", "pactl", "xdotool", "xdpyinfo"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


def test_record_with_obs_not_installed_is_one_line(env, tmp_path, path_without_obs):
    done = cli(dict(env, PATH=path_without_obs), "record", "--backend", "obs-launch", "--region", "100,80,320x240",
               "--duration", "1", "--out", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "tdw-recorder: OBS Studio is not installed: sudo apt install obs-studio, or record with the ffmpeg backend."]


def test_record_against_a_closed_websocket_is_one_line(env, tmp_path):
    from app.obs.config import free_port

    port = free_port()
    done = cli(env, "record", "--backend", "obs-websocket", "--obs-host", "127.0.0.1", "--obs-port", str(port),
               "--region", "100,80,320x240", "--duration", "1", "--out", str(tmp_path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(port) in lines[0] and "WebSocket Server Settings" in lines[0]
    assert not list(tmp_path.iterdir()), "no empty placeholder is left behind"


def test_record_with_an_open_password_file_is_refused_before_starting(env, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("x\n")
    secret.chmod(0o644)
    done = cli(env, "record", "--backend", "obs-websocket", "--obs-password-file", str(secret),
               "--region", "100,80,320x240", "--out", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"tdw-recorder: The OBS password file {secret} is readable by other users: run chmod 600 {secret}."]


@needs_obs
def test_record_with_obs_launch_from_the_command_line(no_orphans, env, anim_window, tmp_path):
    anim_window("OBS CLI Source", 320, 240, 100, 80)
    done = cli(env, "record", "--backend", "obs-launch", "--region", "window:OBS CLI Source", "--duration", "2",
               "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    saved = Path(done.stdout.split("Saved ", 1)[1].split("\n", 1)[0])
    assert saved.suffix == ".mp4" and saved.parent == tmp_path
    video = stream(probe(saved), "video")
    assert (video["width"], video["height"]) == (320, 240) and video["r_frame_rate"] == "30/1"
    assert sorted(p.name for p in tmp_path.iterdir()) == [saved.name]


@needs_obs
@pytest.mark.parametrize("websocket", [True, False], ids=["websocket-stop", "signal-stop"])
def test_obs_setup_then_obs_launch_with_that_profile(no_orphans, env, anim_window, tmp_path, websocket):
    """The advertised workflow: obs-setup into the user's OBS, then obs-launch with that profile."""
    from app.obs.config import free_port

    anim_window("OBS User Profile", 320, 240, 100, 80)
    home = tmp_path / "home"
    (home / ".config" / "obs-studio").mkdir(parents=True)
    (home / ".config" / "obs-studio" / "global.ini").write_text("[General]\nFirstRun=true\n")  # OBS ran here before
    user_env = dict(env, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    port, secret, clips, out = str(free_port()), tmp_path / "pw", tmp_path / "obs-clips", tmp_path / "out"
    ws_setup = ["--enable-websocket", "--obs-port", port, "--obs-password-file", str(secret)] if websocket else []
    done = cli(user_env, "obs-setup", "--region", "window:OBS User Profile", "--audio", "none", "--out", str(clips),
               *ws_setup)
    assert done.returncode == 0, done.stderr
    ws_record = ["--obs-port", port, "--obs-password-file", str(secret)] if websocket else ["--obs-port", port]
    done = cli(user_env, "-v", "record", "--backend", "obs-launch", "--obs-profile", "TDW Recorder", "--obs-collection",
               "TDW Recorder", *ws_record, "--duration", "3", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert ("connected to OBS" in done.stderr) == websocket
    saved = Path(done.stdout.split("Saved ", 1)[1].split("\n", 1)[0])
    video = stream(probe(saved), "video")
    assert saved.parent == out and (video["width"], video["height"]) == (320, 240)
    assert 2.5 <= float(probe(saved)["format"]["duration"]) <= 4.0
    assert list(clips.iterdir()) == []  # OBS's MKV became our MP4
