"""Read a finished file's figures with ffmpeg itself (the embedded ffmpeg ships without ffprobe)."""

from __future__ import annotations

import re
import subprocess

_DURATION = re.compile(r"Duration:\s+(\d+):(\d+):(\d+(?:\.\d+)?)")


def media_duration(binary: str, path: str) -> float | None:
    """Container duration in seconds, or None when ffmpeg cannot read the file."""
    try:
        done = subprocess.run(
            [binary, "-hide_banner", "-i", path], capture_output=True, text=True, timeout=30,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _DURATION.search(done.stderr)
    if not match:
        return None
    h, m, s = match.groups()
    return int(h) * 3600 + int(m) * 60 + float(s)
