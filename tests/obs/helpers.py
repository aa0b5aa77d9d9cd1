"""Helpers for the OBS tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from app.obs.install import find_obs

needs_obs = pytest.mark.skipif(find_obs() is None, reason="OBS Studio is not installed (sudo apt install obs-studio)")


def mean_rgb(path: Path, at: float, width: int, height: int) -> tuple[float, float, float]:
    """Average colour of the frame at `at` seconds (to tell the test window from OBS's own window)."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-ss", str(at), "-i", str(path), "-frames:v", "1", "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    assert len(raw) == width * height * 3
    pixels = width * height
    return tuple(sum(raw[c::3]) / pixels for c in range(3))  # type: ignore[return-value]

