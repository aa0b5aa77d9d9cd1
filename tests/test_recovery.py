"""A killed recorder leaves a crash-safe file; the next start notices it and `recover` finishes it."""

import subprocess
import sys
from pathlib import Path

import psutil

from app.output import reserve
from app.preflight import plan
from app.recovery import in_use, unfinished
from app.session import Session
from app.model.settings import CaptureSettings
from tests.support.cli_process import start_cli_recording
from tests.support.media import decoded_frames, probe

ROOT = Path(__file__).parent.parent


def test_kill_then_recover(env, anim_window, tmp_path):
    anim_window("Recover Me", 320, 240, 100, 80)
    proc, live, on_disk = start_cli_recording(env, "window:Recover Me", tmp_path)
    assert in_use(live) and unfinished(tmp_path) == []  # a live recording is never touched
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.kill()
    proc.wait()
    psutil.wait_procs(children, timeout=10)
    assert unfinished(tmp_path) == [live]

    # the next start says so, in one line, and still records
    again = subprocess.run([sys.executable, str(ROOT / "main.py"), "record", "--region", "window:Recover Me",
                            "--duration", "1", "--out", str(tmp_path)], env=env, capture_output=True, text=True)
    assert again.returncode == 0 and "1 unfinished recording(s)" in again.stderr and "recover" in again.stderr

    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "recover", "--out", str(tmp_path)], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not live.exists() and unfinished(tmp_path) == []
    recovered = tmp_path / live.name.replace(".recording.mkv", ".mp4")
    assert decoded_frames(recovered) >= on_disk and probe(recovered)["format"]["format_name"].startswith("mov")


def test_recover_with_nothing_to_do_and_an_empty_leftover(env, tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "recover", "--out", str(tmp_path)], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0 and "No unfinished recordings" in done.stdout
    reserve(tmp_path, "x", "mkv", "mp4")  # a recorder killed before it wrote anything: an empty reservation
    (tmp_path / "y.recording.mkv").write_bytes(b"")  # the same name, not ours (no marker)
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "recover", "--out", str(tmp_path)], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0 and "x.recording.mkv was empty (stopped before it wrote anything): removed" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["y.recording.mkv"]  # ours went with its marker; not ours stays
    assert unfinished(tmp_path) == []


def test_a_leftover_with_bytes_that_do_not_play_is_left_as_is(env, tmp_path):
    reserve(tmp_path, "x", "mkv", "mp4").recording.write_bytes(b"not a video")  # nothing is deleted that we could not finish
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "recover", "--out", str(tmp_path)], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 1 and "holds nothing playable" in done.stdout
    assert (tmp_path / "x.recording.mkv").read_bytes() == b"not a video"


def test_a_finished_session_releases_its_file(machine, anim_window, tmp_path):
    anim_window("Release", 320, 240, 100, 80)
    session = Session(plan(CaptureSettings(region="window:Release", output_dir=str(tmp_path), finalise=False,
                                           duration=1), machine), env=machine.env)
    session.start()
    assert in_use(session.paths.recording)
    session.wait(15)
    result = session.stop()
    assert result.path.suffix == ".mkv" and not in_use(result.path)


def test_a_file_another_program_still_writes_is_left_alone(tmp_path):
    """An OBS recording on after we were killed: its file is not ours to finish until it closes it."""
    live = reserve(tmp_path, "clip", "mkv", "mp4").recording  # the name we gave OBS
    live.write_bytes(b"not finished")
    writer = subprocess.Popen(["sh", "-c", f"exec 3>>'{live}'; echo open; exec sleep 30"], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "open"
        assert unfinished(tmp_path) == []
    finally:
        writer.kill()
        writer.wait()
    assert unfinished(tmp_path) == [live]
