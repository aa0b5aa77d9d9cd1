"""The build's own ffmpeg (TDW 1.10.4+ `start_video_capture_linux` / `stop_video_capture`).

Like the real build, it runs ffmpeg on a screen region: audio from `audio_device` (pulse), the window's
size from the build's screen size, the top-left corner from `position`, and stops it with `q`. A non-empty
`override_args` replaces those arguments, split like a command line; `log_args` logs what ffmpeg is given.
"""
from __future__ import annotations

import ctypes
import os
import shlex
import signal
import subprocess
from typing import Callable, List, Optional


def capture_args(command: dict, width: int, height: int) -> List[str]:
    """The ffmpeg arguments the real build logs for this command (see TDW's screen_record_linux docs)."""
    position = command.get("position") or {"x": 0, "y": 0}
    display, screen = int(command.get("display", 0)), int(command.get("screen", 0))
    args: List[str] = []
    if command.get("audio", True) and command.get("audio_device"):
        args += ["-f", "pulse", "-i", command["audio_device"], "-c:a", command.get("audio_codec", "aac"), "-ac", "2"]
    args += ["-video_size", f"{width}x{height}", "-framerate", str(command.get("framerate", 60)), "-f", "x11grab",
             "-i", f":{display}.{screen}+{int(position['x'])},{int(position['y'])}",
             "-c:v", command.get("video_codec", "h264"), "-qp", str(command.get("qp", 0)),
             "-preset", command.get("preset", "ultrafast")]
    if command.get("pixel_format"):
        args += ["-pix_fmt", command["pixel_format"]]
    return args + ["-y", command["output_path"]]


# No orphan if the build dies, and ffmpeg told so by exactly ONE SIGTERM. The kernel sends a child its
# PR_SET_PDEATHSIG again each time it passes the orphan on to another thread of the dying parent, and this
# build has several (zmq's I/O threads): a second SIGTERM makes ffmpeg give up the write in progress
# ("Immediate exit requested"), so the last cluster never reached the file (80 of 101 frames kept).
# So ffmpeg's parent is a single-threaded `sh`, killed with the build; `setpriv` gives ffmpeg its one
# SIGTERM when that `sh` goes. `; exit $?` keeps `sh` from exec'ing into setpriv (and ffmpeg) itself.
_ONE_SIGTERM = ["sh", "-c", '"$@"; exit $?', "standin-ffmpeg", "setpriv", "--pdeathsig", "TERM", "--"]


def _die_with_build() -> None:
    ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG of the `sh` in between


class VideoCapture:
    def __init__(self, log: Callable[[str], None]) -> None:
        self.log = log
        self.proc: Optional[subprocess.Popen] = None

    def start(self, command: dict, width: int, height: int) -> None:
        self.stop()
        override = command.get("override_args", "")
        if override:  # the real build hands ffmpeg one string, which Mono splits as a shell would
            args = shlex.split(override)
            line = override
        else:
            own = capture_args(command, width, height)
            args = ["-hide_banner", "-loglevel", "error", *own]
            line = " ".join(own[:-1] + [f'"{own[-1]}"'])  # the real build quotes the output path
        if command.get("log_args"):
            self.log(f"{line} [TDWInput.StartVideoCaptureLinux]")
        self.proc = subprocess.Popen([*_ONE_SIGTERM, "ffmpeg", *args], stdin=subprocess.PIPE,
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
