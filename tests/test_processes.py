"""app.processes: a child of a dying many-threaded program gets exactly one SIGTERM, and its guard ends as it ends;
stop_leader lets a program end its own children (one SIGTERM each), then stops what is left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil

from app.processes import one_death_signal, spawn, stop_leader

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


# A single-threaded program whose child (the counter) gets SIGTERM when it dies, as a build's ffmpeg does.
LEADER = """
import ctypes, signal, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]], stdout=subprocess.PIPE, text=True,
                         preexec_fn=lambda: ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM))
child.stdout.readline()
print(child.pid, flush=True)
time.sleep(60)
"""


def test_stop_leader_lets_the_leader_end_its_child_with_one_sigterm_and_waits_for_it(tmp_path):
    count = tmp_path / "count"
    leader = subprocess.Popen([sys.executable, "-c", LEADER, COUNTER, str(count)], stdout=subprocess.PIPE, text=True)
    child = psutil.Process(int(leader.stdout.readline()))
    stop_leader(leader.pid, timeout=10)
    assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE  # returned once the child had ended
    assert count.read_text() == "1"  # its build's death only; ours too would have made ffmpeg drop its file's end
    assert leader.poll() is not None


def test_stop_leader_stops_what_the_leader_left_running():
    leader = subprocess.Popen([sys.executable, "-c", "import subprocess, time; p = subprocess.Popen(['sleep', '60']); "
                               "print(p.pid, flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    orphan = psutil.Process(int(leader.stdout.readline()))
    stop_leader(leader.pid, timeout=0.5)
    assert leader.poll() is not None
    assert not orphan.is_running() or orphan.status() == psutil.STATUS_ZOMBIE


def test_a_child_spawned_below_our_priority_runs_there_with_every_thread_it_starts():
    """An encoder fed from a queue (app.capture.frame_pipe) runs below the scene it records: set before exec, so
    the threads it starts (x264's) are below too."""
    probe = ("import os, threading\n"
             "seen = [os.getpriority(os.PRIO_PROCESS, 0)]\n"
             "t = threading.Thread(target=lambda: seen.append(os.getpriority(os.PRIO_PROCESS, 0)))\n"
             "t.start(); t.join(); print(*seen)")
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    child = spawn([sys.executable, "-c", probe], niceness=7, stdout=subprocess.PIPE, text=True)
    out, _ = child.communicate(timeout=30)
    assert [int(x) for x in out.split()] == [min(ours + 7, 19)] * 2
    plain = spawn([sys.executable, "-c", probe], stdout=subprocess.PIPE, text=True)
    assert [int(x) for x in plain.communicate(timeout=30)[0].split()] == [ours] * 2
