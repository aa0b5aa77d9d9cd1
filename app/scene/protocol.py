"""Messages from the scene process to the engine over a pipe: JSON events and raw image bytes.

Frame: 1 byte kind (b"J" event, b"I" image) + 4 bytes big-endian length + payload. An image payload is a
JSON header line ({"frame", "avatar", "ext"} and "t",
the wall-clock time the frame reached the controller) then the PNG/JPG bytes exactly as TDW sent them; a dataset's
image payload lists several passes in its header ("passes": [[mask, ext, size], ...]) and carries them one after another.
"""

from __future__ import annotations

import json
import struct
from typing import BinaryIO, Iterator

_HEAD = struct.Struct("!cI")


def write_event(out: BinaryIO, kind: str, **fields) -> None:
    payload = json.dumps({"event": kind, **fields}).encode()
    out.write(_HEAD.pack(b"J", len(payload)) + payload)
    out.flush()


def write_image(out: BinaryIO, frame: int, avatar: str, ext: str, data: bytes, arrived: float | None = None) -> None:
    """`arrived`: the wall-clock time (time.time()) the frame reached the controller, to line it up with sound."""
    fields = {"frame": frame, "avatar": avatar, "ext": ext}
    if arrived is not None:
        fields["t"] = arrived
    header = json.dumps(fields).encode() + b"\n"
    out.write(_HEAD.pack(b"I", len(header) + len(data)) + header)
    out.write(data)
    out.flush()


def write_frame(out: BinaryIO, header: dict, blocks: list[bytes]) -> None:
    """A dataset's frame of one camera: the header lists its passes ([mask, ext, size], ...) in the order of `blocks`."""
    head = json.dumps(header).encode() + b"\n"
    out.write(_HEAD.pack(b"I", len(head) + sum(len(b) for b in blocks)) + head)
    for block in blocks:
        out.write(block)
    out.flush()


def _read_exact(source: BinaryIO, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = source.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_messages(source: BinaryIO) -> Iterator[tuple[dict, bytes | None]]:
    """Yield (event or image header, image bytes or None) until the pipe closes."""
    while True:
        head = _read_exact(source, _HEAD.size)
        if head is None:
            return
        kind, size = _HEAD.unpack(head)
        payload = _read_exact(source, size)
        if payload is None:
            return
        if kind == b"J":
            yield json.loads(payload), None
        else:
            header, _, data = payload.partition(b"\n")
            yield json.loads(header), data
