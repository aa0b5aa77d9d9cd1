"""The build's own ffmpeg (TDW 1.10.4+ `start_video_capture_linux` / `stop_video_capture`).

Like the real build, it runs ffmpeg on a screen region: audio from `audio_device` (pulse), the window's
size from the build's screen size, the top-left corner from `position`, and stops it with `q`.
"""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
from typing import Callable, List, Optional


def capture_args(command: dict, width: int, height: int) -> List[str]:
    """The ffmpeg arguments the real build logs for this command (see TDW's screen_record_linux docs)."""
    position = command.get("position") or {"x": 0, "y": 0}
    display, screen = int(command.get("display", 0)), int(command.get("screen", 0))
    args: List[str] = []
    if command.get("audio_device"):
        args += ["-f", "pulse", "-i", command["audio_device"], "-c:a", command.get("audio_codec", "aac"), "-ac", "2"]
    args += ["-video_size", f"{width}x{height}", "-framerate", str(command.get("framerate", 60)), "-f", "x11grab",
             "-i", f":{display}.{screen}+{int(position['x'])},{int(position['y'])}",
             "-c:v", command.get("video_codec", "h264"), "-qp", str(command.get("qp", 0)),
             "-preset", command.get("preset", "ultrafast")]
    if command.get("pixel_format"):
        args += ["-pix_fmt", command["pixel_format"]]
    return args + ["-y", command["output_path"]]


def _die_with_build() -> None:
    ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: no orphan if the build dies


class VideoCapture:
    def __init__(self, log: Callable[[str], None]) -> None:
        self.log = log
        self.proc: Optional[subprocess.Popen] = None

    def start(self, command: dict, width: int, height: int) -> None:
        self.stop()
        args = capture_args(command, width, height)
        self.log(f"{' '.join(args)} [TDWInput.StartVideoCaptureLinux]")
        self.proc = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_die_with_build,
                                     env=dict(os.environ))

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = None
            return
        try:
            self.proc.stdin.write(b"q")
            self.proc.stdin.close()
            self.proc.wait(10)
        except (BrokenPipeError, OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        self.log("Video capture stopped")
        self.proc = None
