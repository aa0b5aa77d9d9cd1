"""`tdw-recorder frame FILE --at SECONDS | --frame N [--camera C] [--png DIR]`: one frame of a dataset recording.

FILE is NAME.frames.jsonl (docs/frames.md) or one camera's NAME.<camera>.mkv beside it. The row(s) of that frame
are printed as JSON lines; with --png each pass of it is written as DIR/<camera>/<pass>_<frame>.png, as ImageCapture
names its files: a label pass is the build's own PNG, byte for byte (its track holds it as it came); depth and
`_img` are decoded from their tracks (depth: lossless, upright as ImageCapture saves it).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from app.errors import RecorderError
from app.output import create_new

ROWS_SUFFIX = ".frames.jsonl"


def rows_of(file: Path) -> tuple[Path, list[dict], str]:
    """(the frames.jsonl, its rows, the camera FILE names: "" for the jsonl itself)."""
    camera = ""
    rows_path = file
    if not file.name.endswith(ROWS_SUFFIX):
        if file.suffix != ".mkv" or file.stem.count(".") < 1:
            raise RecorderError(f"{file} is not a dataset recording: give NAME.frames.jsonl or NAME.<camera>.mkv.")
        name, camera = file.stem.rsplit(".", 1)
        rows_path = file.with_name(name + ROWS_SUFFIX)
    try:
        lines = rows_path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RecorderError(f"{rows_path} cannot be read ({getattr(exc, 'strerror', None) or exc}): give the "
                            "NAME.frames.jsonl a dataset recording wrote.")
    try:
        rows = [json.loads(line) for line in lines if line.strip()]
    except json.JSONDecodeError as exc:
        raise RecorderError(f"{rows_path} line {exc.lineno}... is not JSON: give the NAME.frames.jsonl a dataset "
                            "recording wrote.")
    if not rows or not all(isinstance(r, dict) and {"frame", "camera", "time"} <= set(r) for r in rows):
        raise RecorderError(f"{rows_path} holds no frame rows: give the NAME.frames.jsonl a dataset recording wrote.")
    return rows_path, rows, camera


def pick(rows: list[dict], at: float | None, frame: int | None, camera: str) -> list[dict]:
    """The row of each camera (or of `camera`) at `frame`, or the one showing at `at` seconds."""
    cameras = [c for c in dict.fromkeys(r["camera"] for r in rows) if not camera or c == camera]
    if not cameras:
        known = ", ".join(dict.fromkeys(str(r["camera"]) for r in rows))
        raise RecorderError(f"There is no camera {camera!r} in this recording: use one of {known}.")
    found = []
    for name in cameras:
        own = [r for r in rows if r["camera"] == name]
        if frame is not None:
            hit = next((r for r in own if r["frame"] == frame), None)
        else:
            assert at is not None
            hit = next((r for r in reversed(own) if r["time"] <= at + 1e-9), None)
        if hit is not None:
            found.append(hit)
    if not found:
        first, last = rows[0], rows[-1]
        wanted = f"frame {frame}" if frame is not None else f"{at:g} s"
        raise RecorderError(f"No recorded frame at {wanted}: this recording has frames {first['frame']} to "
                            f"{last['frame']} (0 to {last['time']:g} s).")
    return found


def write_pngs(rows_path: Path, rows: list[dict], row: dict, folder: Path, binary: str) -> list[Path]:
    """Each pass of `row` as a PNG in folder/<camera>/ (never over an existing file)."""
    name = rows_path.name[:-len(ROWS_SUFFIX)]
    video = rows_path.with_name(f"{name}.{row['camera']}.mkv")
    if not video.is_file():
        raise RecorderError(f"{video} is missing: the frames of camera {row['camera']} are in that file.")
    tracks = next(r for r in rows if r["camera"] == row["camera"]).get("passes", [])  # its first row has every track
    target = folder / str(row["camera"])
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for mask in row.get("passes", []):
        out = target / f"{mask.lstrip('_')}_{int(row['frame']):04d}.png"
        data = _png(binary, video, tracks.index(mask), float(row["time"]), copy=mask not in ("_img", "_depth", "_depth_simple"))
        try:
            create_new(out, data)
        except FileExistsError:
            raise RecorderError(f"{out} already exists: choose another --png folder (files are never overwritten).")
        written.append(out)
    return written


def png_command(binary: str, video: Path, track: int, time_s: float, copy: bool) -> list[str]:
    """One frame of one track as a PNG on stdout: a copied track gives back the build's PNG bytes themselves.

    The input is sought to a second before (fast: from the index), then the packets up to the time are read and
    dropped (exact: seeking alone would start a copied track at the cluster the index points to, frames earlier)."""
    codec = ["-c:v", "copy"] if copy else ["-c:v", "png", "-pix_fmt", "rgb24"]
    lead = min(time_s, 1.0)
    return [binary, "-hide_banner", "-loglevel", "error", "-nostdin", "-ss", f"{time_s - lead:.3f}", "-i", str(video),
            "-ss", f"{lead:.3f}", "-map", f"0:{track}", "-frames:v", "1", *codec, "-f", "image2pipe", "-"]


def _png(binary: str, video: Path, track: int, time_s: float, copy: bool) -> bytes:
    done = subprocess.run(png_command(binary, video, track, time_s, copy), capture_output=True, stdin=subprocess.DEVNULL)
    if done.returncode or not done.stdout:
        raise RecorderError(f"ffmpeg could not read frame {time_s:g} s of {video.name}: "
                            f"{done.stderr.decode(errors='replace').strip().splitlines()[-1:] or 'no frame'}")
    return done.stdout
