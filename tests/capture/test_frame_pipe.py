"""The frame route's encoder (app.capture.frame_pipe): TDW's images through a queue into a real ffmpeg."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import psutil

from app.capture.frame_pipe import ENCODER_NICENESS, FramePipeRecorder
from app.model.encoding import Encoding
from tests.support.media import decoded_frames
from tests.support.standin_build.build_outputs import encode_png


def test_the_encoder_runs_below_the_scene_and_encodes_every_queued_frame(tmp_path):
    """Frames wait in the queue, so the encoder gives way to the scene that shares its cores (it slowed the scene
    with every frame it encoded); nothing queued is lost by waiting."""
    ended: list[str | None] = []
    done = threading.Event()
    recorder = FramePipeRecorder("ffmpeg", tmp_path / "f.mkv", Encoding(), 30.0)
    recorder.start(lambda _p: None, lambda error: (ended.append(error), done.set()))
    for n in range(20):
        recorder.add_image("png", encode_png(np.full((48, 64, 3), n * 10, np.uint8)))
    deadline = time.monotonic() + 30
    while not recorder.pids():  # ffmpeg starts on the writer thread, on the first frame
        assert time.monotonic() < deadline, "ffmpeg never started"
        time.sleep(0.02)
    [pid] = recorder.pids()  # ffmpeg under its one-signal shell, which may not have started it yet
    tree = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    while not any("ffmpeg" in p.name() for p in tree):
        assert time.monotonic() < deadline, f"no ffmpeg under {[p.name() for p in tree]}"
        time.sleep(0.02)
        tree = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert {p.nice() for p in tree} == {min(ours + ENCODER_NICENESS, 19)}
    recorder.stop()
    assert done.wait(30) and ended == [None]
    assert decoded_frames(tmp_path / "f.mkv") == 20
