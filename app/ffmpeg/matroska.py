"""A minimal Matroska stream for ffmpeg's stdin: TDW's PNG/JPG frames, each with its own timestamp.

`image2pipe` gives every frame the same duration (1/fps), so a scene that runs slower than its framerate
plays too fast and drifts away from sound recorded in real time. Wrapped in Matroska, each frame carries
the wall-clock time (milliseconds since the epoch) at which it reached the controller, and ffmpeg encodes
it at exactly that time, next to a sound input stamped with the same clock.

The stream is one EBML header, a Segment of unknown size (it is live), the track, then one Cluster per
frame (its absolute time + one SimpleBlock). The frame's bytes are untouched: no decode in Python.
"""

from __future__ import annotations

import struct
from typing import Sequence

_UNKNOWN_SIZE = b"\x01\xff\xff\xff\xff\xff\xff\xff"
_SEGMENT = b"\x18\x53\x80\x67"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _size(n: int) -> bytes:
    """An EBML variable-length size (the shortest that holds `n`; all-ones values are reserved)."""
    for length in range(1, 9):
        if n < (1 << (7 * length)) - 1:
            return (n | (1 << (7 * length))).to_bytes(length, "big")
    raise ValueError(f"element too large: {n} bytes")


def _element(element_id: bytes, payload: bytes) -> bytes:
    return element_id + _size(len(payload)) + payload


def _uint(element_id: bytes, value: int) -> bytes:
    return _element(element_id, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def _codec(ext: str, width: int, height: int) -> bytes:
    if ext in ("jpg", "jpeg"):
        return _element(b"\x86", b"V_MJPEG")
    # PNG has no Matroska codec id of its own: the VfW compatibility mode, a BITMAPINFOHEADER with 'MPNG'.
    bitmap = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, int.from_bytes(b"MPNG", "little"),
                         width * height * 3, 0, 0, 0, 0)
    return _element(b"\x86", b"V_MS/VFW/FOURCC") + _element(b"\x63\xa2", bitmap)


def _ebml_and_info() -> bytes:
    """EBML header, the live Segment (unknown size) and Info (millisecond timestamps)."""
    ebml = _element(b"\x1a\x45\xdf\xa3", _uint(b"\x42\x86", 1) + _uint(b"\x42\xf7", 1) + _uint(b"\x42\xf2", 4)
                    + _uint(b"\x42\xf3", 8) + _element(b"\x42\x82", b"matroska") + _uint(b"\x42\x87", 4)
                    + _uint(b"\x42\x85", 2))
    info = _element(b"\x15\x49\xa9\x66", _uint(b"\x2a\xd7\xb1", 1_000_000) + _element(b"\x4d\x80", b"tdw-recorder")
                    + _element(b"\x57\x41", b"tdw-recorder"))
    return ebml + _SEGMENT + _UNKNOWN_SIZE + info


def stream_header(ext: str, width: int, height: int) -> bytes:
    """EBML header, live Segment, Info (millisecond timestamps) and the one video track."""
    video = _element(b"\xe0", _uint(b"\xb0", width) + _uint(b"\xba", height)) if width and height else b""
    track = _element(b"\xae", _uint(b"\xd7", 1) + _uint(b"\x73\xc5", 1) + _uint(b"\x83", 1) + _uint(b"\x9c", 0)
                     + _codec(ext, width, height) + video)
    return _ebml_and_info() + _element(b"\x16\x54\xae\x6b", track)


def tracks_header(tracks: list[tuple[str, str, int, int]]) -> bytes:
    """EBML header, live Segment, Info and one video track per (title, ext, width, height), numbered from 1.

    `ext` "png"/"jpg" is a whole image file per frame; "rgb" is TDW's raw depth bytes: 3 bytes a pixel (R, G, B),
    rows bottom-up as the build sends them (V_UNCOMPRESSED, colour space "RGB" + byte 24: ffmpeg's rgb24).
    """
    entries = b""
    for number, (title, ext, width, height) in enumerate(tracks, start=1):
        video = _uint(b"\xb0", width) + _uint(b"\xba", height)
        if ext == "rgb":
            codec = _element(b"\x86", b"V_UNCOMPRESSED")
            video += _element(b"\x2e\xb5\x24", b"RGB\x18")
        else:
            codec = _codec(ext, width, height)
        entries += _element(b"\xae", _uint(b"\xd7", number) + _uint(b"\x73\xc5", number) + _uint(b"\x83", 1)
                            + _uint(b"\x9c", 0) + _element(b"\x53\x6e", title.encode()) + codec + _element(b"\xe0", video))
    return _ebml_and_info() + _element(b"\x16\x54\xae\x6b", entries)


def frames_cluster(timestamp_ms: int, blocks: Sequence[tuple[int, bytes | bytearray | memoryview]]) -> bytes:
    """One moment of several tracks at `timestamp_ms`: (track number, bytes of its frame), one key frame each.

    Joined once: each frame's bytes (a megabyte of raw depth) are copied a single time, not once per element."""
    parts: list[bytes | bytearray | memoryview] = [b"", _uint(b"\xe7", timestamp_ms)]
    for number, data in blocks:
        head = _size(number) + b"\x00\x00\x80"  # track, relative time 0, key frame
        parts += [b"\xa3" + _size(len(head) + len(data)) + head, data]
    parts[0] = b"\x1f\x43\xb6\x75" + _size(sum(len(part) for part in parts))
    return b"".join(parts)


def frame_cluster(timestamp_ms: int, data: bytes) -> bytes:
    """One frame at `timestamp_ms`: a Cluster with its absolute time and one key-frame SimpleBlock."""
    block = b"\x81\x00\x00\x80" + data  # track 1, relative time 0, key frame
    return _element(b"\x1f\x43\xb6\x75", _uint(b"\xe7", timestamp_ms) + _element(b"\xa3", block))


def image_size(ext: str, data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR or a JPEG's start-of-frame; (0, 0) when it cannot be read."""
    if data.startswith(_PNG_SIGNATURE) and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    i = 2
    while ext in ("jpg", "jpeg") and i + 9 <= len(data):
        if data[i] != 0xFF:
            break
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        i += 2 + struct.unpack(">H", data[i + 2:i + 4])[0]
    return 0, 0
