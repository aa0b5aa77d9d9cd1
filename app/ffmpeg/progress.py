"""Parse ffmpeg's machine-readable `-progress` output (key=value lines, one block per update)."""

from __future__ import annotations

from typing import Callable

from app.model.progress import Progress


def _float(text: str) -> float:
    try:
        return float(text.strip().rstrip("x").replace("kbits/s", ""))
    except ValueError:
        return 0.0


def _int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        return 0


def stats_from_block(values: dict[str, str]) -> Progress:
    out_us = values.get("out_time_us") or values.get("out_time_ms")  # both are microseconds in ffmpeg
    return Progress(
        frames=_int(values.get("frame", "0")),
        fps=_float(values.get("fps", "0")),
        dropped=_int(values.get("drop_frames", "0")),
        duplicated=_int(values.get("dup_frames", "0")),
        out_time_s=max(_int(out_us or "0"), 0) / 1_000_000,
        size_bytes=_int(values.get("total_size", "0")),
        bitrate_kbps=_float(values.get("bitrate", "0")),
        speed=_float(values.get("speed", "0")),
        ended=values.get("progress") == "end",
    )


class ProgressParser:
    """Feed it lines; it calls `on_stats` once per complete block."""

    def __init__(self, on_stats: Callable[[Progress], None]) -> None:
        self._on_stats = on_stats
        self._block: dict[str, str] = {}

    def feed(self, line: str) -> None:
        key, sep, value = line.strip().partition("=")
        if not sep:
            return
        self._block[key] = value
        if key == "progress":
            self._on_stats(stats_from_block(self._block))
            self._block = {}
