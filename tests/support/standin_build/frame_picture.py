"""The stand-in build's picture: one layout of plain rectangles, painted both into the
window (Tk canvas) and into the `_img` pass (numpy), so screen recordings and frame-route
recordings show the same thing and can be decoded the same way.

The picture carries the frame number twice: as big seven-segment digits for people, and as
a strip of 16 black/white blocks across the top (most significant bit first) for machines.
Every size is proportional to the picture, so a scaled or h264-encoded copy still decodes.
This module needs only numpy; it is imported by the build and by tests.
"""
from __future__ import annotations

from typing import List, Tuple

import numpy as np

Color = Tuple[int, int, int]
Rect = Tuple[int, int, int, int, Color]  # x0, y0, x1, y1 (half-open), colour

BITS = 16
STRIP_FRACTION = 1 / 12  # the strip is the top twelfth of the picture
BLACK: Color = (0, 0, 0)
WHITE: Color = (255, 255, 255)
BACKGROUND: Color = (32, 44, 68)
DIGIT_COLOR: Color = (255, 220, 60)
SQUARE_COLORS: Tuple[Color, ...] = ((230, 60, 60), (60, 200, 90), (70, 120, 240),
                                    (240, 160, 40), (200, 70, 220), (40, 210, 210))

# Seven-segment digits: which of the segments a..g are lit.
_SEGMENTS = {"0": "abcdef", "1": "bc", "2": "abdeg", "3": "abcdg", "4": "bcfg",
             "5": "acdfg", "6": "acdefg", "7": "abc", "8": "abcdefg", "9": "abcdfg"}


def strip_rects(frame: int, width: int, height: int) -> List[Rect]:
    """The machine-readable frame number: 16 full-width blocks, 1 bit each."""
    strip_h = max(1, round(height * STRIP_FRACTION))
    value = frame % (1 << BITS)
    rects: List[Rect] = []
    for i in range(BITS):
        bit = (value >> (BITS - 1 - i)) & 1
        x0, x1 = round(i * width / BITS), round((i + 1) * width / BITS)
        rects.append((x0, 0, x1, strip_h, WHITE if bit else BLACK))
    return rects


def _digit_rects(char: str, x: int, y: int, w: int, h: int) -> List[Rect]:
    """The lit segments of one seven-segment digit in the box (x, y, w, h)."""
    t = max(1, w // 5)
    mid = y + h // 2
    boxes = {"a": (x + t, y, x + w - t, y + t),
             "b": (x + w - t, y + t, x + w, mid),
             "c": (x + w - t, mid, x + w, y + h - t),
             "d": (x + t, y + h - t, x + w - t, y + h),
             "e": (x, mid, x + t, y + h - t),
             "f": (x, y + t, x + t, mid),
             "g": (x + t, mid - t // 2, x + w - t, mid - t // 2 + t)}
    return [(*boxes[s], DIGIT_COLOR) for s in _SEGMENTS[char]]


def digit_rects(frame: int, width: int, height: int) -> Tuple[List[Rect], int]:
    """Big decimal digits under the strip on a black panel; returns the rects and the panel's bottom."""
    text = str(frame)
    digit_h = max(5, height // 4)
    digit_w = max(3, digit_h * 11 // 20)
    gap = max(1, digit_w // 3)
    total = len(text) * digit_w + (len(text) - 1) * gap
    if total + 2 * gap > width:  # many digits on a narrow picture: shrink to fit
        scale = width / (total + 2 * gap)
        digit_w, gap = max(3, int(digit_w * scale)), max(1, int(gap * scale))
        total = len(text) * digit_w + (len(text) - 1) * gap
    x = (width - total) // 2
    top = round(height * STRIP_FRACTION) + gap + max(1, height // 48)
    rects: List[Rect] = [(max(0, x - gap), top - gap, min(width, x + total + gap), top + digit_h + gap, BLACK)]
    for char in text:
        rects.extend(_digit_rects(char, x, top, digit_w, digit_h))
        x += digit_w + gap
    return rects, top + digit_h + gap


def _bounce(position: int, span: int) -> int:
    """Position moving back and forth in [0, span]."""
    if span <= 0:
        return 0
    position %= 2 * span
    return position if position <= span else 2 * span - position


def square_rect(frame: int, width: int, height: int, top: int) -> Rect:
    """A coloured square bouncing below the digits, so a screen recorder sees motion."""
    size = max(4, min(width, height) // 6)
    top = min(top + 2, max(0, height - size))
    x = _bounce(frame * max(1, width // 50), width - size)
    y = top + _bounce(frame * max(1, height // 70), height - size - top)
    return x, y, x + size, y + size, SQUARE_COLORS[(frame // 30) % len(SQUARE_COLORS)]


# The background of each camera's `_img`, by the order the avatars were created: a mixed-up camera shows.
CAMERA_BACKGROUNDS: Tuple[Color, ...] = (BACKGROUND, (120, 40, 40), (40, 110, 50), (110, 90, 20))


def layout(frame: int, width: int, height: int, flash: bool = False, camera: int = 0) -> List[Rect]:
    """Every rectangle of one frame's picture, back to front (the first covers everything)."""
    digits, digits_bottom = digit_rects(frame, width, height)
    background = CAMERA_BACKGROUNDS[camera % len(CAMERA_BACKGROUNDS)]
    rects: List[Rect] = [(0, 0, width, height, WHITE if flash else background)]
    rects.append(square_rect(frame, width, height, digits_bottom))
    rects.extend(digits)
    rects.extend(strip_rects(frame, width, height))
    return rects


def render(frame: int, width: int, height: int, flash: bool = False, camera: int = 0) -> np.ndarray:
    """The picture as an HxWx3 uint8 array (what the `_img` pass encodes); `camera`: the avatar's creation index."""
    rgb = np.empty((height, width, 3), dtype=np.uint8)
    for x0, y0, x1, y1, color in layout(frame, width, height, flash, camera):
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
        if x1 > x0 and y1 > y0:
            rgb[y0, x0:x1] = color  # paint one row, then copy it down: ~20x faster than
            rgb[y0 + 1:y1, x0:x1] = rgb[y0, x0:x1]  # broadcasting the colour tuple everywhere
    return rgb


def decode_frame_number(rgb: np.ndarray) -> int:
    """Read the 16-bit frame number from the strip of a picture (or a decoded video frame of it).

    `rgb` is HxWx3 (or HxWx4) uint8 showing the whole picture, at any scale. Samples the middle
    of every block, so compression noise and a few pixels of misalignment don't matter.
    Raises ValueError when a block is neither clearly black nor clearly white (not our picture).
    """
    if rgb.ndim != 3 or rgb.shape[2] < 3:
        raise ValueError(f"expected an HxWx3 array, got shape {rgb.shape}")
    height, width = rgb.shape[:2]
    strip_h = height * STRIP_FRACTION
    y0, y1 = int(strip_h * 0.25), max(int(strip_h * 0.25) + 1, int(strip_h * 0.75))
    value = 0
    for i in range(BITS):
        block_w = width / BITS
        x0 = int(i * block_w + block_w * 0.25)
        x1 = max(x0 + 1, int(i * block_w + block_w * 0.75))
        level = float(rgb[y0:y1, x0:x1, :3].mean())
        if 70 < level < 185:
            raise ValueError(f"frame-number block {i} is ambiguous (mean level {level:.0f})")
        value = (value << 1) | (level >= 128)
    return value
