"""Benchmark: waiting for a build's window, old way (xwininfo + xprop per window) vs X11Display, side by side.

    .venv/bin/python benchmarks/window_lookup.py --polls 100 --rounds 2

On its own Xvfb + openbox with `--windows` managed windows open (one owned by a stand-in "build" pid through
_NET_WM_PID), it polls every `--interval` s for the windows of a process that has none yet, as the session
does while a build starts, alternating the two ways round by round:
    old  the previous implementation's processes, rebuilt here only for comparison: `xwininfo -tree -root`,
         then one `xprop -id <w> _NET_WM_PID` per named window;
    new  X11Display(env).windows_of_process(pids): one X connection, kept across polls.
Per way: processes started (every subprocess.Popen counted), this process's CPU and its children's
(getrusage), Xvfb's CPU (psutil), and wall time per poll. Both ways must find the build's window first.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from Xlib import Xatom  # noqa: E402
from Xlib.display import Display  # noqa: E402

from app.screen.x11 import X11Display  # noqa: E402
from tests.support.servers import XServer  # noqa: E402

BUILD_PID = 4_000_000  # the stand-in build's pid on its window (above any real pid_max default)
_NAMED = re.compile(r'^\s*(0x[0-9a-fA-F]+) ".*":.*?\s(\d+)x(\d+)[+-]', re.M)
_PID = re.compile(r"=\s*(\d+)")
launched = 0


def count_launches() -> None:
    """Count every process this benchmark starts, whoever starts it, by wrapping Popen."""
    original = subprocess.Popen.__init__

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        global launched
        launched += 1
        original(self, *args, **kwargs)

    subprocess.Popen.__init__ = counting  # type: ignore[method-assign]


def old_way(env: dict[str, str], pids: set[int]) -> list[int]:
    """What X11Display did before: the tree as text, then one xprop per named, visible-sized window."""
    run = lambda *cmd: subprocess.run(cmd, env=env, capture_output=True, text=True).stdout  # noqa: E731
    found = []
    for wid, w, h in _NAMED.findall(run("xwininfo", "-tree", "-root")):
        if int(w) >= 2 and int(h) >= 2:
            match = _PID.search(run("xprop", "-id", wid, "_NET_WM_PID"))
            if match and int(match.group(1)) in pids:
                found.append(int(wid, 16))
    return found


def open_windows(conn: Display, count: int) -> int:
    """`count` managed windows (openbox frames them); the first is the build's. Returns its id."""
    root = conn.screen().root
    ids = []
    for n in range(count):
        window = root.create_window(40 + 30 * n, 40 + 30 * n, 320, 240, 0, conn.screen().root_depth)
        window.set_wm_name(f"Window {n}" if n else "TDW")
        if n == 0:
            window.change_property(conn.intern_atom("_NET_WM_PID"), Xatom.CARDINAL, 32, [BUILD_PID])
        window.map()
        ids.append(window.id)
    conn.sync()
    time.sleep(1.0)  # openbox frames and places them
    return ids[0]


def measure(way: str, env: dict[str, str], polls: int, interval: float, xvfb: psutil.Process) -> dict[str, float]:
    display = X11Display(env=env)
    lookup = (lambda pids: old_way(env, pids)) if way == "old" else \
        (lambda pids: [w.window_id for w in display.windows_of_process(pids)])
    waiting_for = {os.getpid() + 1_000_000}  # a build with no window yet
    start_launched, wall = launched, 0.0
    self0, child0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    x0 = sum(xvfb.cpu_times()[:2])
    for _ in range(polls):
        began = time.perf_counter()
        assert lookup(waiting_for) == []
        wall += time.perf_counter() - began
        time.sleep(interval)
    self1, child1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    display.close()
    per_poll = 1000.0 / polls
    return {"processes": (launched - start_launched) / polls,
            "self_ms": (self1.ru_utime + self1.ru_stime - self0.ru_utime - self0.ru_stime) * per_poll,
            "children_ms": (child1.ru_utime + child1.ru_stime - child0.ru_utime - child0.ru_stime) * per_poll,
            "xvfb_ms": (sum(xvfb.cpu_times()[:2]) - x0) * per_poll, "wall_ms": wall * per_poll}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=100, help="polls per way and round (default 100)")
    parser.add_argument("--rounds", type=int, default=2, help="old/new pairs (default 2)")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between polls (default 0.2)")
    parser.add_argument("--windows", type=int, default=4, help="managed windows open (default 4)")
    args = parser.parse_args()
    count_launches()
    server = XServer().start()
    try:
        env = server.env()
        conn = Display(server.display)
        build_window = open_windows(conn, args.windows)
        with X11Display(env=env) as display:
            new_found = [w.window_id for w in display.windows_of_process({BUILD_PID})]
        if not (old_way(env, {BUILD_PID}) == new_found == [build_window]):
            print("the two ways disagree on the build's window", file=sys.stderr)
            return 1
        xvfb = psutil.Process(server.procs[0].pid)
        results: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
        for _ in range(args.rounds):
            for way in ("old", "new"):
                results[way].append(measure(way, env, args.polls, args.interval, xvfb))
        conn.close()
    finally:
        server.stop()
    print(f"{args.windows} managed windows, {args.polls} polls x {args.rounds} rounds per way, "
          f"every {args.interval} s; figures per poll, mean over rounds")
    print(f"{'way':4} {'processes':>9} {'self CPU ms':>11} {'children ms':>11} {'Xvfb ms':>8} {'wall ms':>8}")
    for way, rounds in results.items():
        mean = {k: sum(r[k] for r in rounds) / len(rounds) for k in rounds[0]}
        print(f"{way:4} {mean['processes']:9.1f} {mean['self_ms']:11.2f} {mean['children_ms']:11.2f} "
              f"{mean['xvfb_ms']:8.2f} {mean['wall_ms']:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
