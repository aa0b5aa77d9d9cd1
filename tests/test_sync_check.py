"""sync-check: onset detection on plain numbers, the saved calibration, and real measurements of the flash+beep source."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.capture.ffmpeg_screen import FfmpegScreenRecorder
from app.ffmpeg.commands import ScreenInput, record_command
from app.model.encoding import Encoding
from app.preflight import plan
from app.model.region import Region
from app.model.settings import CaptureSettings
from app.sync.check import run_sync_check
from app.calibration import audio_offset_s, config_path, corrected_offset_ms, load_offset_ms, save_offset_ms
from app.sync.measure import SyncReport, beep_onsets, flash_onsets, onsets, pair

ROOT = Path(__file__).parent.parent
HEAD = ["ff", "-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-stats_period", "0.5", "-y"]


def bare_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "PULSE_SERVER", "XDG_RUNTIME_DIR")}


def test_onsets_flashes_beeps_and_pairs():
    # 60 frames/s, flashes starting at frames 30 and 90 (each 6 frames long)
    luma = [(i / 60, 235.0 if i % 60 in range(30, 36) else 16.0) for i in range(150)]
    assert flash_onsets(luma) == pytest.approx([30 / 60 - 1 / 120, 90 / 60 - 1 / 120])  # half a frame earlier
    assert flash_onsets([(i / 60, 16.0) for i in range(100)]) == []  # nothing flashed
    level = [(i * 0.005, -20.0 if (i * 5) % 1000 in range(540, 640) else -200.0) for i in range(400)]
    assert beep_onsets(level) == pytest.approx([0.54, 1.54])
    assert beep_onsets([(i * 0.005, -200.0) for i in range(100)]) == []
    assert onsets([(0, 0), (1, 5), (1.1, 0), (1.2, 5), (2, 0), (2.5, 5)], 3, min_gap=0.5) == [1, 2.5]
    assert pair([0.5, 1.5, 2.5], [0.55, 1.2, 3.4]) == [(0.5, pytest.approx(50)), (1.5, pytest.approx(-300))]


def test_report_figures():
    report = SyncReport((40.0, 50.0, 60.0), 3, 3, (1.0, 2.0, 3.0))
    assert report.mean_ms == 50 and report.spread_ms == 20 and report.stdev_ms == 10
    assert report.drift_ms_per_min == pytest.approx(600)  # +10 ms per second
    assert report.summary().startswith("A/V offset +50 ms (sound late), spread 20 ms")
    assert "drift not measured (needs a minute of events: --seconds 60)" in report.summary()  # 2 s: quantization
    minute = SyncReport((40.0, 50.0, 60.0), 3, 3, (0.0, 30.0, 60.0))
    assert "drift +20.0 ms/min" in minute.summary()
    asked_for = SyncReport((40.0, 50.0, 60.0), 3, 3, (2.5, 30.0, 59.5))  # what `--seconds 60` gives: 57 s of events
    assert "drift +" in asked_for.summary() and "not measured" not in asked_for.summary()


def test_calibration_file_round_trip_and_what_recordings_apply(tmp_path):
    path = tmp_path / "sync.json"
    assert load_offset_ms(path) is None
    save_offset_ms(48.26, {"spread_ms": 12}, path)
    assert json.loads(path.read_text())["offset_ms"] == 48.3 and load_offset_ms(path) == 48.3
    av = CaptureSettings(mode="av", audio="default")
    assert audio_offset_s(av, path) == pytest.approx(-0.0483)  # sound measured late: move it earlier
    assert audio_offset_s(CaptureSettings(mode="av", audio="default", audio_offset=0.1), path) == 0.1
    assert audio_offset_s(CaptureSettings(mode="audio", audio="default"), path) == 0.0  # nothing to align with
    frames = CaptureSettings(mode="video-frames", audio="default", scene="demo:moving_object")
    assert audio_offset_s(frames, path) == pytest.approx(-0.0483)  # TDW's frames + sound: the same rule
    assert corrected_offset_ms(frames, path) == 48.3 and corrected_offset_ms(CaptureSettings(mode="video"), path) is None
    path.write_text("{not json")
    assert load_offset_ms(path) is None  # a broken calibration never stops a recording


def test_calibration_stays_where_it_was_on_linux_and_an_earlier_file_is_still_read(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", "/c")
    assert config_path() == Path("/c/tdw-recorder/sync.json")
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", "/h")
    assert config_path() == Path("/h/.config/tdw-recorder/sync.json")
    # a platform whose config folder is elsewhere (macOS, Windows) still reads the file in ~/.config
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr("app.paths.config_dir", lambda: tmp_path / "platform" / "tdw-recorder")
    earlier = tmp_path / ".config" / "tdw-recorder" / "sync.json"
    assert config_path() == tmp_path / "platform" / "tdw-recorder" / "sync.json"
    save_offset_ms(12.0, path=earlier)
    assert config_path() == earlier and load_offset_ms() == 12.0


def test_record_command_shifts_the_audio_input_with_itsoffset():
    video = ScreenInput("linux", Region(0, 0, 320, 240), 60, ":1")
    cmd = record_command("ff", "o.mkv", Encoding(), video, audio_source="s.monitor", audio_offset=-0.048)
    assert cmd[len(HEAD):len(HEAD) + 26] == [
        "-f", "pulse", "-fragment_size", "1920", "-itsoffset", "-0.048", "-thread_queue_size", "1024",
        "-use_wallclock_as_timestamps", "1", "-i", "s.monitor",
        "-f", "x11grab", "-video_size", "320x240", "-draw_mouse", "1", "-fpsprobesize", "0", "-framerate", "60",
        "-thread_queue_size", "1024", "-i", ":1+0,0"]
    assert "-itsoffset" not in record_command("ff", "o.mkv", Encoding(), video, audio_source="s.monitor")


def test_recordings_apply_the_saved_calibration(machine, anim_window, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    save_offset_ms(120)
    anim_window("Calibrated", 320, 240, 100, 80)
    settings = CaptureSettings(mode="av", region="window:Calibrated", audio="default", output_dir=str(tmp_path))
    command = FfmpegScreenRecorder(plan(settings, machine), tmp_path / "o.mkv").command
    assert command[command.index("-itsoffset") + 1] == "-0.120"


@pytest.fixture(scope="module")
def baseline() -> SyncReport:
    return run_sync_check(seconds=6, headless=True, env=bare_env())


def test_sync_check_reports_a_small_steady_offset(no_orphans, baseline):
    """Picture and sound on one clock: within one frame at 30 fps with no calibration at all."""
    assert len(baseline.offsets_ms) >= 5
    assert abs(baseline.mean_ms) <= 33 and baseline.spread_ms < 60, baseline.summary()


def test_a_source_with_sound_300_ms_late_is_measured_so(no_orphans, baseline):
    shifted = run_sync_check(seconds=6, shift_ms=300, headless=True, env=bare_env())
    assert abs(shifted.mean_ms - baseline.mean_ms - 300) <= 60, (shifted.summary(), baseline.summary())
    corrected = run_sync_check(seconds=6, shift_ms=300, headless=True, env=bare_env(), audio_offset=-0.3)
    assert abs(corrected.mean_ms - baseline.mean_ms) <= 60, corrected.summary()  # -itsoffset undoes it


def test_cli_sync_check_saves_the_offset(tmp_path):
    env = dict(bare_env(), XDG_CONFIG_HOME=str(tmp_path))
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "sync-check", "--headless", "--seconds", "4", "--save"],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "A/V offset" in done.stdout and "Saved to" in done.stdout
    saved = json.loads((tmp_path / "tdw-recorder" / "sync.json").read_text())
    assert abs(saved["offset_ms"]) < 300 and saved["events"] >= 3


@pytest.mark.parametrize("args, words", [
    (["--fps", "0"], "Framerate 0 is out of range: use a number from 1 to 240"),
    (["--seconds", "1e9"], "--seconds 1e+09 is out of range: use 0.1 to 86398"),
], ids=["fps-zero", "seconds-huge"])
def test_cli_sync_check_refuses_bad_numbers_before_it_says_it_records(tmp_path, args, words, no_orphans):
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "sync-check", "--headless", *args],
                          env=dict(bare_env(), TMPDIR=str(tmp_path)), cwd=ROOT, capture_output=True, text=True, timeout=60)
    lines = done.stderr.splitlines()
    assert done.returncode == 2 and len(lines) == 1 and lines[0].startswith(f"tdw-recorder: {words}"), done.stderr
    assert list(tmp_path.iterdir()) == []  # nothing was started: no temporary folder
