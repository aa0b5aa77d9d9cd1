"""Benchmark: a dataset (2 cameras x 3 passes, 640x480, scene unpaced) recorded vs not vs ImageCapture's files.

    .venv/bin/python benchmarks/datasets.py --frames 600 --rounds 2

The scene (written to a temp dir) creates avatars a and b, asks for `_img`, `_id`, `_depth` on both and images
every frame, sets no frame-rate cap (`set_target_framerate -1`), runs N frames and terminates, against the
stand-in build with DISPLAY unset (windowless). Per round, in alternating order:
  A) recording: what `record --mode video-frames --cameras all --passes _img,_id,_depth` does, in-process
     (Session); the script saves nothing;
  B) the same scene and requests, no recording (the build launched by hand, the script on its port);
  C) as B, the script saving every image as ImageCapture does (TDWUtils.save_images: img/id/depth PNGs per camera);
  D) C, then `tdw-recorder stitch` of its folder (videos per camera and pass): wall time to finished videos.
Measured: scene fps ((frames - 1) / (last - first), timed by the script), wall time from launch to finished
files, CPU of the recorder (this process + its ffmpegs) per frame, its memory (RSS: this process + its ffmpegs)
at 20, 50 and 80 % of the run and at most, and the bytes of image files written besides the results (A: none).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.machine import Machine  # noqa: E402
from app.model.settings import CaptureSettings  # noqa: E402
from app.preflight import plan  # noqa: E402
from app.processes import spawn, stop_tree  # noqa: E402
from app.scene.build import free_port  # noqa: E402
from app.session import Session  # noqa: E402

BUILD = ROOT / "tests" / "support" / "standin_build" / "TDW.x86_64"
W, H = 640, 480

SCENE = '''\
import json, os, sys, time
from tdw.controller import Controller
from tdw.output_data import Images, OutputData
from tdw.tdw_utils import TDWUtils

frames, timing = int(sys.argv[1]), sys.argv[2]
save_dir = sys.argv[3] if len(sys.argv) > 3 else ""
port = os.environ.get("BENCH_PORT")
c = Controller(port=int(port), launch_build=False, check_version=False) if port else Controller()
commands = [TDWUtils.create_empty_room(12, 12), {"$type": "set_screen_size", "width": %(w)d, "height": %(h)d},
            {"$type": "set_target_framerate", "framerate": -1}, {"$type": "send_images", "frequency": "always"}]
for avatar in ("a", "b"):
    commands += [{"$type": "create_avatar", "type": "A_Img_Caps_Kinematic", "id": avatar},
                 {"$type": "set_pass_masks", "pass_masks": ["_img", "_id", "_depth"], "avatar_id": avatar}]
c.communicate(commands)
first = last = None
for i in range(frames):
    resp = c.communicate([])
    last = time.monotonic()
    first = first if first is not None else last
    if save_dir:
        for j in range(len(resp) - 1):
            if OutputData.get_data_type_id(resp[j]) == "imag":
                images = Images(resp[j])
                TDWUtils.save_images(images=images, filename=TDWUtils.zero_padding(i, 4),
                                     output_directory=os.path.join(save_dir, images.get_avatar_id()))
with open(timing, "w") as f:
    json.dump({"first": first, "last": last}, f)
c.communicate({"$type": "terminate"})
''' % {"w": W, "h": H}


def env_for(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return dict(env, STANDIN_BUILD_PYTHON=sys.executable, TMPDIR=str(tmp))


def fps_of(timing: Path, frames: int) -> float:
    t = json.loads(timing.read_text())
    return (frames - 1) / (t["last"] - t["first"])


def tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def run_recording(work: Path, script: Path, frames: int) -> dict:
    out, tmp = work / "out", work / "tmp"
    out.mkdir(), tmp.mkdir()
    env = env_for(tmp)
    settings = CaptureSettings(mode="video-frames", scene=str(script), scene_args=[str(frames), str(work / "t.json")],
                               build=str(BUILD), output_dir=str(out), cameras="all", passes="_img,_id,_depth",
                               connect_timeout=60)
    session = Session(plan(settings, Machine(env=env)), env=env)
    me, ffmpeg_cpu, rss, running = psutil.Process(), {}, [], threading.Event()
    trees: dict[int, list[psutil.Process]] = {}
    running.set()

    def watch() -> None:  # the ffmpegs' CPU (last seen) and the recorder's memory (this process + its ffmpegs)
        while running.is_set():
            engine, encoders = me.memory_info().rss, 0
            for pid in list(session.recorder.pids() if session.recorder else []):
                try:
                    if pid not in trees:  # ffmpeg under its one-signal shell, found once (a /proc scan costs)
                        trees[pid] = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
                    for proc in trees[pid]:
                        times = proc.cpu_times()
                        ffmpeg_cpu[proc.pid] = times.user + times.system
                        encoders += proc.memory_info().rss
                except psutil.Error:
                    pass
            rss.append((engine, encoders))
            time.sleep(0.2)

    cpu0 = time.process_time()
    t0 = time.monotonic()
    session.start()
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    session.wait(frames + 120)
    result = session.stop()
    wall = time.monotonic() - t0
    running.clear()
    watcher.join()
    if result.error or result.path is None:
        raise SystemExit(f"A failed: {result.error}")
    files = [result.path, *result.more]
    return {"fps": fps_of(work / "t.json", frames), "wall": wall,
            "cpu_ms_per_frame": (time.process_time() - cpu0 + sum(ffmpeg_cpu.values())) / frames * 1000,
            "engine_ms_per_frame": (time.process_time() - cpu0) / frames * 1000,
            **{f"rss_{pct}_mb": sum(rss[len(rss) * pct // 100]) / 1e6 for pct in (20, 50, 80)},
            "rss_max_mb": max(sum(x) for x in rss) / 1e6, "rss_engine_max_mb": max(x[0] for x in rss) / 1e6,
            "image_bytes": tree_bytes(out) - sum(f.stat().st_size for f in files) + tree_bytes(tmp)}


def run_plain(work: Path, script: Path, frames: int, save: bool, stitch: bool) -> dict:
    tmp, saved = work / "tmp", work / "frames"
    tmp.mkdir()
    env = env_for(tmp)
    port = free_port()
    env["BENCH_PORT"] = str(port)
    t0 = time.monotonic()
    build = spawn([str(BUILD), f"-port {port}", "-screenWidth", str(W), "-screenHeight", str(H)], env=env,
                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, cwd=str(BUILD.parent))
    scene = spawn([sys.executable, str(script), str(frames), str(work / "t.json"), *([str(saved)] if save else [])],
                  env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=str(script.parent))
    try:
        log, _ = scene.communicate(timeout=frames + 120)
    finally:
        stop_tree(scene.pid, timeout=5)
        try:
            build.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        stop_tree(build.pid, timeout=5)
    if scene.returncode:
        raise SystemExit(f"scene failed: {log.decode(errors='replace')[-1500:]}")
    result = {"fps": fps_of(work / "t.json", frames), "wall": time.monotonic() - t0}
    if save:
        result["image_bytes"] = tree_bytes(saved)
    if stitch:
        done = subprocess.run([sys.executable, str(ROOT / "main.py"), "stitch", str(saved), "--out", str(work / "videos")],
                              env=env, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"stitch failed: {done.stderr[-1500:]}")
        result["wall"] = time.monotonic() - t0
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=600)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--modes", default="ABCD", help="which of A B C D to run (default all)")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-datasets-"))
    script = root / "scene.py"
    script.write_text(SCENE)
    print(f"{args.frames} frames, 2 cameras x _img,_id,_depth at {W}x{H}, unpaced, {args.rounds} rounds, "
          f"{os.cpu_count()} CPUs")
    results: dict[str, list[dict]] = {m: [] for m in "ABCD"}
    try:
        for r in range(args.rounds):
            for mode in [m for m in ("ABCD" if r % 2 == 0 else "DCBA") if m in args.modes]:
                work = root / f"r{r}{mode}"
                work.mkdir()
                res = (run_recording(work, script, args.frames) if mode == "A"
                       else run_plain(work, script, args.frames, save=mode in "CD", stitch=mode == "D"))
                results[mode].append(res)
                print(f"  round {r + 1} {mode}: " + ", ".join(f"{k}={v:.2f}" for k, v in res.items()), flush=True)
                shutil.rmtree(work, ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    def med(mode: str, key: str) -> float:
        return statistics.median(x[key] for x in results[mode])

    if set("ABCD") - set(args.modes):
        return  # the table compares all four

    a, b, c, d = (med(m, "fps") for m in "ABCD")
    rows = [
        ("scene fps: recording (A) vs same requests, no recording (B)", f"A {a:.1f}, B {b:.1f}", f"{a / b:.0%}", ">= 90 %", a >= 0.9 * b),
        ("scene fps: recording (A) vs ImageCapture writing files (C)", f"A {a:.1f}, C {c:.1f}", f"{a / c:.2f}x", "> 1x", a > c),
        ("wall to finished videos: A vs C + stitch (D)", f"A {med('A', 'wall'):.1f} s, D {med('D', 'wall'):.1f} s",
         f"{med('A', 'wall') / med('D', 'wall'):.2f}x", "<= 0.5x", med("A", "wall") <= 0.5 * med("D", "wall")),
        ("recorder CPU per frame (engine + ffmpegs)", f"{med('A', 'cpu_ms_per_frame'):.1f} ms "
         f"(engine {med('A', 'engine_ms_per_frame'):.1f} ms)", "", "", True),
        ("recorder memory (engine + ffmpegs) at 20 / 50 / 80 % of the run, most (engine's most)",
         " / ".join(f"{med('A', f'rss_{pct}_mb'):.0f}" for pct in (20, 50, 80))
         + f" MB, {med('A', 'rss_max_mb'):.0f} ({med('A', 'rss_engine_max_mb'):.0f}) MB", "", "flat", True),
        ("image files written (A vs C)", f"A {med('A', 'image_bytes'):.0f} B, C {med('C', 'image_bytes') / 1e6:.0f} MB",
         "", "0", med("A", "image_bytes") == 0),
    ]
    print(f"\nmedians of {args.rounds} rounds (D scene fps {d:.1f})")
    for name, value, ratio, goal, met in rows:
        print(f"| {name} | {value} | {ratio} | {goal} | {'yes' if met else 'NO' if goal else ''} |")


if __name__ == "__main__":
    main()
