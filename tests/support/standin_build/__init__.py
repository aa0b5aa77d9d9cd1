"""A stand-in TDW build for tests: `BUILD_PATH` is an executable that behaves like
`~/tdw_build/TDW/TDW.x86_64` towards `tdw.controller.Controller`, and `decode_frame_number`
reads back the frame number that every picture it shows (window and `_img` pass) carries.

Importing this package sets STANDIN_BUILD_PYTHON to the running interpreter (unless already
set), so builds launched by code under test run with the same packages as the tests.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from .frame_picture import decode_frame_number, render

BUILD_DIR = Path(__file__).resolve().parent
BUILD_PATH = BUILD_DIR / "TDW.x86_64"
SCRIPT_PATH = BUILD_DIR / "standin_build.py"

os.environ.setdefault("STANDIN_BUILD_PYTHON", sys.executable)

__all__ = ["BUILD_PATH", "BUILD_DIR", "SCRIPT_PATH", "decode_frame_number", "recorded_frame_numbers", "render"]


def recorded_frame_numbers(path: Path) -> tuple[list[int], int]:
    """The frame numbers painted in a recording of the build's picture, and how many frames are torn (grabbed
    while the build repainted its window: no clear number)."""
    import subprocess

    import numpy as np

    from tests.support.media import probe, stream

    video = stream(probe(path), "video")
    assert video is not None
    width, height = video["width"], video["height"]
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout
    numbers, torn = [], 0
    for frame in np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3):
        try:
            numbers.append(decode_frame_number(frame))
        except ValueError:
            torn += 1
    return numbers, torn
