"""`tdw-recorder sync-check`: record the flash + beep source through the real recording path, measure.

The recording is made exactly as a user's audio + video recording is (same plan, same Session, same
ffmpeg command and remux), with no correction applied, so the offset measured is the one to correct.
It runs on the current display and sound server, or on a private one with `headless=True`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import replace
from pathlib import Path
from typing import Iterator, Mapping

from app.errors import RecorderError
from app.headless import Headless
from app.machine import Machine
from app.preflight import plan as make_plan
from app.processes import spawn, stop_tree
from app.session import Session
from app.model.settings import MAX_DURATION_S, MIN_DURATION_S, CaptureSettings
from app.preflight.fields import finite, fps as fps_check, shown
from app.sync.measure import SyncReport, measure

WARM_UP_S = 2.0  # the source skips events until its audio stream runs steadily


def number_problems(seconds: object, fps: object) -> list[str]:
    """What is wrong with the check's numbers, one line each: told before anything is started or said."""
    found = [p.message for p in fps_check(CaptureSettings(fps=fps))]  # type: ignore[arg-type]
    value = finite(seconds)
    if value is None or not MIN_DURATION_S <= value <= MAX_DURATION_S - WARM_UP_S:
        found.append(f"--seconds {shown(seconds)} is out of range: use {MIN_DURATION_S:g} to "
                     f"{MAX_DURATION_S - WARM_UP_S:g} (8 is usual; 60 or more also measures drift).")
    return found


@contextlib.contextmanager
def _environment(headless: bool, env: Mapping[str, str] | None) -> Iterator[dict[str, str]]:
    if not headless:
        yield dict(env if env is not None else os.environ)
        return
    with Headless((640, 480), base_env=env) as servers:
        yield servers.env()


@contextlib.contextmanager
def flash_beep_source(env: Mapping[str, str], shift_ms: float = 0.0,
                      events: list[str] | None = None, geometry: str = "") -> Iterator[str]:
    """Run the test source (app.sync.source) and yield its window id; it stops with the block.

    The wall-clock times of its flash + beep events are appended to `events` as they happen, so a run
    in which the source never played (its sound stream never ran steadily) is told apart from a recording
    that missed them.
    """
    where = ["--geometry", geometry] if geometry else []
    proc = spawn([sys.executable, "-m", "app.sync.source", "--shift-ms", f"{shift_ms:g}", *where], env=dict(env),
                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        window = proc.stdout.readline().strip()
        if not window.startswith("0x"):
            why = (proc.stderr.read().strip().splitlines() or ["no reason given"])[-1]
            raise RecorderError(f"The flash + beep test source did not start: {why}")
        sink = events if events is not None else []
        threading.Thread(target=lambda: sink.extend(line.split()[1] for line in proc.stdout  # type: ignore[union-attr]
                                                     if line.startswith("event ")), daemon=True).start()
        yield window
    finally:
        stop_tree(proc.pid, timeout=3)
        proc.wait(timeout=3)
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def _measured(binary: str, path: Path, track: int) -> SyncReport | str:
    try:
        return measure(binary, path, track=track)
    except RecorderError as exc:  # a microphone that did not hear the beeps: said for its track, the others stand
        return exc.message


def run_sync_check(seconds: float = 8.0, fps: float = 60.0, shift_ms: float = 0.0, headless: bool = False,
                   ffmpeg_path: str = "", keep: Path | None = None,
                   env: Mapping[str, str] | None = None, audio_offset: float = 0.0,
                   more_audio: tuple[str, ...] = ()) -> SyncReport:
    """Record `seconds` of the source as audio + video, measure each event, and return the figures.

    `audio_offset` (seconds) is applied as a recording would apply it: 0 measures the raw offset, the
    saved correction shows what recordings now get. `more_audio`: further sources (e.g. a microphone that hears
    the beeps), each recorded as its own track and measured against the same flashes (`report.tracks`).
    """
    folder = Path(tempfile.mkdtemp(prefix="tdw-sync-check-"))
    try:
        events: list[str] = []
        with _environment(headless, env) as run_env, flash_beep_source(run_env, shift_ms, events) as window:
            settings = CaptureSettings(
                mode="av", region=f"window:{window}", fps=fps, audio="default", output_dir=str(folder),
                name_pattern="sync-check-%Y%m%d-%H%M%S", duration=seconds + WARM_UP_S, draw_mouse=False,
                ffmpeg_path=ffmpeg_path, audio_offset=audio_offset, min_free_mb=50, more_audio=list(more_audio),
            )
            machine = Machine(env=run_env, platform=settings.platform)
            session = Session(make_plan(settings, machine), env=run_env)
            session.start()
            try:
                session.wait(seconds + WARM_UP_S + 20)
            finally:  # also when a signal cuts the check short: the capture ends and removes its own files
                result = session.stop()
        if result.path is None:
            raise RecorderError(f"The sync recording failed: {result.error or 'nothing was recorded'}")
        if len(events) < 2:
            raise RecorderError(f"The test source flashed only {len(events)} time(s): its sound stream never ran "
                                "steadily (a busy machine or sound server); try again, or with --seconds 15.")
        binary = machine.ffmpeg(ffmpeg_path)[0].path
        report = measure(binary, result.path)
        if more_audio:
            report = replace(report, tracks=tuple((source, _measured(binary, result.path, n))
                                                  for n, source in enumerate(more_audio, 1)))
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy2(result.path, keep / result.path.name)
        return report
    finally:
        shutil.rmtree(folder, ignore_errors=True)
