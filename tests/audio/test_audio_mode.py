"""Audio only, end to end: real PulseAudio, real ffmpeg; the file is a proper audio file of the right length."""

import sys

import pytest

from app.preflight import plan
from app.session import Session
from app.model.settings import CaptureSettings
from tests.support.media import mean_volume_db, probe, stream
from tests.support.standin_build import BUILD_PATH


def record_audio(machine, folder, seconds=None, env=None, timeout=None, **kw):
    kw.setdefault("output_dir", str(folder))
    settings = CaptureSettings(mode="audio", audio="default", duration=seconds, **kw)
    session = Session(plan(settings, machine), env=env or machine.env)
    session.start()
    assert session.wait(timeout or (seconds or 0) + 15), "the recording did not end by itself"
    return session.stop()


def test_audio_mode_writes_flac_of_the_asked_length_and_hears_the_tone(no_orphans, machine, tone, tmp_path):
    tone(10)
    result = record_audio(machine, tmp_path, seconds=3)
    assert result.error is None and result.finalised
    assert result.path.suffix == ".flac" and list(tmp_path.iterdir()) == [result.path]  # the .mka is gone
    info = probe(result.path)
    assert stream(info, "video") is None and stream(info, "audio")["codec_name"] == "flac"
    assert 2.9 <= float(info["format"]["duration"]) <= 3.2
    assert mean_volume_db(result.path) > -40  # the 440 Hz tone is in it


def test_audio_mode_is_silent_when_nothing_plays(machine, tmp_path):
    result = record_audio(machine, tmp_path, seconds=2, audio_format="wav")
    assert result.error is None and result.path.suffix == ".wav"
    assert stream(probe(result.path), "audio")["codec_name"] == "pcm_s16le"
    assert mean_volume_db(result.path) < -80


@pytest.mark.parametrize("fmt, codec", [("m4a", "aac"), ("opus", "opus")])
def test_lossy_formats(machine, tone, tmp_path, fmt, codec):
    tone(5)
    result = record_audio(machine, tmp_path, seconds=1.5, audio_format=fmt)
    assert result.path.suffix == f".{fmt}" and result.error is None
    info = probe(result.path)
    assert stream(info, "audio")["codec_name"] == codec and 1.3 <= float(info["format"]["duration"]) <= 1.7
    assert mean_volume_db(result.path) > -40


def test_no_finalise_keeps_the_crash_safe_matroska_audio(machine, tmp_path):
    result = record_audio(machine, tmp_path, seconds=1, finalise=False)
    assert result.path.name.endswith(".mka") and not result.finalised
    assert stream(probe(result.path), "audio")["codec_name"] == "flac"


def test_audio_of_a_scene_lasts_as_long_as_the_scene(no_orphans, machine, env, tmp_path):
    scene_env = dict(env, STANDIN_BUILD_PYTHON=sys.executable, STANDIN_BUILD_TONE="1")
    result = record_audio(machine, tmp_path, env=scene_env, timeout=60, scene="demo:moving_object",
                          scene_args=["200"], fps=40, build=str(BUILD_PATH), connect_timeout=30)
    assert result.error is None and result.path.suffix == ".flac"
    info = probe(result.path)
    assert stream(info, "video") is None
    assert 4.0 <= float(info["format"]["duration"]) <= 8.0  # 200 frames at 40 frames/s, plus start-up
    assert mean_volume_db(result.path) > -50  # the build's beeps
