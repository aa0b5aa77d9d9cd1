"""Bad places and busy things for the fault tests: a folder nobody may write to, a port in use."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def readonly_folder(folder: Path) -> Iterator[Path | None]:
    """`folder` made unwritable: chmod 555, or for root (who writes anywhere) a read-only tmpfs mounted on it.

    Yields None when neither works here (root without mount rights)."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        yield None
        return
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@contextlib.contextmanager
def busy_port() -> Iterator[int]:
    """A port another program is listening on (as a running recording's TDW controller would)."""
    with socket.socket() as sock:
        sock.bind(("", 0))
        sock.listen()
        yield sock.getsockname()[1]
