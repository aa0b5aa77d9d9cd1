"""The scene's end of the pipe (app.scene.pipe_writer): in order, exact, never waiting for the reader (up to a bound)."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from app.scene import pipe_writer
from app.scene.pipe_writer import PipeWriter
from app.scene.protocol import read_messages, write_event, write_frame


def test_messages_arrive_in_order_and_exact_while_the_script_never_waits_for_the_reader(monkeypatch):
    monkeypatch.setattr(pipe_writer, "MAX_QUEUED_BYTES", 64 * 1024 * 1024)
    read_fd, write_fd = os.pipe()
    out = PipeWriter(write_fd)
    rng = np.random.default_rng(7)
    frames = [rng.integers(0, 256, 600_000 + n, dtype=np.uint8) for n in range(12)]  # 7 MB: the pipe holds 64 KiB
    written = threading.Event()

    def script() -> None:  # nobody reads yet: every write still returns
        for n, image in enumerate(frames):
            write_event(out, "frame", n=n)
            write_frame(out, {"frame": n, "passes": [["_depth", "rgb", image.size]]}, [memoryview(image)])
        written.set()

    threading.Thread(target=script, daemon=True).start()
    assert written.wait(60), "the script waited for the engine to read"
    got: list = []

    def engine() -> None:
        with os.fdopen(read_fd, "rb", buffering=0) as source:
            got.extend(read_messages(source))

    reader = threading.Thread(target=engine, daemon=True)
    reader.start()
    out.close()  # all that is queued is written first
    reader.join(60)
    assert [head.get("event") or "image" for head, _ in got] == ["frame", "image"] * len(frames)
    for n, image in enumerate(frames):
        head, data = got[2 * n + 1]
        assert head["frame"] == n and bytes(data) == image.tobytes()


def test_a_full_queue_holds_the_script_until_the_reader_catches_up(monkeypatch):
    monkeypatch.setattr(pipe_writer, "MAX_QUEUED_BYTES", 3_000_000)
    read_fd, write_fd = os.pipe()
    out = PipeWriter(write_fd)
    sent = []

    def script() -> None:
        for n in range(10):
            write_frame(out, {"frame": n, "passes": [["_img", "png", 1_000_000]]}, [bytes(1_000_000)])
            sent.append(n)

    writer = threading.Thread(target=script, daemon=True)
    writer.start()
    writer.join(2)
    assert writer.is_alive() and len(sent) < 10  # bounded: a stalled engine holds the scene back, as a pipe did
    with os.fdopen(read_fd, "rb", buffering=0) as source:
        messages = read_messages(source)
        first = [next(messages)[0]["frame"] for _ in range(10)]
        writer.join(60)
        assert first == list(range(10)) and sent == list(range(10))
        out.close()
        assert list(messages) == []


def test_a_reader_that_is_gone_is_told_to_the_script_as_a_broken_pipe():
    read_fd, write_fd = os.pipe()
    out = PipeWriter(write_fd)
    os.close(read_fd)
    with pytest.raises(BrokenPipeError):
        for _ in range(1000):  # the first write fails on the thread; a later one tells the script
            write_event(out, "frame", n=1)
            threading.Event().wait(0.01)
    out.close()
