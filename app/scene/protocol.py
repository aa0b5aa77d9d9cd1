"""Messages from the scene process to the engine over a pipe: JSON events and raw image bytes.

Frame: 1 byte kind (b"J" event, b"I" image) + 4 bytes big-endian length + payload. An image payload is a
JSON header line ({"frame", "avatar", "ext"} and "t",
the wall-clock time the frame reached the controller) then the PNG/JPG bytes exactly as TDW sent them; a dataset's
image payload lists several passes in its header ("passes": [[mask, ext, size], ...]) and carries them one after another.
"""

from __future__ import annotations

import io
import json
import struct
from typing import Iterator, Protocol, Sequence, Union

try:
    import fcntl
except ImportError:  # Windows: the pipe keeps its size
    fcntl = None  # type: ignore[assignment]

Bytes = Union[bytes, bytearray, memoryview]  # image bytes: as received, or a view of them (never copied)


class MessageOut(Protocol):
    """Where the scene writes its messages: a binary file, or app.scene.pipe_writer.PipeWriter."""

    def write(self, data, /) -> int | None: ...

    def flush(self) -> None: ...


_HEAD = struct.Struct("!cI")
PIPE_BYTES = 1 << 20  # a 640x480 frame of passes with raw depth in one go (a pipe holds 64 KiB by default)


def widen_pipe(fd: int) -> None:
    """Let the scene's pipe hold a whole frame: at 64 KiB a megabyte of passes took 16 wake-ups of the scene and
    the engine each, and the scene waited on every one (a third of the engine's CPU went to those reads)."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
    if set_size is None:
        return
    try:
        fcntl.fcntl(fd, set_size, PIPE_BYTES)
    except OSError:  # above /proc/sys/fs/pipe-max-size (or the user's pipe quota): the default still works
        pass


def write_event(out: MessageOut, kind: str, **fields) -> None:
    payload = json.dumps({"event": kind, **fields}).encode()
    out.write(_HEAD.pack(b"J", len(payload)) + payload)
    out.flush()


def write_image(out: MessageOut, frame: int, avatar: str, ext: str, data: Bytes, arrived: float | None = None) -> None:
    """`arrived`: the wall-clock time (time.time()) the frame reached the controller, to line it up with sound."""
    fields = {"frame": frame, "avatar": avatar, "ext": ext}
    if arrived is not None:
        fields["t"] = arrived
    header = json.dumps(fields).encode() + b"\n"
    out.write(_HEAD.pack(b"I", len(header) + len(data)) + header)
    out.write(data)
    out.flush()


def write_frame(out: MessageOut, header: dict, blocks: Sequence[Bytes]) -> None:
    """A dataset's frame of one camera: the header lists its passes ([mask, ext, size], ...) in the order of `blocks`."""
    head = json.dumps(header).encode() + b"\n"
    out.write(_HEAD.pack(b"I", len(head) + sum(len(b) for b in blocks)) + head)
    for block in blocks:
        out.write(block)
    out.flush()


def _fill(source: io.RawIOBase, buffer: bytearray) -> bool:
    """Read exactly len(buffer) bytes into it (False at the end of the pipe)."""
    with memoryview(buffer) as view:
        got = 0
        while got < len(buffer):
            n = source.readinto(view[got:])
            if not n:
                return False
            got += n
    return True


def read_messages(source: io.RawIOBase) -> Iterator[tuple[dict, bytearray | None]]:
    """Yield (event or image header, image bytes or None) until the pipe closes.

    `source` is best unbuffered (the pipe's FileIO): a message is read once, straight into its own buffer, and the
    image bytes are that buffer with the header line cut off its front (no copy): a 640x480 frame of passes is a
    megabyte, and a buffered read of it, joined and split again, cost the engine three times the CPU.
    """
    head = bytearray(_HEAD.size)
    while True:
        if not _fill(source, head):
            return
        kind, size = _HEAD.unpack(head)
        payload = bytearray(size)
        if not _fill(source, payload):
            return
        if kind == b"J":
            yield json.loads(payload), None
        else:
            end = payload.index(b"\n")
            header = json.loads(payload[:end])
            del payload[:end + 1]  # bytearray drops its front without moving the rest
            yield header, payload
