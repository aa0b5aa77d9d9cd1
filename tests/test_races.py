"""Races (issue 19, class 3): whatever finishes or moves a recording holds its lock, so two processes never work
on one file at once, and nothing one of them made is deleted by the other. (Batch names: tests/batch/.)"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

from app.batch.state import move_aside
from app.output import reserve
from app.recovery import recover, unfinished
from tests.support.media import decoded_frames

ROOT = Path(__file__).parent.parent
LEFTOVERS = 8
FRAMES = 15

# `tdw-recorder recover`, imported and ready, held at a barrier until the test creates the barrier file
AT_THE_BARRIER = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
from app.entry import main
import app.cli, app.recovery, app.ffmpeg.locate, app.ffmpeg.inspect, app.ffmpeg.commands
print("ready", flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.0005)
sys.exit(main(["recover", "--out", sys.argv[3]]))
"""


def crash_left(folder: Path, base: str, source: Path) -> Path:
    """What a recorder killed mid-recording leaves: the name it reserved (marked as ours), with what it wrote."""
    live = reserve(folder, base, "mkv", "mp4").recording
    shutil.copyfile(source, live)
    return live


def a_short_mkv(path: Path) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"testsrc=size=160x120:rate=30:duration={FRAMES / 30}",
                    "-c:v", "libx264", "-preset", "ultrafast", str(path)], check=True)
    return path


def test_two_recovers_on_one_folder_at_once_finish_each_leftover_once(tmp_path):
    out, barrier = tmp_path / "out", tmp_path / "go"
    out.mkdir()
    source = a_short_mkv(tmp_path / "source.mkv")
    leftovers = [crash_left(out, f"clip-{n}", source) for n in range(LEFTOVERS)]
    procs = [subprocess.Popen([sys.executable, "-c", AT_THE_BARRIER, str(ROOT), str(barrier), str(out)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready"
    barrier.touch()  # both start at once, on the same list, in the same order
    results = [(proc.wait(60), proc.stdout.read(), proc.stderr.read()) for proc in procs]
    for code, stdout, stderr in results:
        assert code == 0 and "Traceback" not in stderr, stdout + stderr
    said = "".join(stdout for _, stdout, _ in results)
    for live in leftovers:  # finished by exactly one of them, into exactly one file; the other says so
        base = live.name.split(".recording")[0]
        assert said.count(f"{live.name} -> {base}.mp4") == 1, said
        others = [line for line in said.splitlines() if live.name in line and "->" not in line]
        assert all("another process" in line for line in others), said
        assert decoded_frames(out / f"{base}.mp4") == FRAMES
    assert sorted(p.name for p in out.iterdir()) == sorted(f"clip-{n}.mp4" for n in range(LEFTOVERS))  # nothing else


def test_recover_leaves_a_file_to_the_process_holding_it_and_one_finished_meanwhile(tmp_path):
    source = a_short_mkv(tmp_path / "source.mkv")
    first, second = crash_left(tmp_path, "first", source), crash_left(tmp_path, "second", source)
    fd = os.open(first, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as another `recover` (or a batch moving it aside) does while it works
    try:
        busy = recover("ffmpeg", first)
        assert busy.by_another and busy.result is None and "being finished by another process" in busy.message
        assert move_aside(first, tmp_path) == first  # a batch does not move it from under that process either
        assert unfinished(tmp_path) == [second]  # nor is it listed as left unfinished
    finally:
        os.close(fd)
    listed = unfinished(tmp_path)
    done = recover("ffmpeg", second)  # another process finished `second` after this one listed it
    assert done.result == tmp_path / "second.mp4"
    again = recover("ffmpeg", second)
    assert again.by_another and "finished meanwhile by another process" in again.message
    assert listed == [first, second] and (tmp_path / "second.mp4").exists()
    assert not list(tmp_path.glob("second-*"))

