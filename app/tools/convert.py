"""`tdw-recorder convert FILE.nut`: the headless Docker route's recording becomes an MP4 with its sound, as
the seed's re-encode step does (`ffmpeg -i FILE.nut -c:v libx264 -vf format=yuv420p -crf 18 OUT.mp4`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

from app.errors import RecorderError
from app.ffmpeg.inspect import media_duration, media_info
from app.ffmpeg.process import FfmpegProcess, describe_failure
from app.model.progress import Progress
from app.output import unused


def convert_command(binary: str, source: Path, out: Path, with_sound: bool) -> list[str]:
    sound = ["-c:a", "aac", "-b:a", "192k"] if with_sound else ["-an"]
    return [binary, "-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-n", "-i", str(source),
            "-map", "0:v:0", *(["-map", "0:a:0"] if with_sound else []),
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", *sound,
            "-movflags", "+faststart", str(out)]


def convert(source: Path, out_dir: Path | None, binary: str,
            on_progress: Callable[[float], None] = lambda _f: None) -> Path:
    """Re-encode `source` to `<out_dir>/<stem>.mp4` (never over an existing file); progress as a fraction."""
    if not source.is_file():
        raise RecorderError(f"{source} is not a file: give the .nut file the container wrote.")
    info = media_info(binary, str(source))
    if not any(s.startswith("Video") for s in info.streams):
        raise RecorderError(f"{source} holds no video ffmpeg can read: is it the recording's .nut file?")
    target = out_dir or source.parent
    target.mkdir(parents=True, exist_ok=True)
    out = unused(target / f"{source.stem}.mp4")
    length = media_duration(binary, str(source)) or 0.0

    def progress(stats: Progress) -> None:
        if length > 0:
            on_progress(min(stats.out_time_s / length, 1.0))

    proc = FfmpegProcess(convert_command(binary, source, out, any(s.startswith("Audio") for s in info.streams)),
                         on_progress=progress)
    proc.start()
    code = proc.wait(timeout=max(600.0, length * 20))
    if code is None:
        proc.stop()
        out.unlink(missing_ok=True)
        raise RecorderError(f"Converting {source.name} took too long and was stopped; nothing was written.")
    if code != 0:
        out.unlink(missing_ok=True)
        raise RecorderError(f"Converting {source.name} failed: {describe_failure(proc, code)}")
    on_progress(1.0)
    return out


def percent_printer(stream=sys.stderr) -> Callable[[float], None]:
    live, shown = stream.isatty(), [-1]

    def show(fraction: float) -> None:
        percent = int(fraction * 100)
        if percent != shown[0] and (live or percent % 10 == 0):
            shown[0] = percent
            print(f"\rconvert: {percent}%" if live else f"convert: {percent}%", end="" if live and percent < 100 else "\n",
                  file=stream, flush=True)

    return show
