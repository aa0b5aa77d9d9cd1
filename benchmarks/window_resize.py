"""Benchmark: frames of the scene lost per resize of the build's window, and time from resize to capture again.

    .venv/bin/python benchmarks/window_resize.py --rounds 3 --frames 240 --every 40

On its own Xvfb + openbox and PulseAudio, the stand-in build runs tests/support/scenes/resizing_scene.py,
whose window alternates between two sizes every `--every` frames, recorded with `--region tdw` (the
window followed by id). Side by side in each round, the same script with both sizes equal (no resize) is the
baseline: the grab and the scene are not locked to one clock, so a few frame numbers are missed or seen twice
even without a resize. Each build frame paints its number into the picture (tests/support/standin_build), so
the recording is decoded and every missing number counted:

    lost per resize = (missing with resizes - missing without) / resizes

and `restart` is the recorder's own measure: from the watch seeing the new size to the next part's first frame.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.machine import Machine
from app.model.settings import CaptureSettings
from app.preflight import plan
from app.session import Session
from tests.support.servers import PulseServer, XServer
from tests.support.standin_build import BUILD_PATH, recorded_frame_numbers

SCENE = ROOT / "tests" / "support" / "scenes" / "resizing_scene.py"


def record(env: dict[str, str], out: Path, frames: int, every: int, sizes: tuple[str, str], backend: str) -> dict:
    settings = CaptureSettings(mode="video", region="tdw", scene=str(SCENE), build=str(BUILD_PATH), backend=backend,
                               scene_args=[str(frames), sizes[0], sizes[1], str(every)], output_dir=str(out),
                               connect_timeout=30)
    session = Session(plan(settings, Machine(env=env)), env=env)
    session.start()
    session.wait(frames / 10 + 60)
    result = session.stop()
    if result.error or result.path is None:
        raise RuntimeError(result.error or "nothing recorded")
    numbers, torn = recorded_frame_numbers(result.path)
    seen = set(numbers)
    missing = len(set(range(numbers[0], numbers[-1] + 1)) - seen)
    restarts = list(getattr(session.recorder, "restarts", []))
    return {"missing": missing, "restarts": restarts, "frames": len(numbers) + torn, "torn": torn}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="resizing/steady pairs (default 3)")
    parser.add_argument("--frames", type=int, default=240, help="frames the scene renders (default 240, 8 s at 30 fps)")
    parser.add_argument("--every", type=int, default=40, help="frames between resizes (default 40)")
    parser.add_argument("--backend", default="ffmpeg", choices=("ffmpeg", "tdw-build"),
                        help="who records: our ffmpeg following the window (default) or the build's own ffmpeg")
    parser.add_argument("--sizes", default="400x300,320x240", help="the two window sizes (default 400x300,320x240)")
    args = parser.parse_args()
    first, second = args.sizes.split(",")
    resizes_per_run = len([f for f in range(1, args.frames + 1) if f % args.every == 0 and f < args.frames])
    xserver, pulse = XServer().start(), PulseServer().start()
    try:
        env = pulse.env(xserver.env())
        env["STANDIN_BUILD_PYTHON"] = sys.executable
        rows: list[tuple[dict, dict]] = []
        with tempfile.TemporaryDirectory(prefix="resize-bench-") as work:
            for n in range(args.rounds):
                resizing = record(env, Path(work) / f"resizing-{n}", args.frames, args.every, (first, second), args.backend)
                steady = record(env, Path(work) / f"steady-{n}", args.frames, args.every, (first, first), args.backend)
                rows.append((resizing, steady))
                print(f"round {n + 1}: resizing {resizing['frames']} frames ({resizing['torn']} torn), "
                      f"{resizing['missing']} missing, {len(resizing['restarts'])} restarts; steady {steady['frames']} "
                      f"frames ({steady['torn']} torn), {steady['missing']} missing", flush=True)
    finally:
        pulse.stop()
        xserver.stop()
    lost = [(r["missing"] - s["missing"]) / resizes_per_run for r, s in rows]
    restarts = [t for r, _ in rows for t in r["restarts"]]
    print(f"\nbackend {args.backend}: {args.rounds} rounds, {args.frames} frames at 30 fps, the window resized every {args.every} frames "
          f"({resizes_per_run} resizes per run, {first} <-> {second})")
    print(f"frames lost per resize (beyond the steady run's): mean {statistics.mean(lost):.2f}, "
          f"max {max(lost):.2f}   (goal: at most 2)")
    if restarts:
        print(f"resize seen -> next part's first frame: median {statistics.median(restarts) * 1000:.0f} ms, "
              f"max {max(restarts) * 1000:.0f} ms over {len(restarts)} restarts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
