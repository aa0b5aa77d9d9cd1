""""default" audio of a scene follows the TDW build to the sink it plays to (real PulseAudio, two sinks)."""

import signal
import subprocess
import sys

import pytest

from app.audio.build_source import build_source
from app.audio.streams import parse_source_outputs
from app.preflight import plan
from app.processes import spawn, stop_tree
from app.session import Session
from app.model.status import RecordingStatus
from app.model.settings import CaptureSettings
from tests.support.media import mean_volume_db
from tests.support.standin_build import BUILD_PATH

OTHER_SINK = "tdwrec_build_sink"


@pytest.fixture
def other_sink(pulse):
    """A second output, not the default one (headphones, HDMI, ...): the user routes the build there."""
    module = subprocess.run(["pactl", "load-module", "module-null-sink", f"sink_name={OTHER_SINK}",
                             "sink_properties=device.description=TDWBuildOutput"],
                            env=pulse.env(), check=True, capture_output=True, text=True).stdout.strip()
    yield OTHER_SINK
    subprocess.run(["pactl", "unload-module", module], env=pulse.env(), capture_output=True)


def record_scene(machine, env, tmp_path, frames, statuses=None):
    settings = CaptureSettings(mode="audio", audio="default", scene="demo:moving_object", scene_args=[str(frames)],
                               fps=40, build=str(BUILD_PATH), connect_timeout=30, output_dir=str(tmp_path / "out"))
    session = Session(plan(settings, machine), on_status=(statuses.append if statuses is not None else None), env=env)
    session.start()
    assert session.wait(60), "the scene did not end"
    return session, session.stop()


def test_default_audio_is_the_monitor_of_the_sink_the_build_plays_to(no_orphans, machine, env, pulse, other_sink,
                                                                      tmp_path):
    scene_env = dict(env, STANDIN_BUILD_PYTHON=sys.executable, STANDIN_BUILD_TONE="1", PULSE_SINK=other_sink)
    # Meanwhile, what "default" meant before (the default sink's monitor) is recorded too: it stays silent.
    before = tmp_path / "default-monitor.wav"
    bare = spawn(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "pulse", "-i", f"{pulse.sink}.monitor",
                  "-y", str(before)], env=env, stdin=subprocess.DEVNULL)
    statuses: list[RecordingStatus] = []
    try:
        session, result = record_scene(machine, scene_env, tmp_path, 200, statuses)
    finally:
        stop_tree(bare.pid, first=signal.SIGINT)  # ffmpeg closes its WAV
    assert session.plan.audio_source == f"{pulse.sink}.monitor"  # what preflight resolved "default" to
    assert result.error is None and result.path.suffix == ".flac"
    assert result.audio == f"Audio from {other_sink}.monitor: the sink the TDW build plays to."
    assert result.audio in result.summary()
    assert f"{other_sink}.monitor" in {s.audio_source for s in statuses}
    assert mean_volume_db(result.path) > -50  # the build's beeps
    assert mean_volume_db(before) < -80  # the default output heard nothing: recording it would have been silent


def test_a_build_without_a_sound_stream_is_recorded_from_the_default_output(machine, env, pulse, tmp_path):
    scene_env = dict(env, STANDIN_BUILD_PYTHON=sys.executable)  # no tone: the build never opens a sound stream
    _, result = record_scene(machine, scene_env, tmp_path, 40)
    assert result.error is None
    assert result.audio == (f"Audio from {pulse.sink}.monitor: the default output, because the TDW build had no "
                            "sound stream when recording started.")


@pytest.fixture
def process_tree():
    """A real parent with a child (as the stand-in build has its pacat player): (parent, child) pids."""
    parent = spawn([sys.executable, "-c", "import subprocess, sys, time\n"
                    "child = subprocess.Popen(['sleep', '30'])\nprint(child.pid, flush=True)\ntime.sleep(30)"],
                   stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    yield parent.pid, child
    stop_tree(parent.pid, timeout=3, first=signal.SIGKILL)


def test_the_builds_processes_are_looked_for_until_a_stream_appears_then_the_fallback(process_tree):
    parent, child = process_tree
    polls: list[set[int]] = []

    def find(pids):
        polls.append(set(pids))
        return "late.monitor" if len(polls) == 3 else None

    found = build_source("default.monitor", lambda: [parent], find=find, grace_s=5, sleep=lambda _s: None,
                         clock=iter(range(100)).__next__)
    assert found.source == "late.monitor" and found.note == "Audio from late.monitor: the sink the TDW build plays to."
    assert polls == [{parent, child}] * 3  # the build and what it started (its sound may come from a child)
    never = build_source("default.monitor", lambda: [parent], find=lambda _p: None, grace_s=2,
                         sleep=lambda _s: None, clock=iter(range(100)).__next__)
    assert never.source == "default.monitor" and "had no sound stream" in never.note


SOURCE_OUTPUTS = """Source Output #7
	Driver: protocol-native.c
	Owner Module: 10
	Client: 12
	Source: 1
	Sample Specification: s16le 2ch 48000Hz
	Properties:
		media.name = "record"
		application.name = "Lavf59.27.100"
		application.process.id = "4216"
		application.process.binary = "ffmpeg"
"""


def test_recording_streams_are_parsed():
    outputs = parse_source_outputs(SOURCE_OUTPUTS)
    assert [(o.index, o.sink, o.pid, o.application) for o in outputs] == [(7, 1, 4216, "Lavf59.27.100")]
