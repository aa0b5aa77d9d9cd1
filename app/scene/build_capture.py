"""Backend "tdw-build": TDW 1.10.4+ builds run ffmpeg themselves (`start_video_capture_*`).

The recorder add-on sends the start command once the build's window is found (its top-left corner is the
`position`), and `stop_video_capture` before the script's `terminate`, so the build closes its file.
"""

from __future__ import annotations

from dataclasses import dataclass

STOP = {"$type": "stop_video_capture"}


@dataclass(frozen=True)
class BuildCapture:
    """What the user chose, turned into the build's own capture command."""

    output_path: str
    framerate: int
    display: int = 0
    audio_device: str | None = None  # a PulseAudio source (Linux), a dshow/avfoundation device elsewhere
    pixel_format: str = "yuv420p"
    qp: int = 18  # the build's ffmpeg takes -qp, not -crf; 18 keeps the seed's "visually lossless" level

    def command(self, platform: str, position: tuple[int, int] | None) -> dict:
        kind = {"linux": "start_video_capture_linux", "win32": "start_video_capture_windows",
                "darwin": "start_video_capture_osx"}[platform if platform in ("win32", "darwin") else "linux"]
        command: dict = {"$type": kind, "output_path": self.output_path, "framerate": self.framerate,
                         "qp": self.qp, "pixel_format": self.pixel_format}
        if kind == "start_video_capture_linux":
            command["display"] = self.display
        if position is not None:
            command["position"] = {"x": position[0], "y": position[1]}
        if self.audio_device:
            command["audio_device"] = self.audio_device
        return command


def display_number(display: str) -> int:
    """`:1.0` / `localhost:1` -> 1 (the build's `display` parameter)."""
    tail = display.rsplit(":", 1)[-1].split(".")[0]
    return int(tail) if tail.isdigit() else 0
