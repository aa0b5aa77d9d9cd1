"""The fmedia backend: its command lines as text, its device numbers, and whole recordings through a fake fmedia.

The real fmedia is not packaged for Debian and was not run here: tests/support/fake_fmedia is a small
stand-in that takes the same flags, lists PulseAudio's devices as fmedia does, records with parec, and obeys
`--globcmd=stop|quit` on fmedia's command socket.
"""

import os
import subprocess

import pytest

from app.preflight import static_problems
from app.audio.pulse import PulseAudio
from app.capture.fmedia import (capture_device_number, control_command, list_devices_command, parse_capture_devices,
                                record_command)
from app.capture import registry
from app.preflight import plan
from app.session import Session
from app.model.settings import CaptureSettings
from tests.support.fake_fmedia import FAKE_FMEDIA_DIR
from tests.support.media import mean_volume_db, probe, stream

# `fmedia --list-dev` as fmedia 1.x prints it (src/core: "device #%u: %s%S", " - Default", default formats)
LIST_DEV = """Playback/Loopback:
device #1: Built-in Audio Analog Stereo - Default
 Default Format: 2 channel, 48000 Hz
device #2: TDWBuildOutput
Capture:
device #1: Monitor of Built-in Audio Analog Stereo - Default
 Default Format: 2 channel, 48000 Hz
device #2: Monitor of TDWBuildOutput
device #3: Built-in Audio Analog Stereo
"""
SOURCES = [("alsa_output.pci.analog-stereo.monitor", "Monitor of Built-in Audio Analog Stereo"),
           ("tdwrec_build_sink.monitor", "Monitor of TDWBuildOutput"),
           ("alsa_input.pci.analog-stereo", "Built-in Audio Analog Stereo")]


def test_command_lines_are_audio_utils_with_a_pipe_of_their_own():
    assert list_devices_command("fmedia") == ["fmedia", "--list-dev"]
    assert record_command("/opt/fmedia/fmedia", "/r/a.recording.wav", 2, "tdwrec-42-1") == [
        "/opt/fmedia/fmedia", "--record", "--dev-capture=2", "--out=/r/a.recording.wav", "--globcmd=listen",
        "--globcmd.pipe-name=tdwrec-42-1"]
    assert control_command("fmedia", "tdwrec-42-1", "stop") == ["fmedia", "--globcmd=stop", "--globcmd.pipe-name=tdwrec-42-1"]
    assert control_command("fmedia", "tdwrec-42-1", "quit") == ["fmedia", "--globcmd=quit", "--globcmd.pipe-name=tdwrec-42-1"]


def test_device_numbers_from_fmedias_list_and_the_sound_servers():
    devices = parse_capture_devices(LIST_DEV)
    assert devices == ["Monitor of Built-in Audio Analog Stereo", "Monitor of TDWBuildOutput", "Built-in Audio Analog Stereo"]
    assert capture_device_number(devices, SOURCES, "tdwrec_build_sink.monitor") == 2
    assert capture_device_number(devices, SOURCES, "alsa_input.pci.analog-stereo") == 3
    assert capture_device_number(devices[1:], SOURCES, "tdwrec_build_sink.monitor") == 1  # found by description
    assert capture_device_number(["Microphone", "Stereo Mix"], [], "Stereo Mix") == 2  # Windows: by device name
    assert capture_device_number(devices, SOURCES, "no.such.monitor") is None


def test_sources_are_described_as_the_sound_server_lists_them_in_any_language(pulse):
    german = {**pulse.env(), "LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8", "LANGUAGE": "de"}
    # pactl prints "Beschreibung:" there, which the text parse this replaced did not know
    assert "Beschreibung:" in subprocess.run(["pactl", "list", "sources"], env=german, capture_output=True,
                                             text=True, check=True).stdout
    assert PulseAudio(env=german).descriptions() == [(f"{pulse.sink}.monitor", "Monitor of TDWRecorderTest")]


def test_without_fmedia_the_backend_is_one_line_about_installing_it(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    reason = registry.unavailable("fmedia")
    assert reason == ("fmedia is not installed: get it from https://stsaz.github.io/fmedia/ (the recorder TDW's "
                      "AudioUtils uses) and put it on PATH, or use the ffmpeg backend.")
    problems = static_problems(CaptureSettings(mode="audio", backend="fmedia", output_dir="/tmp"))
    assert [p.message for p in problems if p.field == "backend"] == [reason]


@pytest.fixture
def fake_fmedia(monkeypatch, tmp_path):
    """The fake fmedia on PATH; returns the file where it logs every command line it gets."""
    monkeypatch.setenv("PATH", f"{FAKE_FMEDIA_DIR}:{os.environ['PATH']}")
    log = tmp_path / "fmedia-calls.txt"
    monkeypatch.setenv("FAKE_FMEDIA_LOG", str(log))
    return log


def test_fmedia_records_what_the_computer_plays_and_stops_politely(no_orphans, machine, tone, fake_fmedia, tmp_path):
    assert registry.unavailable("fmedia") is None
    tone(10)
    out = tmp_path / "out"
    settings = CaptureSettings(mode="audio", backend="fmedia", audio="default", duration=2, output_dir=str(out))
    session = Session(plan(settings, machine), env=dict(machine.env, FAKE_FMEDIA_LOG=str(fake_fmedia)))
    session.start()
    assert session.wait(20), "the recording did not end by itself"
    result = session.stop()
    assert result.error is None and result.finalised
    assert list(out.iterdir()) == [result.path] and result.path.suffix == ".flac"  # the live WAV is gone
    assert stream(probe(result.path), "audio")["codec_name"] == "flac"
    assert mean_volume_db(result.path) > -40  # the 440 Hz tone
    calls = fake_fmedia.read_text().splitlines()
    pipe = f"--globcmd.pipe-name={session.recorder._pipe}"
    live = result.path.with_name(result.path.name.replace(".flac", ".recording.wav"))
    assert calls == ["fmedia --list-dev", f"fmedia --record --dev-capture=1 --out={live} --globcmd=listen {pipe}",
                     f"fmedia --globcmd=stop {pipe}", f"fmedia --globcmd=quit {pipe}"]


def test_fmedias_wav_is_kept_as_it_is_without_finalising(machine, fake_fmedia, tmp_path):
    settings = CaptureSettings(mode="audio", backend="fmedia", audio="default", duration=1, finalise=False,
                               output_dir=str(tmp_path))
    session = Session(plan(settings, machine), env=dict(machine.env, FAKE_FMEDIA_LOG=str(fake_fmedia)))
    session.start()
    assert session.wait(20)
    result = session.stop()
    assert result.error is None and not result.finalised and result.path.suffix == ".wav"
    assert sorted(tmp_path.iterdir()) == sorted([result.path, fake_fmedia])  # no empty placeholder left beside it
    assert stream(probe(result.path), "audio")["codec_name"] == "pcm_s16le"
