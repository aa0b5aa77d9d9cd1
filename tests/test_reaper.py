"""The process guard (app.reaper) as the recorder uses it: what it does once the recorder's end of its pipe closes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.processes import child_env

ROOT = Path(__file__).parent.parent

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the guard runs on Linux only")

# A program that writes a file and must be asked to finish it: on its "finish" file it writes "finished" and
# waits to be stopped; a SIGTERM before that leaves the file unfinished ("killed"), as OBS's would be.
WRITER = """
import os, signal, sys, time
out, ask = sys.argv[1], sys.argv[2]
def killed(*_):
    with open(out, "a") as f:
        f.write("killed\\n")
    sys.exit(1)
signal.signal(signal.SIGTERM, killed)
open(out, "w").write("started\\n")
while not os.path.exists(ask):
    time.sleep(0.02)
with open(out, "a") as f:
    f.write("finished\\n")
signal.signal(signal.SIGTERM, signal.SIG_DFL)
while True:
    time.sleep(1)
"""

# What the guard runs first: asks the writer to finish and waits until it has (as StopRecord then waiting does).
FINISH = """
import pathlib, sys, time
out, ask = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
ask.write_text("please")
while "finished" not in out.read_text():
    time.sleep(0.02)
"""


def guard() -> subprocess.Popen:
    env = dict(child_env(), PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "app.reaper"], stdin=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)


def writer(tmp_path: Path) -> tuple[subprocess.Popen, Path, Path]:
    out, ask = tmp_path / "file", tmp_path / "ask"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(out), str(ask)])
    while not out.exists():
        time.sleep(0.02)
    return proc, out, ask


def test_when_the_recorder_dies_a_process_is_asked_to_finish_then_stopped_and_its_folder_removed(tmp_path):
    proc, out, ask = writer(tmp_path)
    private = tmp_path / "private"
    (private / "config").mkdir(parents=True)
    (private / "config" / "secret.ini").write_text("password")
    reaper = guard()
    entry = {"pid": proc.pid, "finish": [sys.executable, "-c", FINISH, str(out), str(ask)], "timeout": 30,
             "remove": str(private)}
    reaper.stdin.write("process " + json.dumps(entry) + "\n")
    reaper.stdin.flush()
    time.sleep(0.3)
    assert proc.poll() is None and out.read_text() == "started\n"  # nothing happens while the recorder lives
    reaper.stdin.close()  # the kernel does this when the recorder dies, however it dies
    assert reaper.wait(30) == 0
    assert proc.wait(10) != 0  # stopped by the guard
    assert out.read_text() == "started\nfinished\n"  # asked first: the file was finished, not cut
    assert not private.exists()


def test_a_process_the_recorder_stopped_itself_is_left_alone(tmp_path):
    proc, out, ask = writer(tmp_path)
    private = tmp_path / "private"
    private.mkdir()
    reaper = guard()
    entry = {"pid": proc.pid, "finish": [sys.executable, "-c", FINISH, str(out), str(ask)], "timeout": 30,
             "remove": str(private)}
    reaper.stdin.write("process " + json.dumps(entry) + "\n")
    reaper.stdin.write(f"forget {proc.pid}\n")
    reaper.stdin.close()
    try:
        assert reaper.wait(30) == 0
        assert proc.poll() is None and not ask.exists() and private.exists()
    finally:
        proc.kill()
        proc.wait()


def test_a_finish_command_that_fails_or_hangs_still_ends_the_process(tmp_path):
    proc, out, _ = writer(tmp_path)
    reaper = guard()
    hang = [sys.executable, "-c", "import time; time.sleep(60)"]
    reaper.stdin.write("process " + json.dumps({"pid": proc.pid, "finish": hang, "timeout": 1, "remove": None}) + "\n")
    reaper.stdin.close()
    assert reaper.wait(30) == 0
    assert proc.wait(10) != 0 and out.read_text() == "started\nkilled\n"  # a signal at last: no orphan
