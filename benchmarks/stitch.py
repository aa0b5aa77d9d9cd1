"""Benchmark: `tdw-recorder stitch` vs the seed's ffmpeg command on the same ImageCapture-like folder.

    .venv/bin/python benchmarks/stitch.py --frames 1000 --rounds 2

Makes `--frames` 1280x720 PNGs named as ImageCapture names them (img_0000.png, ...; ffmpeg's testsrc2, so
each frame differs), then, alternating round by round, times:
    stitch        tdw-recorder stitch (frames piped to ffmpeg in order; libx264 veryfast crf 18 yuv420p)
    seed          ffmpeg -framerate 30 -i img_%04d.png -c:v libx264 -vf format=yuv420p -crf 18 (preset medium,
                  the seed's command with ffmpeg's default preset)
    seed-veryfast the same with -preset veryfast: the same encoder settings as stitch, so the ratio is the cost
                  of piping the files through the recorder
Goal (issue 17): stitch <= 1.0x the seed's command.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stitch-bench-") as work:
        frames = Path(work) / "capture" / "cam"
        frames.mkdir(parents=True)
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
                        "-frames:v", str(args.frames), "-start_number", "0", str(frames / "img_%04d.png")], check=True)
        times: dict[str, list[float]] = {"stitch": [], "seed": [], "seed-veryfast": []}
        for n in range(args.rounds):
            out = Path(work) / f"out{n}"
            out.mkdir()
            times["stitch"].append(timed([sys.executable, str(ROOT / "main.py"), "stitch", str(frames.parent),
                                          "--out", str(out / "stitch")]))
            seed = ["ffmpeg", "-v", "error", "-framerate", "30", "-i", str(frames / "img_%04d.png"), "-c:v", "libx264",
                    "-vf", "format=yuv420p", "-crf", "18"]
            times["seed"].append(timed([*seed, str(out / "seed.mp4")]))
            times["seed-veryfast"].append(timed([*seed, "-preset", "veryfast", str(out / "seed-vf.mp4")]))
            print(f"round {n + 1}: " + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in times.items()), flush=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"\n{args.frames} frames 1280x720 PNG, {args.rounds} rounds, medians:")
    for name, value in med.items():
        print(f"  {name:14} {value:6.1f} s   stitch/{name} = {med['stitch'] / value:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
