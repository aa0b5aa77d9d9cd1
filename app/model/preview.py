"""What the window's live preview may show of a recording in progress (SimpleScreenRecorder and OBS show one).

The engine only says where the pictures are: TDW's own images as the build sent them (frame routes, one per
camera), or the window or rectangle of the screen being grabbed (screen routes). The window decides how often
to look (a low rate, and not at all when the preview is off), so recording pays nothing for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.model.region import Region


@dataclass(frozen=True)
class PreviewFrame:
    name: str  # the camera (avatar id) of a frame route, else "screen"
    image: bytes = b""  # the latest PNG/JPG the build sent for that camera's `_img` pass
    window_id: int | None = None  # a window recorded by id (x11grab follows it)
    region: Region | None = None  # a rectangle of the screen
