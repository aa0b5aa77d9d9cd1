"""Benchmark: a TDW scene recorded by the product's frame route vs the classic route (files, then ffmpeg).

    .venv/bin/python benchmarks/frame_route.py --frames 300 --rounds 2

The scene is a small tdw controller written into a temp dir (create_empty_room, an A_Img_Caps_Kinematic
avatar, set_screen_size 1280x720, set_target_framerate 30, _img pass, send_images always, N frames,
terminate), run against the stand-in build (tests/support/standin_build, PNG frames, paced at 30 fps),
with DISPLAY unset so the build runs windowless and the comparison is about frames only. Per round, in
alternating order (A B C, then C B A, ...):
  A) product frame route: plan(CaptureSettings(mode="video-frames", scene=...)) -> Session.start() ->
     wait() -> stop(); the script saves nothing;
  B) classic: the build launched by hand, the script (tdw Controller on that port) saves every frame with
     TDWUtils.save_images, then `ffmpeg -framerate 30 -i img_%04d.png -c:v libx264 -preset veryfast
     -crf 18 -pix_fmt yuv420p out.mp4` stitches them;
  C) the same scene with no recording and no saving (the scene's own frame rate, recording off).
The script writes time.monotonic() of its first and last received frame into a JSON file (CLOCK_MONOTONIC
is system-wide on Linux, so it compares with this process's clock). Measured:
  * wall time: from launching the scene (A: Session.start(); B: build + script launch) to a finished MP4;
  * last frame -> playable MP4: from the script receiving its last frame to the MP4 being finished;
  * scene fps = (frames - 1) / (last - first), A and B against C;
  * bytes besides the MP4: every file left in the output dirs, the scene's dir and a private TMPDIR
    (the timing JSON excepted); for A, the peak of not-yet-final files seen while running (the
    crash-safe live recording, which is the video itself, remuxed to the MP4 at stop) is shown apart.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.machine import Machine  # noqa: E402
from app.preflight import plan  # noqa: E402
from app.processes import spawn, stop_tree  # noqa: E402
from app.scene.build import free_port  # noqa: E402
from app.session import Session  # noqa: E402
from app.model.settings import CaptureSettings  # noqa: E402

BUILD = ROOT / "tests" / "support" / "standin_build" / "TDW.x86_64"
W, H, FPS = 1280, 720, 30

SCENE = '''\
import json, os, sys, time
from tdw.controller import Controller
from tdw.output_data import Images, OutputData
from tdw.tdw_utils import TDWUtils

frames, timing = int(sys.argv[1]), sys.argv[2]
save_dir = sys.argv[3] if len(sys.argv) > 3 else ""
port = os.environ.get("BENCH_PORT")
c = Controller(port=int(port), launch_build=False, check_version=False) if port else Controller()
c.communicate([TDWUtils.create_empty_room(12, 12),
               {"$type": "create_avatar", "type": "A_Img_Caps_Kinematic", "id": "a"},
               {"$type": "set_screen_size", "width": %(w)d, "height": %(h)d},
               {"$type": "set_target_framerate", "framerate": %(fps)d},
               {"$type": "set_pass_masks", "pass_masks": ["_img"], "avatar_id": "a"},
               {"$type": "send_images", "frequency": "always"}])
first = last = None
for i in range(frames):
    resp = c.communicate([])
    last = time.monotonic()
    first = first if first is not None else last
    if save_dir:
        for j in range(len(resp) - 1):
            if OutputData.get_data_type_id(resp[j]) == "imag":
                TDWUtils.save_images(images=Images(resp[j]), filename=TDWUtils.zero_padding(i, 4),
                                     output_directory=save_dir)
with open(timing, "w") as f:
    json.dump({"first": first, "last": last, "frames": frames}, f)
c.communicate({"$type": "terminate"})
''' % {"w": W, "h": H, "fps": FPS}


def dir_bytes(*dirs: Path, skip: tuple[Path, ...] = ()) -> int:
    total = 0
    for d in dirs:
        for p in d.rglob("*"):
            if p.is_file() and p not in skip:
                try:
                    total += p.stat().st_size
                except FileNotFoundError:
                    pass
    return total


def base_env(tmpdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["STANDIN_BUILD_PYTHON"] = sys.executable
    env["TMPDIR"] = str(tmpdir)
    return env


def timing_of(path: Path, frames: int) -> dict:
    t = json.loads(path.read_text())
    t["fps"] = (frames - 1) / (t["last"] - t["first"])
    return t


def frames_in(mp4: Path) -> int:
    out = subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0", "-show_entries",
                          "stream=nb_read_packets", "-of", "csv=p=0", str(mp4)], capture_output=True, text=True)
    return int(out.stdout.strip() or 0)


def run_product(work: Path, script: Path, frames: int) -> dict:
    out, tmp, scene_dir = work / "out", work / "tmp", script.parent
    for d in (out, tmp):
        d.mkdir()
    timing = work / "timing.json"
    env = base_env(tmp)
    settings = CaptureSettings(mode="video-frames", scene=str(script), scene_args=[str(frames), str(timing)],
                               build=str(BUILD), output_dir=str(out), screen_size=f"{W}x{H}", fps=FPS,
                               connect_timeout=60)
    p = plan(settings, Machine(env=env))
    peak = [0]
    running = threading.Event()
    running.set()

    def poll() -> None:  # not-yet-final files while the scene runs (the crash-safe live recording)
        while running.is_set():
            peak[0] = max(peak[0], dir_bytes(out, tmp))
            time.sleep(0.25)

    session = Session(p, env=env)
    t0 = time.monotonic()
    session.start()
    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    if not session.wait(frames / FPS * 4 + 120):
        print("  A: the scene did not end in time", file=sys.stderr)
    t_ended = time.monotonic()
    result = session.stop()
    t_done = time.monotonic()
    running.clear()
    poller.join()
    if result.error or result.path is None:
        raise SystemExit(f"A failed: {result.error}\n" + "\n".join(session.scene_log[-20:]))
    t = timing_of(timing, frames)
    besides = dir_bytes(out, tmp, scene_dir, skip=(result.path, script))
    return {"wall": t_done - t0, "tail": t_done - t["last"], "to_ended": t_ended - t["last"],
            "stop": t_done - t_ended, "fps": t["fps"], "besides": besides,
            "live_peak": peak[0], "mp4_frames": frames_in(result.path), "mp4_bytes": result.path.stat().st_size}


def run_plain(work: Path, script: Path, frames: int, classic: bool, tag: str) -> dict:
    tmp, frames_dir, scene_dir = work / "tmp", work / "frames", script.parent
    tmp.mkdir()
    timing = work / "timing.json"
    env = base_env(tmp)
    port = free_port()
    env["BENCH_PORT"] = str(port)
    args = [sys.executable, str(script), str(frames), str(timing)] + ([str(frames_dir)] if classic else [])
    t0 = time.monotonic()
    build = spawn([str(BUILD), f"-port {port}", "-screenWidth", str(W), "-screenHeight", str(H)], env=env,
                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, cwd=str(BUILD.parent))
    scene = spawn(args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                  cwd=str(scene_dir))
    try:
        log, _ = scene.communicate(timeout=frames / FPS * 4 + 120)
    finally:
        stop_tree(scene.pid, timeout=5)
    if scene.returncode != 0:
        stop_tree(build.pid, timeout=5)
        raise SystemExit(f"{tag} failed ({scene.returncode}):\n{log.decode(errors='replace')[-2000:]}")
    try:
        build.wait(timeout=5)  # the build quits on `terminate`
    except subprocess.TimeoutExpired:
        pass
    stop_tree(build.pid, timeout=5)
    t = timing_of(timing, frames)
    res = {"fps": t["fps"]}
    if classic:
        mp4 = work / "out.mp4"
        done = subprocess.run(["ffmpeg", "-v", "error", "-y", "-framerate", str(FPS), "-i",
                               str(frames_dir / "img_%04d.png"), "-c:v", "libx264", "-preset", "veryfast",
                               "-crf", "18", "-pix_fmt", "yuv420p", str(mp4)],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True)
        t_done = time.monotonic()
        if done.returncode != 0:
            raise SystemExit(f"classic ffmpeg failed: {done.stderr[-1000:]}")
        res.update(wall=t_done - t0, tail=t_done - t["last"], mp4_frames=frames_in(mp4),
                   mp4_bytes=mp4.stat().st_size,
                   besides=dir_bytes(frames_dir, tmp, scene_dir, skip=(script,)))
    return res


def cpu_busy() -> tuple[int, int]:
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the temp dirs")
    args = ap.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-frame-route-"))
    scene_dir = root / "scene"
    scene_dir.mkdir()
    script = scene_dir / "bench_scene.py"
    script.write_text(SCENE)
    print(f"{args.frames} frames of {W}x{H} PNG at {FPS} fps, stand-in build, {args.rounds} rounds; "
          f"{os.cpu_count()} CPUs, {platform.python_version()}, work dir {root}")
    results: dict[str, list[dict]] = {"A": [], "B": [], "C": []}
    busy0 = cpu_busy()
    try:
        for r in range(args.rounds):
            order = "ABC" if r % 2 == 0 else "CBA"
            for mode in order:
                work = root / f"r{r}{mode}"
                work.mkdir()
                if mode == "A":
                    res = run_product(work, script, args.frames)
                else:
                    res = run_plain(work, script, args.frames, classic=(mode == "B"), tag=f"{mode}{r}")
                results[mode].append(res)
                print(f"  round {r + 1} {mode}: " + ", ".join(
                    f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in res.items()), flush=True)
                if mode != "C":
                    shutil.rmtree(work / "frames", ignore_errors=True)  # free disk between rounds
    finally:
        busy1 = cpu_busy()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    def med(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in results[mode])

    share = (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1])
    a_wall, b_wall = med("A", "wall"), med("B", "wall")
    a_tail, b_tail = med("A", "tail"), med("B", "tail")
    a_fps, b_fps, c_fps = med("A", "fps"), med("B", "fps"), med("C", "fps")
    a_bytes, b_bytes = max(r["besides"] for r in results["A"]), med("B", "besides")  # A: the worst round
    rows = [
        ("wall time, scene start -> MP4 (s)", f"{a_wall:.2f}", f"{b_wall:.2f}", f"A/B = {a_wall / b_wall:.2f}",
         "<= 0.6x", a_wall <= 0.6 * b_wall),
        ("last frame -> playable MP4 (s)", f"{a_tail:.2f}", f"{b_tail:.2f}", f"A/B = {a_tail / b_tail:.2f}",
         "<= 1 s", a_tail <= 1.0),
        ("scene fps, recording on vs off (C)", f"{a_fps:.2f}", f"{b_fps:.2f}",
         f"A/C = {a_fps / c_fps:.1%} (B/C {b_fps / c_fps:.1%}; C {c_fps:.2f})", ">= 95 %", a_fps >= 0.95 * c_fps),
        ("bytes written besides the MP4", f"{a_bytes:.0f}", f"{b_bytes:.0f}", "", "0", a_bytes == 0),
    ]
    print(f"\nmedians of {args.rounds} rounds (A = frame route, B = classic, C = no recording); "
          f"machine busy {share:.0%} of {os.cpu_count()} CPUs over the run")
    print(f"| {'measure':36} | {'A':>8} | {'B':>10} | {'ratio':40} | {'goal':8} | met |")
    print(f"|{'-' * 38}|{'-' * 10}|{'-' * 12}|{'-' * 42}|{'-' * 10}|-----|")
    for name, a, b, ratio, goal, met in rows:
        print(f"| {name:36} | {a:>8} | {b:>10} | {ratio:40} | {goal:8} | {'yes' if met else 'NO':3} |")
    print(f"\nframes in the MP4: A {[r['mp4_frames'] for r in results['A']]}, "
          f"B {[r['mp4_frames'] for r in results['B']]} (scene frames: {args.frames}); "
          f"MP4 size A {med('A', 'mp4_bytes') / 1e6:.1f} MB, B {med('B', 'mp4_bytes') / 1e6:.1f} MB; "
          f"A's live recording peak while running {med('A', 'live_peak') / 1e6:.1f} MB (remuxed into the MP4)")
    print(f"A's tail split: last frame -> Session.wait() returns {med('A', 'to_ended'):.2f} s, "
          f"stop() (encode rest + remux) {med('A', 'stop'):.2f} s")


if __name__ == "__main__":
    main()
