"""`tdw-recorder stitch DIR`: the image files TDW's ImageCapture wrote (`img_0000.png`, `id_0000.png`, ...,
one folder per avatar) become videos with every frame.

`_img` becomes H.264 MP4 (the seed's recommendation: libx264, yuv420p, crf 18); label and geometry passes
(`_id`, `_category`, `_mask`, `_depth`, `_normals`, `_flow`, `_albedo`, ...) become FFV1 in Matroska,
lossless, so every decoded pixel is the one TDW wrote (a segmentation colour one value off is a wrong label).
The files are piped to ffmpeg in their numbered order, so a gap in the numbering never ends a video early.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from app.errors import RecorderError
from app.ffmpeg.process import FfmpegProcess, describe_failure
from app.output import unused

# ImageCapture's names: <pass without its underscore>_<frame number>.<ext>
_FRAME = re.compile(r"^(?P<pass>[a-z_]+?)_(?P<n>\d+)\.(?P<ext>png|jpg|jpeg|exr)$")
COLOUR_PASSES = ("img",)  # encoded as what people watch; everything else is data, kept lossless


@dataclass
class Sequence:
    """One pass of one camera: its frame files in order."""

    camera: str  # the avatar's folder name ("" when the passes lie directly in DIR)
    pass_name: str  # "img", "id", "depth", ...
    ext: str
    files: list[Path] = field(default_factory=list)

    @property
    def lossless(self) -> bool:
        return self.pass_name not in COLOUR_PASSES

    def output_name(self) -> str:
        base = self.camera or "frames"
        return f"{base}.mp4" if not self.lossless else f"{base}._{self.pass_name}.mkv"


def find_sequences(folder: Path) -> list[Sequence]:
    """Every pass of every camera under `folder` (its own files, and one level of avatar folders)."""
    if not folder.is_dir():
        raise RecorderError(f"{folder} is not a folder: give the folder ImageCapture wrote (its `path`).")
    found: list[Sequence] = []
    for camera_dir, camera in [(folder, ""), *((d, d.name) for d in sorted(folder.iterdir()) if d.is_dir())]:
        groups: dict[tuple[str, str], list[tuple[int, Path]]] = {}
        for path in camera_dir.iterdir():
            match = _FRAME.match(path.name)
            if match and path.is_file():
                groups.setdefault((match["pass"], match["ext"]), []).append((int(match["n"]), path))
        for (pass_name, ext), numbered in sorted(groups.items()):
            found.append(Sequence(camera, pass_name, ext, [p for _, p in sorted(numbered)]))
    if not found:
        raise RecorderError(f"No frame images (img_0000.png, id_0000.png, ...) in {folder} or its folders: give "
                            "the folder ImageCapture wrote.")
    return found


def stitch_command(binary: str, sequence: Sequence, fps: float, out: Path) -> list[str]:
    decoder = {"png": "png", "jpg": "mjpeg", "jpeg": "mjpeg", "exr": "exr"}[sequence.ext]
    source = ["-f", "image2pipe", "-framerate", f"{fps:g}", "-vcodec", decoder, "-i", "pipe:0"]
    if sequence.lossless:
        codec = ["-c:v", "ffv1", "-level", "3", "-pix_fmt", "bgr0" if decoder != "exr" else "gbrpf32le",
                 "-metadata:s:v:0", f"title=_{sequence.pass_name}"]
    else:
        codec = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
                 "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-movflags", "+faststart"]
    return [binary, "-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-n", *source,
            *codec, "-fps_mode", "passthrough", str(out)]


def stitch(folder: Path, out_dir: Path | None, fps: float, binary: str,
           on_progress: Callable[[Sequence, int], None] = lambda _s, _n: None) -> list[Path]:
    """Write one video per pass and camera into `out_dir` (default: `folder`), never over an existing file."""
    sequences = find_sequences(folder)
    target = out_dir or folder
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for sequence in sequences:
        out = unused(target / sequence.output_name())
        proc = FfmpegProcess(stitch_command(binary, sequence, fps, out))
        proc.start()
        for count, path in enumerate(sequence.files, start=1):
            if not proc.write(path.read_bytes()):
                break
            on_progress(sequence, count)
        code = proc.finish_input(timeout=600)
        if code != 0:
            out.unlink(missing_ok=True)
            raise RecorderError(f"Stitching {sequence.files[0].parent / sequence.files[0].name} failed: "
                                f"{describe_failure(proc, code or 1)}")
        written.append(out)
    return written


def progress_printer(stream=sys.stderr) -> Callable[[Sequence, int], None]:
    """A progress line per pass: rewritten in place on a terminal, a line every 10 % elsewhere."""
    live = stream.isatty()

    def show(sequence: Sequence, done: int) -> None:
        total = len(sequence.files)
        label = f"{sequence.camera or 'frames'} _{sequence.pass_name}"
        if live:
            print(f"\rstitch: {label} {done}/{total} frames", end="\n" if done == total else "", file=stream, flush=True)
        elif done == total or done % max(total // 10, 1) == 0:
            print(f"stitch: {label} {done}/{total} frames", file=stream, flush=True)

    return show
