"""Keeps what the window's live preview may look at (app.model.preview): each camera's latest `_img` as the build
sent it, or the window or rectangle a screen route grabs. References only, replaced as frames arrive: nothing is
decoded or copied unless the window asks, so a recording with the preview off pays nothing."""

from __future__ import annotations

import threading

from app.model.preview import PreviewFrame
from app.model.region import Region


class PreviewTap:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._images: dict[str, tuple[dict, bytes]] = {}  # camera -> (image header, payload)
        self._grabbed: tuple[Region | None, int | None] = (None, None)

    def image(self, head: dict, data: bytes) -> None:
        """A frame route's image message (one pass, or a dataset's passes one after another)."""
        with self._lock:
            self._images[str(head.get("avatar") or "camera")] = (head, data)

    def grabbing(self, region: Region | None, window_id: int | None) -> None:
        """A screen route records this window (by id) or rectangle."""
        with self._lock:
            self._grabbed = (region, window_id)

    def frames(self) -> list[PreviewFrame]:
        with self._lock:
            images = sorted(self._images.items())
            region, window_id = self._grabbed
        if images:
            return [PreviewFrame(camera, image=_img_of(head, data)) for camera, (head, data) in images]
        if region is not None or window_id is not None:
            return [PreviewFrame("screen", window_id=window_id, region=region)]
        return []


def _img_of(head: dict, data: bytes) -> bytes:
    """The `_img` bytes of a message: all of it for one pass, its own block of a dataset frame (b"" without one)."""
    passes = head.get("passes")
    if not passes:
        return bytes(data)
    start = 0
    for mask, _ext, size in passes:
        if mask == "_img":
            return bytes(data[start:start + int(size)])
        start += int(size)
    return b""
