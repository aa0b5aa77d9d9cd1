"""The CLI as a user runs it: a real process, real servers, one-line errors and never a traceback."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.support.cli_process import start_cli_recording
from tests.support.media import decoded_frames, packet_span, probe, stream

ROOT = Path(__file__).parent.parent


def cli(env, *args, timeout=60):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def test_record_with_duration_prints_where_and_figures(env, anim_window, tmp_path):
    anim_window("CLI Source", 320, 240, 100, 80)
    done = cli(env, "record", "--region", "window:CLI Source", "--duration", "2", "--fps", "25", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    saved = Path(done.stdout.split("Saved ", 1)[1].split("\n", 1)[0])
    assert saved.parent == tmp_path and saved.suffix == ".mp4"
    assert "duration 2.0" in done.stdout and "frames" in done.stdout and "dropped" in done.stdout
    assert stream(probe(saved), "video")["r_frame_rate"] == "25/1"


def test_a_kept_live_file_with_sound_reports_its_length_not_its_wall_clock_end(env, tmp_path):
    # --no-finalise keeps the crash-safe Matroska as it is, and with sound its stamps are wall-clock times (-copyts)
    done = cli(env, "record", "--mode", "av", "--audio", "default", "--region", "0,0,320x240", "--duration", "2",
               "--no-finalise", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    saved = Path(done.stdout.split("Saved ", 1)[1].split("\n", 1)[0])
    assert saved.suffix == ".mkv" and {s["codec_type"] for s in probe(saved)["streams"]} == {"audio", "video"}
    first, last = packet_span(saved)
    assert first > 1e9  # the file really starts at a wall-clock time, not at 0
    shown = float(done.stdout.split("duration ", 1)[1].split(" s", 1)[0])
    assert last - first > 1 and abs(shown - (last - first)) < 0.05, (shown, first, last)


def test_ctrl_c_stops_gracefully_and_finalises(env, anim_window, tmp_path):
    anim_window("CLI Interrupt", 320, 240, 100, 80)
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "record", "--region", "100,80,320x240",
                             "--out", str(tmp_path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    mp4s = list(tmp_path.glob("*.mp4"))
    assert len(mp4s) == 1 and float(probe(mp4s[0])["format"]["duration"]) > 1.5


def test_killing_the_cli_leaves_no_ffmpeg_and_a_playable_file(env, anim_window, tmp_path):
    anim_window("CLI Killed", 320, 240, 100, 80)
    proc, live, on_disk = start_cli_recording(env, "window:CLI Killed", tmp_path)
    children = psutil.Process(proc.pid).children(recursive=True)
    assert any(c.name().startswith("ffmpeg") for c in children)
    proc.kill()
    proc.wait()
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"orphans: {alive}"
    assert decoded_frames(live) >= on_disk  # what was on disk when the recorder died still plays


@pytest.mark.parametrize("args, words", [
    (["--region", "1,1,321x240"], "is odd"),
    (["--region", "5000,0,320x240"], "does not fit"),
    (["--region", "nonsense"], "not understood"),
    (["--region", "window:no window like this"], "tdw-recorder sources"),
    (["--fps", "0"], "Framerate"),
    (["--fps", "1000"], "Framerate"),
    (["--audio", "nosuchsource"], "does not exist"),
    (["--ffmpeg", "/no/ffmpeg"], "not an executable"),
    (["--crf", "99"], "between 0 and 51"),
    (["--backend", "vlc"], "Backend 'vlc' is unknown"),
])
def test_bad_input_is_one_line_and_no_traceback(env, tmp_path, args, words):
    done = cli(env, "record", "--out", str(tmp_path), "--duration", "1", *args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tdw-recorder: ") and words in lines[0], done.stderr
    assert list(tmp_path.iterdir()) == []  # nothing half-made


def test_output_that_is_a_file_and_unparsable_numbers(env, tmp_path):
    afile = tmp_path / "taken"
    afile.write_text("")
    done = cli(env, "record", "--out", str(afile), "--duration", "1")
    assert done.returncode == 2 and "is a file, not a folder" in done.stderr
    done = cli(env, "record", "--fps", "fast")
    assert done.returncode == 2 and "not a number" in done.stderr and "Traceback" not in done.stderr


def test_no_display(env, tmp_path):
    bare = {k: v for k, v in env.items() if k != "DISPLAY"}
    done = cli(bare, "record", "--out", str(tmp_path), "--duration", "1")
    assert done.returncode == 2 and "No DISPLAY is set" in done.stderr and "Traceback" not in done.stderr


def test_sources_lists_sinks_and_windows(env, pulse, anim_window):
    anim_window("Listed Window", 320, 240, 100, 80)
    done = cli(env, "sources")
    assert done.returncode == 0
    assert f"{pulse.sink}.monitor" in done.stdout and "'Listed Window'  320x240" in done.stdout


def test_doctor_passes_here_and_names_what_to_fix_without_a_display(env, tmp_path):
    good = cli(env, "doctor", "--out", str(tmp_path))
    assert good.returncode == 0 and "ok   ffmpeg x11grab" in good.stdout and "All good" in good.stdout
    bare = {k: v for k, v in env.items() if k not in ("DISPLAY", "PULSE_SERVER")}
    bare["XDG_RUNTIME_DIR"] = str(tmp_path)
    bad = cli(bare, "doctor", "--out", str(tmp_path))
    assert bad.returncode == 1
    assert "FIX  display" in bad.stdout and "FIX  sound server" in bad.stdout


def test_version_and_help(env):
    assert cli(env, "--version").stdout.startswith("tdw-recorder ")
    assert "record" in cli(env, "--help").stdout
