"""The sound server through libpulse against a real PulseAudio, and Windows/macOS audio device listings."""

import os
import signal
import subprocess
import time
from contextlib import contextmanager

import pytest

from app.audio.devices import (
    list_audio_devices_command,
    parse_avfoundation_audio,
    parse_dshow_audio,
)
from app.audio.pulse import AudioSource, PulseAudio, connection
from app.audio.streams import monitor_of_processes, recording_processes
from app.errors import RecorderError
from app.processes import spawn, stop_tree
from tests.support.servers import PulseServer

NO_SERVER = "No PulseAudio/PipeWire sound server answers"

DSHOW_NEW = '''[dshow @ 000001c] "Integrated Camera" (video)
[dshow @ 000001c]   Alternative name "@device_pnp_\\\\?\\usb#vid_04f2"
[dshow @ 000001c] "screen-capture-recorder" (video)
[dshow @ 000001c] "Microphone Array (Realtek(R) Audio)" (audio)
[dshow @ 000001c]   Alternative name "@device_cm_{33D9A762-90C8-11D0-BD43-00A0C911CE86}\\wave_{1}"
[dshow @ 000001c] "Stereo Mix (Realtek(R) Audio)" (audio)
[dshow @ 000001c] "virtual-audio-capturer" (audio)
dummy: Immediate exit requested
'''
DSHOW_OLD = '''[dshow @ 0000018] DirectShow video devices (some may be both video and audio devices)
[dshow @ 0000018]  "screen-capture-recorder"
[dshow @ 0000018] DirectShow audio devices
[dshow @ 0000018]  "Microphone (High Definition Audio Device)"
[dshow @ 0000018]     Alternative name "@device_cm_{33D9A762}\\wave_{2}"
[dshow @ 0000018]  "virtual-audio-capturer"
'''
AVFOUNDATION = '''[AVFoundation indev @ 0x7fb] AVFoundation video devices:
[AVFoundation indev @ 0x7fb] [0] FaceTime HD Camera
[AVFoundation indev @ 0x7fb] [1] Capture screen 0
[AVFoundation indev @ 0x7fb] AVFoundation audio devices:
[AVFoundation indev @ 0x7fb] [0] MacBook Pro Microphone
[AVFoundation indev @ 0x7fb] [1] BlackHole 2ch
: Input/output error
'''


@contextmanager
def loaded(env, module: str, args: str):
    """A module loaded into the test server for one test (through libpulse, like the app)."""
    with connection(env) as pulse:
        index = pulse.module_load(module, args)
    try:
        yield
    finally:
        with connection(env) as pulse:
            pulse.module_unload(index)


def wait_for(predicate, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while not (found := predicate()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def test_sources_default_and_resolve(pulse):
    env = pulse.env()
    with loaded(env, "module-null-source", "source_name=tdwrec_mic"):
        sound = PulseAudio(env=env)
        sources = sound.sources()
        assert AudioSource(f"{pulse.sink}.monitor", True) in sources
        assert AudioSource("tdwrec_mic", False) in sources  # an input, told apart by data, not by its name
        assert sound.default_sink() == pulse.sink
        assert sound.resolve("default") == f"{pulse.sink}.monitor"
        assert sound.resolve("tdwrec_mic") == "tdwrec_mic"
        with pytest.raises(RecorderError, match="does not exist"):
            sound.resolve("tdwrec_nosuch")


def test_a_real_player_is_found_on_the_sink_it_plays_to(pulse):
    env = pulse.env()
    with loaded(env, "module-null-sink", "sink_name=tdwrec_other"):
        player = spawn(["pacat", "--playback", "--device=tdwrec_other", "/dev/zero"], env=env)
        try:
            assert wait_for(lambda: monitor_of_processes([player.pid], env)) == "tdwrec_other.monitor"
            assert monitor_of_processes([os.getpid()], env) is None  # this process plays nothing
        finally:
            stop_tree(player.pid, timeout=3)


def test_recording_streams_name_their_process(pulse):
    env = pulse.env()
    recorder = spawn(["pacat", "--record", f"--device={pulse.sink}.monitor"], env=env, stdout=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: recorder.pid in recording_processes(env))
    finally:
        stop_tree(recorder.pid, timeout=3)
    assert wait_for(lambda: recorder.pid not in recording_processes(env))


def test_a_missing_or_stuck_sound_server_is_one_line_not_a_hang(tmp_path):
    gone = {**os.environ, "PULSE_SERVER": f"unix:{tmp_path}/none", "XDG_RUNTIME_DIR": str(tmp_path)}
    with pytest.raises(RecorderError, match=NO_SERVER):
        PulseAudio(env=gone).sources()
    # where the env leads, not where this process's own environment would: XDG_RUNTIME_DIR alone
    only_runtime = {k: v for k, v in gone.items() if k != "PULSE_SERVER"}
    with pytest.raises(RecorderError, match=NO_SERVER):
        PulseAudio(env=only_runtime).default_sink()
    assert monitor_of_processes([os.getpid()], gone) is None and recording_processes(gone) == set()
    stuck = PulseServer().start()
    try:
        os.kill(stuck.proc.pid, signal.SIGSTOP)  # accepts the connection, never answers
        with pytest.raises(RecorderError, match=NO_SERVER):
            PulseAudio(env=stuck.env()).resolve("default")
        os.kill(stuck.proc.pid, signal.SIGCONT)
        assert PulseAudio(env=stuck.env()).default_sink() == stuck.sink
    finally:
        os.kill(stuck.proc.pid, signal.SIGCONT)
        stuck.stop()


def test_windows_and_macos_device_listings():
    assert list_audio_devices_command("ffmpeg.exe", "win32") == [
        "ffmpeg.exe", "-hide_banner", "-f", "dshow", "-list_devices", "true", "-i", "dummy"]
    assert list_audio_devices_command("ffmpeg", "darwin") == [
        "ffmpeg", "-hide_banner", "-f", "avfoundation", "-list_devices", "true", "-i", ""]
    assert parse_dshow_audio(DSHOW_NEW) == [
        "Microphone Array (Realtek(R) Audio)", "Stereo Mix (Realtek(R) Audio)", "virtual-audio-capturer"]
    assert parse_dshow_audio(DSHOW_OLD) == ["Microphone (High Definition Audio Device)", "virtual-audio-capturer"]
    assert parse_avfoundation_audio(AVFOUNDATION) == ["MacBook Pro Microphone", "BlackHole 2ch"]
