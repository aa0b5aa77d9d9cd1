"""The live facts a recording depends on (display, windows, sound server, ffmpeg), behind one object.

Settings validation and `doctor` ask this object, so tests can point it at their own Xvfb/PulseAudio
by passing an `env`, and the GUI can reuse one instance.
"""

from __future__ import annotations

import os
import sys
from typing import Mapping

import psutil

from app.audio.pulse import PulseAudio
from app.ffmpeg.capabilities import probe
from app.model.ffmpeg import Capabilities
from app.ffmpeg.locate import find_ffmpeg
from app.model.ffmpeg import FfmpegBinary
from app.screen.display import Display, open_display


class Machine:
    def __init__(self, env: Mapping[str, str] | None = None, platform: str = sys.platform) -> None:
        self.env = dict(env if env is not None else os.environ)
        self.platform = platform
        self.display: Display = open_display(self.env, platform)
        self.pulse = PulseAudio(env=self.env)

    def ffmpeg(self, user_path: str | None = None) -> tuple[FfmpegBinary, Capabilities]:
        binary = find_ffmpeg(user_path or None)
        return binary, probe(binary.path)

    @staticmethod
    def xpra_running() -> bool:
        """x11grab fails under xpra (TDW docs), so we refuse to record while it runs."""
        for proc in psutil.process_iter(["name", "cmdline"]):
            try:
                name = proc.info["name"] or ""
                cmd = proc.info["cmdline"] or []
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            if name == "xpra" or (cmd and os.path.basename(cmd[0]) == "xpra") or (
                len(cmd) > 1 and os.path.basename(cmd[1]) == "xpra"
            ):
                return True
        return False
