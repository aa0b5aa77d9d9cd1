"""Benchmark: pause/resume. Frames lost or doubled at each pause and resume, A/V offset across 10 pauses, and the
`ctl` round trip.

    .venv/bin/python benchmarks/pause.py --pauses 10

On its own Xvfb + openbox and PulseAudio, in one run, side by side:

1. Screen route (the TDW window, `--region tdw`, followed by id): the stand-in build paints each frame's number, the
   scene runs at 30 fps and is paused `--pauses` times (0.8 s recorded, 0.5 s paused, each). At each pause the
   scene's own frame counter is read when pause() is called and when resume() is called: the frames rendered
   in between are the ones the user asked to leave out. Decoding the file gives the frames actually absent at
   each boundary; `absent - asked` > 0 is frames lost around the pause, < 0 frames kept after pause was asked
   (ffmpeg closing its part). A number seen on both sides of a boundary is a doubled frame. Frames missing
   inside the parts are counted against the same scene recorded without pauses.
2. Frame route (TDW's images piped to ffmpeg): the same, counted the same way.
3. Audio + video (x11grab + pulse in one ffmpeg, parts joined without re-encoding): the flash + beep source of
   `sync-check` (app/sync) recorded with 10 pauses, and without, side by side. The offset of each event is
   measured (app.sync.measure); drift = mean offset of the last 3 events - mean of the first 3 (goal: at most
   one frame, 16.7 ms at 60 fps).
4. `ctl` round trip: `tdw-recorder ctl status` against a served recorder, over the socket (client.send) and as
   a whole process (what a desktop shortcut runs).
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.control import client
from app.control.answers import status_fields
from app.control.server import ControlServer
from app.machine import Machine
from app.model.settings import CaptureSettings
from app.model.status import RecordingStatus
from app.preflight import plan
from app.session import Session
from app.sync.check import flash_beep_source
from app.sync.measure import measure
from tests.support.servers import PulseServer, XServer
from tests.support.standin_build import BUILD_PATH, recorded_frame_numbers

SCENES = ROOT / "tests" / "support" / "scenes"
RECORD_S, PAUSE_S = 0.8, 0.5


def scene_run(env: dict[str, str], out: Path, mode: str, pauses: int) -> dict:
    """One scene recording with `pauses` pauses: per boundary (absent, asked, doubled); missing inside the parts."""
    frames = int((pauses * (RECORD_S + PAUSE_S) + 3.0) * 30)
    scene = ("seed_option_a.py", [str(frames), str(out / "seed")]) if mode == "video-frames" else \
        ("streamed_scene.py", [str(frames)])
    settings = CaptureSettings(mode=mode, region="" if mode == "video-frames" else "tdw", scene=str(SCENES / scene[0]),
                               scene_args=scene[1], build=str(BUILD_PATH), output_dir=str(out), connect_timeout=30)
    session = Session(plan(settings, Machine(env=env)), env=env)
    session.start()
    deadline = time.monotonic() + 30
    while (session.recorder is None or session.recorder.progress().frames < 15) and time.monotonic() < deadline:
        time.sleep(0.02)
    asked = []
    assert session.scene is not None
    for _ in range(pauses):
        time.sleep(RECORD_S)
        at_pause = session.scene.frames
        session.pause()
        time.sleep(PAUSE_S)
        asked.append(session.scene.frames - at_pause)
        session.resume()
    session.wait(frames / 30 + 60)
    result = session.stop()
    if result.error or result.path is None:
        raise RuntimeError(result.error or "nothing recorded")
    numbers, torn = recorded_frame_numbers(result.path)
    steps = [b - a for a, b in zip(numbers, numbers[1:])]
    boundaries = sorted(sorted(range(len(steps)), key=lambda i: steps[i])[-pauses:]) if pauses else []
    absent = [steps[i] - 1 for i in boundaries]
    doubled = sum(1 for i in boundaries if numbers[i] in numbers[i + 1:i + 3])
    inside = sum(s - 1 for i, s in enumerate(steps) if s > 1 and i not in boundaries)
    repeats = sum(len(list(g)) - 1 for _, g in itertools.groupby(numbers))
    return {"absent": absent, "asked": asked, "doubled": doubled, "inside": inside, "repeats": repeats,
            "torn": torn, "frames": len(numbers)}


def av_run(env: dict[str, str], out: Path, pauses: int) -> tuple[list[float], int]:
    """The flash + beep source recorded as audio + video at 60 fps with `pauses` pauses: the offsets (ms) of the
    events in order, leaving out events within BOUNDARY_S of a join (a flash whose beep fell in the pause would
    pair with another event's beep: that is the measurement's limit, not an offset); and how many were left out."""
    import app.capture.ffmpeg_screen as screen
    from app.ffmpeg.inspect import media_duration

    lengths: list[float] = []
    join = screen.join_parts

    def noting_lengths(binary, parts, target, env=None, timeout=300.0):
        lengths.extend(media_duration(binary, str(p)) or 0.0 for p in parts)
        return join(binary, parts, target, env, timeout)

    screen.join_parts = noting_lengths  # type: ignore[assignment]
    try:
        return _av_run(env, out, pauses, lengths)
    finally:
        screen.join_parts = join  # type: ignore[assignment]


BOUNDARY_S = 0.6


def _av_run(env: dict[str, str], out: Path, pauses: int, lengths: list[float]) -> tuple[list[float], int]:
    with flash_beep_source(env) as window:
        settings = CaptureSettings(mode="av", region=f"window:{window}", fps=60.0, audio="default",
                                   output_dir=str(out), draw_mouse=False, min_free_mb=50)
        machine = Machine(env=env)
        session = Session(plan(settings, machine), env=env)
        session.start()
        time.sleep(6.0)  # warm-up (the source skips its first events) and the first events
        for _ in range(pauses):
            session.pause()
            time.sleep(0.4)
            session.resume()
            time.sleep(1.6)
        time.sleep(4.0)
        result = session.stop()
    if result.error or result.path is None:
        raise RuntimeError(result.error or "nothing recorded")
    report = measure(machine.ffmpeg()[0].path, result.path)
    joins = list(itertools.accumulate(lengths[:-1]))
    kept = [o for t, o in zip(report.times_s, report.offsets_ms) if all(abs(t - j) > BOUNDARY_S for j in joins)]
    return kept, len(report.offsets_ms) - len(kept)


def ctl_round_trip(env: dict[str, str], rounds: int) -> tuple[list[float], list[float]]:
    status = RecordingStatus("recording", elapsed_s=12.0, paused_s=2.0, frames=300, path="/tmp/x.recording.mkv")
    os.environ["XDG_RUNTIME_DIR"] = env["XDG_RUNTIME_DIR"]
    server = ControlServer(lambda _c: status_fields(status), "bench").start()
    try:
        socket_ms = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            client.send(client.choose("bench"), "status")
            socket_ms.append((time.perf_counter() - t0) * 1000)
        process_ms = []
        for _ in range(max(rounds // 20, 5)):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, str(ROOT / "main.py"), "ctl", "status"], env=env, check=True,
                           capture_output=True)
            process_ms.append((time.perf_counter() - t0) * 1000)
        return socket_ms, process_ms
    finally:
        server.close()


def scene_figures(name: str, paused: dict, steady: dict) -> None:
    diff = [a - b for a, b in zip(paused["absent"], paused["asked"])]
    print(f"{name}: {paused['frames']} frames kept, {len(diff)} pauses; per pause: frames absent {paused['absent']}, "
          f"frames rendered between pause() and resume() {paused['asked']}")
    print(f"  absent - asked per pause: {diff} (mean {statistics.mean(diff):+.1f}); doubled at a boundary: "
          f"{paused['doubled']}; missing inside the parts: {paused['inside']} (without pauses: {steady['inside']}); "
          f"repeated frames {paused['repeats']} (without: {steady['repeats']}); torn {paused['torn']}")


def av_only(pauses: int) -> None:
    """Only part 3 (A/V), for looking at its events."""
    xserver, pulse = XServer().start(), PulseServer().start()
    try:
        env = pulse.env(xserver.env())
        with tempfile.TemporaryDirectory(prefix="pause-bench-") as work:
            offsets, near = av_run(env, Path(work), pauses)
            print(f"offsets (ms), in order ({near} events near a join left out): " + " ".join(f"{o:+.0f}" for o in offsets))
    finally:
        pulse.stop()
        xserver.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pauses", type=int, default=10)
    parser.add_argument("--ctl-rounds", type=int, default=200)
    parser.add_argument("--av-only", action="store_true", help="only the A/V part, its offsets listed")
    args = parser.parse_args()
    if args.av_only:
        av_only(args.pauses)
        return 0
    xserver, pulse = XServer().start(), PulseServer().start()
    try:
        env = pulse.env(xserver.env())
        env["STANDIN_BUILD_PYTHON"] = sys.executable
        with tempfile.TemporaryDirectory(prefix="pause-bench-") as work:
            runtime = Path(work) / "run"
            runtime.mkdir(mode=0o700)
            for mode, name in (("video", "screen route (TDW window)"), ("video-frames", "frame route")):
                paused = scene_run(env, Path(work) / f"{mode}-paused", mode, args.pauses)
                steady = scene_run(env, Path(work) / f"{mode}-steady", mode, 0)
                scene_figures(name, paused, steady)
            with_pauses, near = av_run(env, Path(work) / "av-paused", args.pauses)
            without, _ = av_run(env, Path(work) / "av-steady", 0)
            print(f"(A/V with pauses: {near} events within {BOUNDARY_S} s of a join left out)")
            for label, offsets in ((f"{args.pauses} pauses", with_pauses), ("no pause", without)):
                drift = statistics.mean(offsets[-3:]) - statistics.mean(offsets[:3])
                print(f"A/V, {label}: {len(offsets)} events, offset mean {statistics.mean(offsets):+.1f} ms, spread "
                      f"{max(offsets) - min(offsets):.1f} ms, last 3 - first 3 = {drift:+.1f} ms (goal |x| <= 16.7 ms)")
                print("  offsets (ms), in order: " + " ".join(f"{o:+.0f}" for o in offsets))
            socket_ms, process_ms = ctl_round_trip({**env, "XDG_RUNTIME_DIR": str(runtime)}, args.ctl_rounds)
            print(f"ctl status round trip over the socket: median {statistics.median(socket_ms):.2f} ms, p95 "
                  f"{sorted(socket_ms)[int(len(socket_ms) * 0.95)]:.2f} ms ({len(socket_ms)} rounds); as a process "
                  f"(`tdw-recorder ctl status`): median {statistics.median(process_ms):.0f} ms (goal < 50 ms)")
    finally:
        pulse.stop()
        xserver.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
