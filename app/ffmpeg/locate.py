"""Find ffmpeg: the user's setting, then PATH, then the static build shipped by imageio-ffmpeg."""

from __future__ import annotations

import os
import shutil
from typing import Callable

from app.errors import FfmpegNotFound
from app.model.ffmpeg import FfmpegBinary


def _embedded() -> str | None:
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError:
        return None


def find_ffmpeg(
    user_path: str | None = None,
    which: Callable[[str], str | None] = shutil.which,
    embedded: Callable[[], str | None] = _embedded,
) -> FfmpegBinary:
    """Return the ffmpeg to use, or raise a one-line error that says how to get one."""
    if user_path:
        if os.path.isfile(user_path) and os.access(user_path, os.X_OK):
            return FfmpegBinary(user_path, "setting")
        raise FfmpegNotFound(
            f"The ffmpeg set in the settings ({user_path}) is not an executable file: fix the path or clear it."
        )
    on_path = which("ffmpeg")
    if on_path:
        return FfmpegBinary(on_path, "PATH")
    bundled = embedded()
    if bundled:
        return FfmpegBinary(bundled, "embedded")
    raise FfmpegNotFound(
        "ffmpeg was not found: install it (sudo apt install ffmpeg) or reinstall tdw-recorder with imageio-ffmpeg."
    )
