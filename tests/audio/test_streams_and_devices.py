"""The build's own sink (pactl sink-inputs), and Windows/macOS audio device listings, from recorded text."""

import subprocess
import time
from pathlib import Path

from app.audio.devices import list_audio_devices_command, parse_avfoundation_audio, parse_dshow_audio
from app.audio.streams import monitor_of_processes, parse_short_sinks, parse_sink_inputs
from app.processes import spawn, stop_tree

DATA = Path(__file__).parent / "data"

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


def test_sink_inputs_are_matched_to_their_process():
    inputs = parse_sink_inputs((DATA / "pactl_sink_inputs.txt").read_text())
    assert [(i.index, i.sink, i.pid, i.application) for i in inputs] == [(0, 1, 28317, "TDW")]
    assert parse_short_sinks((DATA / "pactl_short_sinks.txt").read_text()) == {0: "tdw_recorder", 1: "second"}
    replies = {"sink-inputs": (DATA / "pactl_sink_inputs.txt").read_text(),
               "sinks": (DATA / "pactl_short_sinks.txt").read_text()}
    fake = lambda cmd: replies[cmd[-1]]  # noqa: E731
    assert monitor_of_processes([28317], run=fake) == "second.monitor"
    assert monitor_of_processes([1], run=fake) is None


def test_a_real_player_is_found_on_the_sink_it_plays_to(pulse):
    env = pulse.env()
    module = subprocess.run(["pactl", "load-module", "module-null-sink", "sink_name=tdwrec_other"], env=env, check=True,
                            capture_output=True, text=True).stdout.strip()
    player = spawn(["pacat", "--playback", "--device=tdwrec_other", "/dev/zero"], env=env)
    try:
        deadline = time.monotonic() + 5
        while monitor_of_processes([player.pid], env) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert monitor_of_processes([player.pid], env) == "tdwrec_other.monitor"
    finally:
        stop_tree(player.pid, timeout=3)
        subprocess.run(["pactl", "unload-module", module], env=env, capture_output=True)


def test_windows_and_macos_device_listings():
    assert list_audio_devices_command("ffmpeg.exe", "win32") == [
        "ffmpeg.exe", "-hide_banner", "-f", "dshow", "-list_devices", "true", "-i", "dummy"]
    assert list_audio_devices_command("ffmpeg", "darwin") == [
        "ffmpeg", "-hide_banner", "-f", "avfoundation", "-list_devices", "true", "-i", ""]
    assert parse_dshow_audio(DSHOW_NEW) == [
        "Microphone Array (Realtek(R) Audio)", "Stereo Mix (Realtek(R) Audio)", "virtual-audio-capturer"]
    assert parse_dshow_audio(DSHOW_OLD) == ["Microphone (High Definition Audio Device)", "virtual-audio-capturer"]
    assert parse_avfoundation_audio(AVFOUNDATION) == ["MacBook Pro Microphone", "BlackHole 2ch"]
