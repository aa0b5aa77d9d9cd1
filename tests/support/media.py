"""Check recordings the way a user's player would: ffprobe for streams, ffmpeg for loudness."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path


def probe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", "-count_frames", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout
    return json.loads(out)


def stream(info: dict, kind: str) -> dict | None:
    return next((s for s in info["streams"] if s["codec_type"] == kind), None)


def packet_span(path: Path) -> tuple[float, float]:
    """ffprobe's reading of the first packet's start and the last packet's end, across all streams."""
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "packet=pts_time,duration_time", "-of", "csv=p=0",
                          str(path)], capture_output=True, text=True, check=True).stdout
    packets = [[float(v) for v in line.split(",")[:2]] for line in out.split() if "N/A" not in line]
    return min(pts for pts, _ in packets), max(pts + length for pts, length in packets)


def decoded_frames(path: Path) -> int:
    """Frames a player can decode, counting from the start until the first error."""
    info = probe(path)
    video = stream(info, "video")
    return int(video.get("nb_read_frames", 0)) if video else 0


def mean_volume_db(path: Path) -> float:
    err = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-i", str(path), "-vn", "-af", "volumedetect", "-f", "null", "-"],
        capture_output=True, text=True,
    ).stderr
    match = re.search(r"mean_volume:\s*(-?[\d.]+|-inf) dB", err)
    assert match, err[-500:]
    return float(match.group(1)) if match.group(1) != "-inf" else -200.0


def moov_before_mdat(path: Path) -> bool:
    """True for a +faststart MP4: the index comes first, so playback starts before the file is read."""
    head = path.read_bytes()
    return 0 <= head.find(b"moov") < head.find(b"mdat")


def wait_for_frames(path: Path, at_least: int, timeout: float = 30.0) -> int:
    """Poll a file that is still being written until it decodes at least `at_least` frames."""
    import time

    deadline = time.monotonic() + timeout
    count = 0
    while time.monotonic() < deadline:
        try:
            count = decoded_frames(path)
        except subprocess.CalledProcessError:
            count = 0
        if count >= at_least:
            return count
        time.sleep(0.3)
    raise AssertionError(f"{path} decoded only {count} frames after {timeout} s")
