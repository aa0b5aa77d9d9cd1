"""The scene's end of its pipe to the engine: messages written by a thread of their own, in order.

A dataset frame is a megabyte or more (raw depth), and a pipe takes it only as fast as the engine reads it: written
from the controller's thread, every frame waited for the engine before the script could send the next one. Queued
here instead, the script goes on at once while this thread writes (the GIL is free during the write), in the order
the messages were written, so events and images never pass each other. The queue is bounded: a stalled engine
holds the scene back, as the pipe alone did, instead of filling the memory. Blocks are kept as given (the build's
image bytes are views into its reply, which nothing changes), so no frame is copied on this side.
"""

from __future__ import annotations

import collections
import os
import threading

MAX_QUEUED_BYTES = 64 * 1024 * 1024


class PipeWriter:
    """A write-only binary stream over `fd` (write, flush, close) that never makes the caller wait for the reader,
    up to MAX_QUEUED_BYTES."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._lock = threading.Condition()
        self._queue: collections.deque[memoryview] = collections.deque()
        self._queued = 0
        self._closing = False
        self._failed: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="scene-pipe", daemon=True)
        self._thread.start()

    def write(self, data) -> int:
        """Queue `data` (bytes or any buffer: an image's numpy view); raises as a pipe would once the engine is gone."""
        view = memoryview(data).cast("B")
        with self._lock:
            while self._queued and self._queued + len(view) > MAX_QUEUED_BYTES and self._failed is None:
                self._lock.wait()
            if self._failed is not None:
                raise BrokenPipeError(self._failed.errno, "the recorder closed the scene's pipe")
            self._queue.append(view)
            self._queued += len(view)
            self._lock.notify_all()
        return len(view)

    def flush(self) -> None:
        """Nothing to do: every message goes out in order, as soon as the thread gets to it."""

    def close(self, timeout: float = 30.0) -> None:
        """Write what is queued (within `timeout`: a reader that is gone does not hold the exit), then close."""
        with self._lock:
            self._closing = True
            self._lock.notify_all()
        self._thread.join(timeout)
        os.close(self._fd)

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._closing:
                    self._lock.wait()
                if not self._queue:
                    return
                view = self._queue[0]
            try:
                while view:
                    view = view[os.write(self._fd, view):]
            except OSError as exc:  # the engine is gone: nobody reads any more, the writers are told
                with self._lock:
                    self._failed = exc
                    self._queue.clear()
                    self._queued = 0
                    self._lock.notify_all()
                return
            with self._lock:
                done = self._queue.popleft()
                self._queued -= len(done)
                self._lock.notify_all()
