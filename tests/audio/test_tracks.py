"""Several --audio sources: two real PulseAudio null sinks playing different tones land in two tracks, in the order
given, each titled by its source and holding its own tone."""

import subprocess
import sys
import time
from pathlib import Path

import numpy
import pytest

from app.processes import spawn, stop_tree
from tests.support.media import probe

ROOT = Path(__file__).parent.parent.parent
TONES = {"tdwrec_tone_a": 440, "tdwrec_tone_b": 1500}


@pytest.fixture
def two_tones(pulse):
    """Two more null sinks, each playing its own tone; yields their monitors' names."""
    env = pulse.env()
    modules = [subprocess.run(["pactl", "load-module", "module-null-sink", f"sink_name={sink}"], env=env,
                              capture_output=True, text=True, check=True).stdout.strip() for sink in TONES]
    players = [spawn(["ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i", f"sine=frequency={hz}:duration=30",
                      "-f", "pulse", "-buffer_duration", "50", "-device", sink, "tone"],
                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for sink, hz in TONES.items()]
    deadline = time.monotonic() + 10  # both players are playing before the recording starts
    while time.monotonic() < deadline and len(subprocess.run(["pactl", "list", "short", "sink-inputs"], env=env,
                                                             capture_output=True, text=True).stdout.split("\n")) < 3:
        time.sleep(0.1)
    time.sleep(0.5)
    yield [f"{sink}.monitor" for sink in TONES]
    for proc in players:
        stop_tree(proc.pid, timeout=3)
    for module in modules:
        subprocess.run(["pactl", "unload-module", module], env=env, capture_output=True)


def loudest_hz(path: Path, track: int) -> float:
    rate = 8000
    pcm = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(path), "-map", f"0:a:{track}", "-ac", "1",
                          "-ar", str(rate), "-f", "s16le", "-"], capture_output=True, check=True).stdout
    samples = numpy.frombuffer(pcm, dtype=numpy.int16).astype(float)
    spectrum = numpy.abs(numpy.fft.rfft(samples))
    return float(numpy.fft.rfftfreq(len(samples), 1 / rate)[int(spectrum[1:].argmax()) + 1])


def test_two_sources_two_titled_tracks_each_with_its_own_tone(env, two_tones, tmp_path):
    first, second = two_tones
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "record", "--region", "0,0,320x240", "--duration", "2",
                           "--audio", second, "--audio", first, "--out", str(tmp_path)],  # the order given, not the names'
                          env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert f"+ 1 more sound track(s) ({first})" in done.stderr
    saved = Path(done.stdout.split("Saved ", 1)[1].split("\n", 1)[0])
    audio = [s for s in probe(saved)["streams"] if s["codec_type"] == "audio"]
    assert [s["tags"].get("title") or s["tags"].get("handler_name") for s in audio] == [second, first]
    assert float(audio[1]["duration"]) > 1.5
    assert abs(loudest_hz(saved, 0) - TONES["tdwrec_tone_b"]) < 20
    assert abs(loudest_hz(saved, 1) - TONES["tdwrec_tone_a"]) < 20


def test_several_sources_outside_audio_and_video_are_refused_in_one_line(env, pulse, tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "record", "--mode", "audio", "--audio", "default",
                           "--audio", f"{pulse.sink}.monitor", "--out", str(tmp_path)], env=env, capture_output=True, text=True, timeout=60,
                          cwd=ROOT)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.strip() == ("tdw-recorder: Several audio sources are recorded as separate tracks with audio + video "
                                   "from the screen by ffmpeg on Linux (--mode av): give one --audio here.")


def test_sync_check_measures_each_track(no_orphans, env, pulse):
    """A second source that hears the beeps later (a loopback, as a microphone in the room would) is its own track,
    measured against the same flashes: later than the first (PulseAudio's loopback gives ~75 ms of its 150)."""
    from app.sync.check import run_sync_check

    penv = pulse.env()
    load = lambda *args: subprocess.run(["pactl", "load-module", *args], env=penv, capture_output=True, text=True,
                                        check=True).stdout.strip()
    modules = [load("module-null-sink", "sink_name=tdwrec_mic"),
               load("module-loopback", f"source={pulse.sink}.monitor", "sink=tdwrec_mic", "latency_msec=150")]
    try:
        report = run_sync_check(seconds=5, env=env, more_audio=("tdwrec_mic.monitor",))
    finally:
        for module in reversed(modules):
            subprocess.run(["pactl", "unload-module", module], env=penv, capture_output=True)
    (source, mic), = report.tracks
    assert source == "tdwrec_mic.monitor" and not isinstance(mic, str), mic
    assert len(mic.offsets_ms) >= 2 and len(report.offsets_ms) >= 2
    assert 30 < mic.mean_ms - report.mean_ms < 600, (report.summary(), mic.summary())  # measured: +75 ms


def test_the_command_line_of_two_tracks_with_a_duration():
    """Only the picture gets -t (a sound input opened first is read while the next one opens) and ends the file."""
    from app.ffmpeg.commands import ScreenInput, record_command
    from app.model.encoding import Encoding
    from app.model.region import Region

    cmd = record_command("ff", "o.mkv", Encoding(), ScreenInput("linux", Region(0, 0, 320, 240), 30, ":1"),
                         audio_source="a.monitor", more_audio=("mic",), duration=5)
    pulse = ["-f", "pulse", "-fragment_size", "1920", "-thread_queue_size", "1024", "-use_wallclock_as_timestamps", "1"]
    assert cmd[9:] == [
        "-y", *pulse, "-i", "a.monitor", *pulse, "-i", "mic",
        "-f", "x11grab", "-video_size", "320x240", "-draw_mouse", "1", "-fpsprobesize", "0", "-framerate", "30", "-t", "5",
        "-thread_queue_size", "1024", "-i", ":1+0,0",
        "-filter_complex", "[0]aresample=async=100[s0];[1]aresample=async=100[s1]",
        "-map", "[s0]", "-map", "[s1]", "-map", "2", "-f", "matroska", "-acodec", "aac", "-b:a", "192k",
        "-cluster_size_limit", "1000000", "-cluster_time_limit", "500", "-copyts", "-crf", "18", "-enc_time_base:v",
        "1:1000", "-flush_packets", "1", "-g", "60", "-pix_fmt", "yuv420p", "-preset", "veryfast", "-shortest",
        "-vcodec", "libx264",
        "-metadata:s:a:0", "title=a.monitor", "-metadata:s:a:0", "handler_name=a.monitor",
        "-metadata:s:a:1", "title=mic", "-metadata:s:a:1", "handler_name=mic", "o.mkv"]
