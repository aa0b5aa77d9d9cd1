"""Backend "tdw-build": TDW 1.10.4+ builds run ffmpeg themselves (`start_video_capture_*`).

The recorder add-on sends the start command once the build's window is found (its top-left corner is the
`position`), and `stop_video_capture` before the script's `terminate`, so the build closes its file.

On Linux the command also carries `override_args`: the very ffmpeg arguments the build would make from the
other fields (x11grab of the window, pulse sound, h264), plus the flags that keep a live Matroska file
playable when everything is killed. A build that ignores `override_args` records from the other fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from app.errors import Problem, RecorderError
from app.model.settings import CaptureSettings
from app.output import expand_folder
from app.ffmpeg.commands import CRASH_SAFE_MKV, CRASH_SAFE_MP4

STOP = {"$type": "stop_video_capture"}

# The build splits `override_args` like a command line (Mono: shell-like quoting). Inside double quotes
# only `"` and `\` may mean something else than themselves, so values holding them are refused.
_UNQUOTABLE = ('"', "\\")


def argument_problem(value: str, what: str) -> str | None:
    """Why `value` cannot be handed to the build's ffmpeg inside double quotes (None: it can)."""
    bad = [c for c in _UNQUOTABLE if c in value]
    if not bad:
        return None
    marks = " or ".join("a double quote (\")" if c == '"' else "a backslash (\\)" for c in bad)
    return (f"The TDW build's ffmpeg cannot be given {what} {value}: it holds {marks}, which the build reads as "
            f"quoting. Choose one without it.")


def quoted(value: str, what: str) -> str:
    """`value` in double quotes, for the build's argument splitting; RecorderError if that cannot be done."""
    problem = argument_problem(value, what)
    if problem:
        raise RecorderError(problem)
    return f'"{value}"'


def _container_flags(output_path: str) -> list[str]:
    flags = ({"f": "mp4", **CRASH_SAFE_MP4} if PurePath(output_path).suffix.lower() == ".mp4"
             else {"f": "matroska", **CRASH_SAFE_MKV})
    return [f"-{name} {value}" for name, value in flags.items()]


@dataclass(frozen=True)
class BuildCapture:
    """What the user chose, turned into the build's own capture command."""

    output_path: str
    framerate: int
    display: int = 0
    audio_device: str | None = None  # a PulseAudio source (Linux), a dshow/avfoundation device elsewhere
    pixel_format: str = "yuv420p"
    qp: int = 18  # the build's ffmpeg takes -qp, not -crf; 18 keeps the seed's "visually lossless" level
    preset: str = "ultrafast"  # the build's default

    def command(self, platform: str, position: tuple[int, int] | None, size: tuple[int, int] | None = None,
                fit_into: tuple[int, int] | None = None) -> dict:
        """The start command; on Linux, with `position` and `size` of the region, also `override_args`
        (RecorderError if a path or source cannot be quoted for it). `fit_into`: the picture is scaled into
        that size (a part recorded after the window changed size, joined to the first)."""
        kind = {"linux": "start_video_capture_linux", "win32": "start_video_capture_windows",
                "darwin": "start_video_capture_osx"}[platform if platform in ("win32", "darwin") else "linux"]
        command: dict = {"$type": kind, "output_path": self.output_path, "framerate": self.framerate,
                         "qp": self.qp, "preset": self.preset, "pixel_format": self.pixel_format,
                         "audio": bool(self.audio_device)}  # the build's default: sound from an ALSA device
        if kind == "start_video_capture_linux":
            command["display"] = self.display
        if position is not None:
            command["position"] = {"x": position[0], "y": position[1]}
        if self.audio_device:
            command["audio_device"] = self.audio_device
        if kind == "start_video_capture_linux" and position is not None and size is not None:
            command["override_args"] = self.ffmpeg_args(position, size, fit_into)
            command["log_args"] = True  # the build's log shows what its ffmpeg was told
        return command

    def ffmpeg_args(self, position: tuple[int, int], size: tuple[int, int], fit_into: tuple[int, int] | None = None) -> str:
        """The build's own x11grab arguments for this region, plus a crash-safe live file: one string."""
        args: list[str] = []
        if self.audio_device:
            args += ["-f pulse", f"-i {quoted(self.audio_device, 'the audio source')}", "-c:a aac -ac 2"]
        args += [f"-video_size {size[0]}x{size[1]}", f"-framerate {self.framerate}", "-f x11grab",
                 f"-i :{self.display}.0+{position[0]},{position[1]}",
                 *([f'-vf "scale={fit_into[0]}:{fit_into[1]}:force_original_aspect_ratio=decrease:force_divisible_by=2,'
                    f'pad={fit_into[0]}:{fit_into[1]}:(ow-iw)/2:(oh-ih)/2"'] if fit_into and fit_into != size else []),
                 f"-c:v h264 -qp {self.qp} -preset {self.preset} -pix_fmt {self.pixel_format}",
                 *_container_flags(self.output_path), f"-y {quoted(self.output_path, 'the file')}"]
        return " ".join(args)


def display_number(display: str) -> int:
    """`:1.0` / `localhost:1` -> 1 (the build's `display` parameter)."""
    tail = display.rsplit(":", 1)[-1].split(".")[0]
    return int(tail) if tail.isdigit() else 0


def settings_problems(settings: CaptureSettings) -> list[Problem]:
    """What the TDW build's ffmpeg cannot be given inside its one argument string (Linux, where override_args is sent)."""
    if not settings.platform.startswith("linux"):
        return []
    audio = "" if settings.audio in ("", "none", "default") else settings.audio
    found = ((name, argument_problem(value, what)) for name, value, what in (
        ("output_dir", str(expand_folder(settings.output_dir)), "the folder"), ("name", settings.name_pattern, "the file name"),
        ("audio", audio, "the audio source")))
    return [Problem(name, message) for name, message in found if message]
