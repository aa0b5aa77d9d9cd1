"""OBS settings: never serialise or show the password; the password file must be the user's alone."""

import json
import os

import pytest

from app.preflight import static_problems
from app.errors import RecorderError
from app.obs.settings import obs_problems, store_password
from app.model.obs import ObsSettings, PASSWORD_ENV, read_password_file
from app.model.settings import CaptureSettings


def test_password_is_never_serialised_nor_shown():
    settings = CaptureSettings(backend="obs-websocket", obs=ObsSettings(port=4460, password="hunter2-secret"))
    assert "hunter2-secret" not in settings.to_json()
    assert "hunter2-secret" not in repr(settings) and "hunter2-secret" not in str(settings.obs)
    data = settings.to_dict()
    assert data["obs"]["port"] == 4460 and "password" not in data["obs"]
    again = CaptureSettings.from_dict(json.loads(settings.to_json()))
    assert again.obs == ObsSettings(port=4460)
    assert ObsSettings.from_dict({"password": "x", "host": "h"}) == ObsSettings(host="h")  # not even read back


def test_password_sources_in_order(tmp_path):
    secret = tmp_path / "pw"
    store_password(secret, "from-file")
    assert oct(secret.stat().st_mode & 0o777) == "0o600"
    env = {PASSWORD_ENV: "from-env"}
    assert ObsSettings(password="in-memory", password_file=str(secret)).resolve_password(env) == "in-memory"
    assert ObsSettings(password_file=str(secret)).resolve_password(env) == "from-file"
    assert ObsSettings().resolve_password(env) == "from-env"
    assert ObsSettings().resolve_password({}) == ""


def test_a_password_file_others_can_read_is_refused(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("abc\n")
    os.chmod(secret, 0o644)
    with pytest.raises(RecorderError) as caught:
        read_password_file(secret)
    assert caught.value.message == f"The OBS password file {secret} is readable by other users: run chmod 600 {secret}."
    os.chmod(secret, 0o600)
    assert read_password_file(secret) == "abc"
    with pytest.raises(RecorderError, match="does not exist"):
        read_password_file(tmp_path / "missing")


def test_static_problems(tmp_path):
    assert obs_problems(ObsSettings(port=0), "ffmpeg", "audio", "mp4", False) == []  # not an OBS backend
    fields = [p.field for p in obs_problems(ObsSettings(host=" ", port=70000, password_file=str(tmp_path / "nope")),
                                            "obs-websocket", "audio", "mp4", False)]
    assert fields == ["backend", "container", "obs_host", "obs_port", "obs_password_file"]
    assert obs_problems(ObsSettings(port=70000), "obs-launch", "av", "mp4", True) == []  # port unused, MP4 made at the end


def test_capture_settings_report_obs_problems(tmp_path):
    problems = static_problems(CaptureSettings(backend="obs-websocket", mode="audio", audio="default", output_dir=str(tmp_path),
                               obs=ObsSettings(port=-1)))
    messages = [p.message for p in problems if p.field in ("backend", "obs_port")]
    assert any("for audio only, use the ffmpeg backend" in m for m in messages)
    assert any("is not a port" in m for m in messages)
