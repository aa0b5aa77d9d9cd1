"""The stand-in build's label and depth passes: flat colours with hard edges that move every frame, different for
each camera (avatar id), and depth encoded as TDW encodes it. Deterministic, so tests recompute exactly what the
build sent. Needs only numpy; imported by the build and by tests.

- `_id` (segmentation colours), `_category`, `_mask`: a background and three "objects" (rectangles) sliding with
  the frame number; `_id` gives every object its own colour, `_category` one colour per kind, `_mask` white on black.
- `_depth`: TDW's 24-bit fixed point, as `TDWUtils.get_depth_values` reads it: R + G/256 + B/65536 is the depth in
  units of (far - near)/256 metres (near 0.1, far 100); `_depth_simple`: R only (R/256 of the same units). Both are
  raw RGB bytes with the rows bottom-up, not image files, as the build sends them.
"""
from __future__ import annotations

import zlib
from typing import List, Tuple

import numpy as np

LABEL_PASSES = ("_id", "_category", "_mask")
DEPTH_PASSES = ("_depth", "_depth_simple")
NEAR, FAR = 0.1, 100.0


def _objects(frame: int, width: int, height: int, avatar: str) -> List[Tuple[int, int, int, int, int]]:
    """(x0, y0, x1, y1, object number) of the three objects this camera sees at `frame`."""
    seed = zlib.crc32(avatar.encode())
    found = []
    for n in range(3):
        w, h = max(2, width // (4 + n)), max(2, height // (3 + n))
        x = (seed % 97 + frame * (3 + n) + n * width // 3) % max(1, width - w)
        y = (seed % 53 + frame * (1 + n) + n * height // 4) % max(1, height - h)
        found.append((x, y, x + w, y + h, n))
    return found


def label_picture(mask: str, frame: int, width: int, height: int, avatar: str) -> np.ndarray:
    """HxWx3 uint8: what the build encodes as the PNG of a label pass."""
    seed = zlib.crc32(avatar.encode())
    rgb = np.zeros((height, width, 3), dtype=np.uint8)
    if mask != "_mask":
        rgb[:] = (seed % 256, 17, 99) if mask == "_id" else (5, seed % 256, 201)
    for x0, y0, x1, y1, n in _objects(frame, width, height, avatar):
        if mask == "_id":
            color = ((seed >> 8) % 256, (n * 83 + 1) % 256, (n * 29 + 200) % 256)
        elif mask == "_category":
            color = (250, 120 + 60 * (n % 2), 3)
        else:
            color = (255, 255, 255)
        rgb[y0:y1, x0:x1] = color
    return rgb


def depth_metres(frame: int, width: int, height: int, avatar: str) -> np.ndarray:
    """HxW float64 depth (rows top-down): a slope from 1 m to 60 m with the objects nearer, at 0.5-3 m."""
    depth = np.tile(np.linspace(1.0, 60.0, width), (height, 1))
    for x0, y0, x1, y1, n in _objects(frame, width, height, avatar):
        depth[y0:y1, x0:x1] = 0.5 + n + (frame % 10) * 0.1
    return depth


def depth_bytes(mask: str, frame: int, width: int, height: int, avatar: str) -> bytes:
    """The raw pass the build sends: RGB bytes, rows bottom-up."""
    units = depth_metres(frame, width, height, avatar) / ((FAR - NEAR) / 256.0)
    fixed = np.clip(np.round(units * 65536), 0, (1 << 24) - 1).astype(np.uint32)
    rgb = np.empty((height, width, 3), dtype=np.uint8)
    rgb[..., 0] = fixed >> 16
    if mask == "_depth":
        rgb[..., 1] = (fixed >> 8) & 255
        rgb[..., 2] = fixed & 255
    else:
        rgb[..., 1] = rgb[..., 2] = rgb[..., 0]
    return np.ascontiguousarray(rgb[::-1]).tobytes()


# The per-frame data the stand-in sends on request (send_camera_matrices, send_transforms): simple and deterministic.
PROJECTION = tuple(float(v) for v in (1.5, 0, 0, 0, 0, 2.0, 0, 0, 0, 0, -1.002, -1, 0, 0, -0.2, 0))


def camera_matrix(frame: int, camera: int) -> Tuple[float, ...]:
    """World to camera: identity turned into a translation that moves with the frame, per camera (creation order)."""
    return tuple(float(v) for v in (1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, -camera, -2.0, 3.0 + frame * 0.25, 1))


def object_position(frame: int, start: Tuple[float, float, float]) -> Tuple[float, float, float]:
    """An added object sinks 0.125 a frame (exact in float32)."""
    return (start[0], start[1] - 0.125 * frame, start[2])


def avatar_position(camera: int) -> Tuple[float, float, float]:
    """Where the stand-in says an avatar is (send_avatars), by creation order."""
    return (float(camera), 2.0, -3.0)


def collisions(frame: int, objects: dict) -> Tuple[list, list]:
    """(object collisions, floor collisions) at `frame`, as (ids..., state): an object touches the floor from the
    frame it sinks to y <= 0 ("enter", then "stay"); the first two objects touch each other every 5th frame."""
    floor = []
    for object_id, start in objects.items():
        if object_position(frame, start)[1] <= 0:
            state = "enter" if object_position(frame - 1, start)[1] > 0 else "stay"
            floor.append((object_id, state))
    ids = list(objects)
    touching = [(ids[0], ids[1], "enter")] if len(ids) > 1 and frame % 5 == 0 else []
    return touching, floor
