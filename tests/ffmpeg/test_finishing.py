"""A finishing ffmpeg (remux at the end, recover): progress in percent, a limit that grows with the file, and a
sentence instead of an exception when it runs over or gets stuck."""

import os
import subprocess

import psutil

from app.ffmpeg import finishing
from app.ffmpeg.commands import finalise_command
from app.ffmpeg.finishing import Finished, run_finishing, time_limit


def clip(path, seconds=4):
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"testsrc=size=320x240:rate=30:duration={seconds}",
                    "-c:v", "libx264", "-preset", "ultrafast", str(path)], check=True)
    return path


def test_a_remux_reports_its_progress_in_percent_to_100(tmp_path):
    source = clip(tmp_path / "a.recording.mkv")
    heard: list[int] = []
    done = run_finishing(finalise_command("ffmpeg", str(source), str(tmp_path / "a.mp4")), 4.0, source.stat().st_size,
                         heard.append)
    assert done == Finished(0, done.stderr) and (tmp_path / "a.mp4").stat().st_size > 0
    assert heard[0] == 0 and heard[-1] == 100 and heard == sorted(heard)


def test_the_limit_grows_with_the_files_size_and_length():
    small, big = time_limit(10, 10_000_000), time_limit(10, 10_000_000_000)
    assert small >= finishing.BASE_LIMIT_S and big > small + 1000  # 10 GB: over half an hour more than 10 MB
    assert time_limit(7200, 1_000_000) > time_limit(10, 1_000_000) + 3000  # a two-hour sound file converts longer


def test_a_stuck_finish_is_ended_with_a_sentence_and_leaves_no_process(tmp_path, monkeypatch):
    monkeypatch.setattr(finishing, "STUCK_S", 1.0)
    fifo = tmp_path / "never.recording.mkv"
    os.mkfifo(fifo)  # nothing ever writes into it: ffmpeg waits on it forever, as on a hung network folder
    done = run_finishing(finalise_command("ffmpeg", str(fifo), str(tmp_path / "never.mp4")), 10.0, 0, what="never.mkv")
    assert done.returncode is None
    assert done.problem == "Finishing never.mkv made no progress for 1 s (is the disk still there?) and was stopped."
    assert not [p for p in psutil.process_iter(["cmdline"]) if str(fifo) in " ".join(p.info["cmdline"] or [])]
