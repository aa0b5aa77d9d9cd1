"""obs-websocket against a real OBS Studio 29 the test starts (websocket on, known password)."""

from __future__ import annotations

import logging
import time

import pytest

from app.capture.obs_websocket import ObsWebsocketRecorder
from app.errors import RecorderError
from app.obs.config import free_port
from app.obs.recording import ALREADY_RECORDING
from app.model.obs import ObsSettings
from app.session import Session
from tests.obs.helpers import mean_rgb, needs_obs
from tests.support.media import decoded_frames, probe, stream

pytestmark = needs_obs


def obs_settings(running_obs, **kw) -> ObsSettings:
    kw.setdefault("password", running_obs.password)
    return ObsSettings(host="127.0.0.1", port=running_obs.port, **kw)


def profile_value(connection, category: str, name: str) -> str:
    return connection.call("GetProfileParameter", {"parameterCategory": category, "parameterName": name})["parameterValue"]


def test_records_the_region_reports_the_path_and_puts_obs_back(running_obs, no_orphans, env, anim_window, obs_plan):
    window = anim_window("OBS WS Source", 320, 240, 100, 80)
    user = running_obs.connect()
    folder_before = profile_value(user, "AdvOut", "RecFilePath")
    plan = obs_plan("obs-websocket", "window:OBS WS Source", fps=30.0, obs=obs_settings(running_obs))
    session = Session(plan, env=env)
    session.start()
    expected = session.paths.recording.with_suffix(".mkv")
    time.sleep(3.0)
    progress = session.recorder.progress()
    assert progress.frames >= 45 and progress.size_bytes > 0
    session.request_stop()
    session.wait(1)
    live = session.recorder
    result = session.stop()
    assert live.output == expected  # StopRecord's outputPath: our reserved name, in our folder
    assert result.error is None, result.error
    video = stream(probe(result.path), "video")
    assert (video["width"], video["height"]) == (window.region.width, window.region.height)
    decoded = decoded_frames(result.path)
    assert decoded >= 75 and 2.5 <= result.duration_s <= 4.5
    assert abs(result.frames - decoded) <= 6  # estimated: OBS 29's durations are garbage after SetVideoSettings
    red, green, blue = mean_rgb(result.path, 1.5, video["width"], video["height"])
    assert blue > red + 10, "not the test window"
    assert profile_value(user, "AdvOut", "RecFilePath") == folder_before  # the user's settings are back
    assert user.call("GetVideoSettings")["baseWidth"] == 640
    user.close()


def test_refuses_while_obs_already_records_and_leaves_that_recording_alone(running_obs, env, obs_plan, tmp_path):
    user = running_obs.connect()
    user.call("StartRecord")
    try:
        deadline = time.monotonic() + 10
        while not user.record_status().active and time.monotonic() < deadline:
            time.sleep(0.05)
        folder_before = profile_value(user, "AdvOut", "RecFilePath")
        plan = obs_plan("obs-websocket", "100,80,320x240", obs=obs_settings(running_obs))
        recorder = ObsWebsocketRecorder(plan, tmp_path / "x.recording.mkv", env=env)
        with pytest.raises(RecorderError) as caught:
            recorder.start(lambda _p: None, lambda _e: None)
        assert caught.value.message == ALREADY_RECORDING
        assert user.record_status().active
        assert profile_value(user, "AdvOut", "RecFilePath") == folder_before
    finally:
        user.call("StopRecord")
        while user.record_status().active and time.monotonic() < deadline + 20:
            time.sleep(0.05)
        user.close()


def test_wrong_password_is_one_line_and_never_logged(running_obs, env, obs_plan, tmp_path, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    secret = "not-the-password-0451"
    plan = obs_plan("obs-websocket", "100,80,320x240", obs=obs_settings(running_obs, password=secret))
    recorder = ObsWebsocketRecorder(plan, tmp_path / "x.recording.mkv", env=env)
    with pytest.raises(RecorderError) as caught:
        recorder.start(lambda _p: None, lambda _e: None)
    message = caught.value.message
    assert "refused the WebSocket password" in message and "\n" not in message
    out, err = capsys.readouterr()
    assert secret not in caplog.text + out + err + message + repr(plan.settings)
    assert running_obs.password not in caplog.text + out + err


def test_no_password_given_says_where_to_put_it(running_obs, env, obs_plan, tmp_path):
    plan = obs_plan("obs-websocket", "100,80,320x240", obs=obs_settings(running_obs, password=""))
    recorder = ObsWebsocketRecorder(plan, tmp_path / "x.recording.mkv", env={k: v for k, v in env.items() if k != "TDW_RECORDER_OBS_PASSWORD"})
    with pytest.raises(RecorderError) as caught:
        recorder.start(lambda _p: None, lambda _e: None)
    assert "asks for a WebSocket password" in caught.value.message and "--obs-password-file" in caught.value.message


def test_unreachable_port_is_one_line(env, obs_plan, tmp_path):
    port = free_port()
    plan = obs_plan("obs-websocket", "100,80,320x240", obs=ObsSettings(host="127.0.0.1", port=port, password="x"))
    recorder = ObsWebsocketRecorder(plan, tmp_path / "x.recording.mkv", env=env)
    with pytest.raises(RecorderError) as caught:
        recorder.start(lambda _p: None, lambda _e: None)
    message = caught.value.message
    assert str(port) in message and "\n" not in message
    assert "WebSocket Server Settings" in message


def test_obs_not_installed_is_one_line(env, obs_plan, tmp_path):
    plan = obs_plan("obs-websocket", "100,80,320x240", obs=ObsSettings(host="localhost", port=free_port()))
    recorder = ObsWebsocketRecorder(plan, tmp_path / "x.recording.mkv", env=dict(env, PATH=str(tmp_path)))
    with pytest.raises(RecorderError) as caught:
        recorder.start(lambda _p: None, lambda _e: None)
    assert caught.value.message.startswith("OBS Studio is not installed: sudo apt install obs-studio")


def test_pause_and_resume_leave_the_paused_stretch_out_of_obs_file(running_obs, no_orphans, env, anim_window, obs_plan):
    anim_window("OBS Pause Source", 320, 240, 100, 80)
    plan = obs_plan("obs-websocket", "window:OBS Pause Source", fps=30.0, obs=obs_settings(running_obs))
    session = Session(plan, env=env)
    session.start()
    user = running_obs.connect()
    try:
        time.sleep(2.0)
        assert session.pause().state == "paused"
        assert user.record_status().paused  # OBS itself says so (PauseRecord)
        time.sleep(2.5)
        status = session.resume()
        assert not user.record_status().paused and status.paused_s >= 2.4
        time.sleep(1.5)
    finally:
        user.close()
        result = session.stop()
    assert result.error is None, result.error
    # ~3.5 s recorded of ~6 s: the paused 2.5 s are not in the file (OBS starts writing a little late)
    assert 2.6 <= result.duration_s <= 4.3, result.duration_s
