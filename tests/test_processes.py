"""app.processes: a child of a dying many-threaded program gets exactly one SIGTERM, and its guard ends as it ends."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from app.processes import one_death_signal, spawn

# Counts the SIGTERMs it gets for a second after the first one, writes the count, exits.
COUNTER = """
import signal, sys, time
got = []
signal.signal(signal.SIGTERM, lambda *_: got.append(time.monotonic()))
print("ready", flush=True)
while not got:
    time.sleep(0.01)
time.sleep(1)
open(sys.argv[1], "w").write(str(len(got)))
"""

# A program with many threads that starts the counter through one_death_signal, then waits to be killed.
PARENT = """
import subprocess, sys, threading, time
from app.processes import one_death_signal, spawn
for _ in range(12):
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
argv, death = one_death_signal([sys.executable, "-c", sys.argv[1], sys.argv[2]])
child = spawn(argv, death_signal=death, stdout=subprocess.PIPE, text=True)
child.stdout.readline()
print("ready", flush=True)
time.sleep(60)
"""


def test_a_child_of_a_killed_many_threaded_program_gets_one_sigterm(tmp_path):
    count = tmp_path / "count"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, COUNTER, str(count)], stdout=subprocess.PIPE, text=True)
    assert parent.stdout.readline().strip() == "ready"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 15
    while not count.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert count.read_text() == "1"  # ffmpeg takes a second SIGTERM as "abort now" and loses its file's end


def test_the_guard_ends_with_the_code_or_the_signal_of_what_it_runs():
    for script, expected in (("import sys; sys.exit(3)", 3), ("import os; os.kill(os.getpid(), 9)", -9)):
        argv, death = one_death_signal([sys.executable, "-c", script])
        assert spawn(argv, death_signal=death).wait(10) == expected
