"""Validation: every problem is one sentence with its fix, from the settings alone or the live machine."""

import shutil
import subprocess

import pytest

from app.preflight import static_problems, validate
from app.errors import ValidationError
from app.machine import Machine
from app.preflight import plan
from app.model.region import Region
from app.model.settings import CaptureSettings


def fields(problems):
    return [p.field for p in problems]


def settings(tmp_path, **kw) -> CaptureSettings:
    kw.setdefault("output_dir", str(tmp_path))
    return CaptureSettings(**kw)


@pytest.mark.parametrize("fps", [0, -5, 241, 10_000, "abc", None])
def test_bad_framerates(tmp_path, fps):
    problems = static_problems(settings(tmp_path, fps=fps))
    assert fields(problems) == ["fps"] and "from 1 to 240" in problems[0].message


@pytest.mark.parametrize("region, words", [
    ("100,80,321x240", "is odd"), ("100,80,320x241", "is odd"), ("-1,0,320x240", "off-screen"),
    ("0,0,0x240", "empty"), ("banana", "not understood"), ("window:", "window id"),
])
def test_bad_regions(tmp_path, region, words):
    problems = static_problems(settings(tmp_path, region=region))
    assert fields(problems) == ["region"] and words in problems[0].message


def test_odd_size_is_offered_a_fix_and_rounding_accepts_it(tmp_path):
    problem = static_problems(settings(tmp_path, region="0,0,321x241"))[0]
    assert problem.fixable and "320x240" in problem.message
    assert static_problems(settings(tmp_path, region="0,0,321x241", round_odd_size=True)) == []


def test_other_static_problems(tmp_path):
    afile = tmp_path / "f"
    afile.write_text("")
    assert "is a file" in static_problems(settings(tmp_path, output_dir=str(afile)))[0].message
    assert fields(static_problems(settings(tmp_path, mode="av", audio="none"))) == ["audio"]
    assert fields(static_problems(settings(tmp_path, mode="film"))) == ["mode"]
    assert fields(static_problems(settings(tmp_path, duration=-3))) == ["duration"]
    low = static_problems(settings(tmp_path, min_free_mb=10**9))
    assert fields(low) == ["output_dir"] and "free some space" in low[0].message


def test_round_trip_through_dict(tmp_path):
    original = settings(tmp_path, region="window:TDW", fps=60, mode="av", audio="default")
    assert CaptureSettings.from_dict(original.to_dict()) == original
    assert CaptureSettings.from_dict({"fps": 24, "unknown_key": 1}).fps == 24


def test_live_plan_resolves_screen_window_and_audio(tmp_path, machine, anim_window, xserver, pulse):
    whole = plan(settings(tmp_path, region="screen"), machine)
    assert whole.region == Region(0, 0, xserver.width, xserver.height)
    window = anim_window("Plan Me", 321, 241, 50, 60)
    resolved = plan(settings(tmp_path, region="window:Plan Me", mode="av", audio="default"), machine)
    assert resolved.region.width == 320 and resolved.region.height == 240  # windows are rounded to even
    assert resolved.window_id == window.window_id
    assert resolved.audio_source == f"{pulse.sink}.monitor"


@pytest.mark.parametrize("kw, field, words", [
    ({"region": "1200,700,320x240"}, "region", "does not fit on the 1280x800 display"),
    ({"region": "window:no such window"}, "region", "tdw-recorder sources"),
    ({"mode": "av", "audio": "no_such_source"}, "audio", "does not exist"),
    ({"ffmpeg_path": "/nonexistent/ffmpeg"}, "ffmpeg", "not an executable"),
])
def test_live_problems(tmp_path, machine, kw, field, words):
    with pytest.raises(ValidationError) as err:
        plan(settings(tmp_path, **kw), machine)
    assert fields(err.value.problems) == [field] and words in err.value.problems[0].message
    assert validate(settings(tmp_path, **kw), machine) == err.value.problems


def test_no_display_and_no_sound_server(tmp_path, env):
    bare = {k: v for k, v in env.items() if k not in ("DISPLAY", "PULSE_SERVER")}
    bare["XDG_RUNTIME_DIR"] = str(tmp_path)  # nowhere a sound server could be
    problems = validate(settings(tmp_path, mode="av", audio="default"), Machine(env=bare, platform="linux"))
    messages = " ".join(p.message for p in problems)
    assert "No DISPLAY is set" in messages and "No PulseAudio/PipeWire sound server answers" in messages


def test_ffmpeg_without_x11grab_is_named(tmp_path, machine):
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\necho 'ffmpeg version 0.0-fake'\n")
    fake.chmod(0o755)
    problems = validate(settings(tmp_path, ffmpeg_path=str(fake)), machine)
    assert any("lacks screen capture (x11grab)" in p.message for p in problems)


def test_xpra_running_is_refused(tmp_path, machine):
    xpra = tmp_path / "bin" / "xpra"
    xpra.parent.mkdir()
    shutil.copy(shutil.which("sleep"), xpra)
    proc = subprocess.Popen([str(xpra), "30"])
    try:
        problems = validate(settings(tmp_path), machine)
        assert fields(problems) == ["region"] and "xpra is running" in problems[0].message
    finally:
        proc.kill()
        proc.wait()
