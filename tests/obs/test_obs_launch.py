"""obs-launch against the real OBS Studio 29 on the test Xvfb: record, stop, survive a crash, no orphans."""

from __future__ import annotations

import os
import signal
import time

import pytest

from app.capture.obs_launch import ObsLaunchRecorder
from app.errors import RecorderError
from app.session import Session
from tests.obs.helpers import mean_rgb, needs_obs
from tests.support.media import decoded_frames, mean_volume_db, probe, stream

pytestmark = needs_obs


def test_records_the_window_region_and_finalises_to_mp4(no_orphans, env, anim_window, obs_plan):
    window = anim_window("OBS Launch Source", 320, 240, 100, 80)
    plan = obs_plan("obs-launch", "window:OBS Launch Source", duration=4.0, fps=30.0)
    session = Session(plan, env=env)
    started = time.monotonic()
    session.start()
    recorder = session.recorder
    assert isinstance(recorder, ObsLaunchRecorder) and recorder.over_websocket
    assert str(recorder.output).endswith(".recording.mkv") and recorder.output.parent == session.paths.recording.parent
    assert session.wait(30), "the 4 s duration never ended the recording"
    result = session.stop()
    took = time.monotonic() - started
    assert result.error is None, result.error
    assert result.path.suffix == ".mp4" and result.finalised
    video = stream(probe(result.path), "video")
    assert (video["width"], video["height"]) == (window.region.width, window.region.height)
    assert 3.8 <= result.duration_s <= 4.8
    decoded = decoded_frames(result.path)
    assert decoded >= 100
    assert abs(result.frames - decoded) <= 3 and result.size_bytes > 0  # OBS's own count (duration x fps)
    red, green, blue = mean_rgb(result.path, 2.0, video["width"], video["height"])
    assert blue > red + 10, "the recording shows something else than the test window (OBS's own window?)"
    assert not list(result.path.parent.glob("*.recording.*")), "the crash-safe MKV is replaced by the MP4"
    assert took < 25


def test_killing_obs_mid_recording_leaves_a_playable_mkv(no_orphans, env, anim_window, obs_plan):
    anim_window("OBS Killed Source", 320, 240, 100, 80)
    plan = obs_plan("obs-launch", "window:OBS Killed Source", fps=30.0)
    session = Session(plan, env=env)
    session.start()
    recorder = session.recorder
    time.sleep(2.5)
    os.kill(recorder.obs.pid, signal.SIGKILL)
    assert session.wait(10), "OBS's death was not noticed"
    live = recorder.output
    result = session.stop()
    assert result.error and "OBS Studio closed (killed by signal 9)" in result.error and "\n" not in result.error
    assert result.path is not None and decoded_frames(result.path) >= 30
    assert not live.exists() or decoded_frames(live) >= 30


def test_not_installed_is_one_line(env, obs_plan, tmp_path):
    plan = obs_plan("obs-launch", "100,80,320x240")
    recorder = ObsLaunchRecorder(plan, tmp_path / "x.recording.mkv", env=dict(env, PATH=str(tmp_path)))
    with pytest.raises(RecorderError) as caught:
        recorder.start(lambda _p: None, lambda _e: None)
    assert caught.value.message == "OBS Studio is not installed: sudo apt install obs-studio, or record with the ffmpeg backend."



def test_audio_and_video_records_what_the_computer_plays(no_orphans, env, anim_window, tone, obs_plan):
    anim_window("OBS AV Source", 320, 240, 100, 80)
    tone(20)
    plan = obs_plan("obs-launch", "window:OBS AV Source", mode="av", audio="default", fps=30.0, duration=3.0)
    assert plan.audio_source.endswith(".monitor")
    session = Session(plan, env=env)
    session.start()
    assert session.wait(30)
    result = session.stop()
    assert result.error is None, result.error
    info = probe(result.path)
    assert stream(info, "video") and stream(info, "audio")
    assert mean_volume_db(result.path) > -40, "OBS recorded silence: it did not reach the test PulseAudio"


def test_a_frozen_obs_is_noticed_and_ended(no_orphans, env, anim_window, obs_plan):
    """OBS alive but stopped (SIGSTOP): the watchdog names it, Stop does not wait for it, nothing is left."""
    anim_window("OBS Frozen Source", 320, 240, 100, 80)
    session = Session(obs_plan("obs-launch", "window:OBS Frozen Source", fps=30.0), env=env)
    session.start()
    recorder = session.recorder
    deadline = time.monotonic() + 20
    while session.status.frames < 90 and time.monotonic() < deadline:  # OBS's muxer has written clusters
        time.sleep(0.1)
    os.kill(recorder.obs.pid, signal.SIGSTOP)
    try:
        assert session.wait(30), "the frozen OBS was not noticed"
        result = session.stop()
    finally:
        try:
            os.kill(recorder.obs.pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
    assert result.error and result.error.startswith("The recorder (OBS Studio, started for the recording) stopped")
    assert result.path is not None and decoded_frames(result.path) >= 20
