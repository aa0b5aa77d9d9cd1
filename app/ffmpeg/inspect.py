"""Read a file's figures with ffmpeg itself (the embedded ffmpeg ships without ffprobe)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

_FORMAT = re.compile(r"^Input #0, (.+?), from ", re.MULTILINE)
_DURATION = re.compile(r"Duration:\s+(\d+):(\d+):(\d+(?:\.\d+)?)(?:, start:\s+(-?\d+(?:\.\d+)?))?")
_STREAM = re.compile(r"^\s*Stream #\d+:\d+.*?: (Video|Audio)", re.MULTILINE)
# Demuxers whose "Duration" is the header's end time of the last packet, not a length: ffmpeg's Matroska and
# MP4 muxers write the largest end timestamp there, so a file that keeps wall-clock stamps (-copyts: the live
# file of audio + video and of TDW frames + sound) "lasts" since 1970 unless its start is taken off. Other
# demuxers (MPEG-TS, ...) already report end - start.
_END_TIME_FORMATS = ("matroska", "mov")


@dataclass(frozen=True)
class MediaInfo:
    streams: tuple[str, ...]  # "Video"/"Audio" per stream; empty when ffmpeg cannot read the file
    duration_s: float | None  # None when the container does not say (e.g. a recording that was killed)


def media_info(binary: str, path: str) -> MediaInfo:
    try:
        done = subprocess.run(
            [binary, "-hide_banner", "-i", path], capture_output=True, text=True, timeout=30,
            errors="replace",  # ffmpeg's report quotes the file's name, whose bytes may not be UTF-8
            stdin=subprocess.DEVNULL, start_new_session=True,  # a Ctrl+C to our terminal must not make a file look empty
        )
    except (OSError, subprocess.TimeoutExpired):
        return MediaInfo((), None)
    return MediaInfo(tuple(_STREAM.findall(done.stderr)), _duration(done.stderr))


def _duration(report: str) -> float | None:
    """The length from the first start to the last end across the streams, from `ffmpeg -i`'s report."""
    match = _DURATION.search(report)
    if not match:
        return None
    h, m, s, start = match.groups()
    duration = int(h) * 3600 + int(m) * 60 + float(s)
    found = _FORMAT.search(report)
    demuxer = found.group(1).split(",") if found else []
    first = float(start) if start is not None else 0.0
    if any(name in _END_TIME_FORMATS for name in demuxer) and 0 < first <= duration:
        return duration - first  # (a "duration" below the start is a real length, from another muxer: kept)
    return duration


def media_duration(binary: str, path: str) -> float | None:
    return media_info(binary, path).duration_s


@dataclass(frozen=True)
class Contents:
    """What a file holds, read packet by packet to its end: for a file whose header does not say (a crash-safe file
    whose muxer never wrote its end, as on a full disk) or may say more than is there."""

    duration_s: float  # from the first packet's start to the last packet's end, across the streams
    video_frames: int  # packets of the first video stream (0 without picture)


def contents(binary: str, path: str, timeout: float = 120.0) -> Contents | None:
    """Read `path` to its end with stream copy into ffmpeg's framecrc listing (no decoding: a few seconds for an
    hour), or None when ffmpeg reads no packet of it."""
    try:
        done = subprocess.run(
            [binary, "-hide_banner", "-nostdin", "-loglevel", "quiet", "-i", path, "-map", "0", "-c", "copy",
             "-f", "framecrc", "-"], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
            start_new_session=True, errors="replace",
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return _contents(done.stdout)


_TIME_BASE = re.compile(r"^#tb (\d+): (\d+)/([1-9]\d*)$", re.MULTILINE)  # framecrc's header: seconds per tick
_VIDEO = re.compile(r"^#media_type (\d+): video$", re.MULTILINE)
_PACKET = re.compile(r"^\s*(\d+),\s*-?\d+,\s*(-?\d+),\s*(-?\d+),", re.MULTILINE)  # stream, dts, pts, duration
_NO_PTS = -(2 ** 63)  # AV_NOPTS_VALUE


def _contents(listing: str) -> Contents | None:
    bases = {int(index): int(num) / int(den) for index, num, den in _TIME_BASE.findall(listing)}
    video = next((int(index) for index in _VIDEO.findall(listing)), None)
    spans = [(int(pts) * bases.get(int(index), 0.0), (int(pts) + max(int(length), 0)) * bases.get(int(index), 0.0))
             for index, pts, length in _PACKET.findall(listing) if int(pts) != _NO_PTS]
    if not spans:
        return None
    frames = sum(1 for index, _pts, _length in _PACKET.findall(listing) if int(index) == video)
    return Contents(max(max(end for _, end in spans) - min(start for start, _ in spans), 0.0), frames)


@dataclass(frozen=True)
class Track:
    """One stream of a file, as a dataset's manifest lists it."""

    kind: str  # video | audio | ...
    codec: str
    title: str  # a dataset's pass name ("_img", "_id", ...), else ""
    frames: int  # packets in the file (one per frame for video)


_STREAM_HEAD = re.compile(r"^\s*Stream #0:(\d+)[^:]*: (\w+): (\w+)", re.MULTILINE)
_TITLE = re.compile(r"^\s+title\s*: (.*)$", re.MULTILINE)


def tracks(binary: str, path: str, timeout: float = 600.0) -> list[Track]:
    """Every stream's kind, codec, title and packet count, in one read of the file without decoding (packets are
    copied into ffmpeg's `framecrc` listing, one line per packet). [] when ffmpeg cannot read it."""
    try:
        done = subprocess.run([binary, "-hide_banner", "-nostdin", "-i", path, "-map", "0", "-c", "copy", "-f", "framecrc", "-"],
                              capture_output=True, text=True, timeout=timeout, errors="replace", stdin=subprocess.DEVNULL,
                              start_new_session=True)
    except (OSError, subprocess.TimeoutExpired):
        return []
    report = done.stderr.split("Output #0", 1)[0]
    heads = list(_STREAM_HEAD.finditer(report))
    counts: dict[int, int] = {}
    for line in done.stdout.splitlines():
        if line and not line.startswith("#"):
            index = int(line.split(",", 1)[0])
            counts[index] = counts.get(index, 0) + 1
    found = []
    for number, head in enumerate(heads):
        block = report[head.end():heads[number + 1].start() if number + 1 < len(heads) else len(report)]
        title = _TITLE.search(block)
        found.append(Track(head.group(2).lower(), head.group(3), title.group(1).strip() if title else "",
                           counts.get(int(head.group(1)), 0)))
    return found
