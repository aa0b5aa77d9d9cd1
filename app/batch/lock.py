"""One batch runner per output folder: two runners on one folder would run the same jobs into the same names.

The runner holds an exclusive flock on `<out>/.batch/runner.lock` while it runs (the kernel drops it when the
runner dies, however it dies, so a killed batch never blocks the next one). A second runner is refused in one
line naming the first one's process. Where there are no flocks (Windows), folders are not locked.
"""

from __future__ import annotations

import os
from pathlib import Path

from app.batch.state import STATE_DIR
from app.errors import RecorderError
from app.output import NOFOLLOW

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = "runner.lock"


class FolderLock:
    """`with FolderLock(out):` the batch's folder is ours until the block ends (or we die)."""

    def __init__(self, out: Path) -> None:
        self.path = out / STATE_DIR / LOCK_NAME
        self._fd = -1

    def __enter__(self) -> "FolderLock":
        if fcntl is None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:  # never through a link: the lock file is ours to make
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | NOFOLLOW, 0o644)
        except OSError as exc:
            raise RecorderError(f"The batch lock {self.path} cannot be opened ({exc.strerror}): remove it if it is not "
                                "a plain file, or choose another --out.")
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self._fd, 32, 0).decode("ascii", "replace").strip() or "another process"
            os.close(self._fd)
            self._fd = -1
            raise RecorderError(f"Another batch (process {holder}) is recording into {self.path.parents[1]}: wait "
                                "for it to end (rerunning then resumes), or choose another --out.")
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # the file stays (removing it would race a runner that just opened it)
            self._fd = -1
