"""The kernel's limit on a Unix socket's path, and a folder short enough to stay under it.

Linux keeps a socket's path in 108 bytes, the last a NUL: a longer one is refused with no errno ("AF_UNIX path too
long"), and a server told to listen there (PulseAudio) just never answers. TMPDIR and XDG_RUNTIME_DIR can be long
(a CI work tree, a test's folder, a home on a deep mount), so every socket the app makes, or has a child make, is
placed where it fits, and the user is told in words when no such place exists.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

MAX_BYTES = 107
SHORT_ROOT = Path("/tmp")  # on every Linux, and short


def fits(path: Path | str) -> bool:
    return len(os.fsencode(str(path))) <= MAX_BYTES


def too_long(path: Path | str) -> str:
    return (f"The socket path {path} is {len(os.fsencode(str(path)))} bytes, more than the {MAX_BYTES} a Unix socket "
            "allows")


def temp_root(deepest: str) -> Path:
    """The temporary folder if `deepest` (a path relative to it) fits under it, else /tmp (when it fits there)."""
    root = Path(tempfile.gettempdir())
    if fits(root / deepest) or not fits(SHORT_ROOT / deepest) or not os.access(SHORT_ROOT, os.W_OK | os.X_OK):
        return root
    return SHORT_ROOT
