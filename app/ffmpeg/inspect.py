"""Read a file's figures with ffmpeg itself (the embedded ffmpeg ships without ffprobe)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

_DURATION = re.compile(r"Duration:\s+(\d+):(\d+):(\d+(?:\.\d+)?)")
_STREAM = re.compile(r"^\s*Stream #\d+:\d+.*?: (Video|Audio)", re.MULTILINE)


@dataclass(frozen=True)
class MediaInfo:
    streams: tuple[str, ...]  # "Video"/"Audio" per stream; empty when ffmpeg cannot read the file
    duration_s: float | None  # None when the container does not say (e.g. a recording that was killed)


def media_info(binary: str, path: str) -> MediaInfo:
    try:
        done = subprocess.run(
            [binary, "-hide_banner", "-i", path], capture_output=True, text=True, timeout=30,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return MediaInfo((), None)
    match = _DURATION.search(done.stderr)
    duration = None
    if match:
        h, m, s = match.groups()
        duration = int(h) * 3600 + int(m) * 60 + float(s)
    return MediaInfo(tuple(_STREAM.findall(done.stderr)), duration)


def media_duration(binary: str, path: str) -> float | None:
    return media_info(binary, path).duration_s
