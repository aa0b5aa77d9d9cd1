"""`tdw-recorder stitch DIR [--fps 30] [--out DIR]`, `tdw-recorder convert FILE.nut [--out DIR]` and
`tdw-recorder frame FILE --at SECONDS | --frame N [--camera C] [--png DIR]`."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from app.errors import RecorderError
from app.ffmpeg.locate import find_ffmpeg
from app.output import expand_folder


def add_parsers(sub) -> None:
    stitch = sub.add_parser("stitch", help="turn ImageCapture's frame images into videos (labels lossless)",
                            description="Every pass of every camera in a folder TDW's ImageCapture wrote becomes a "
                                        "video with every frame: _img as H.264 MP4, label and depth passes as "
                                        "lossless FFV1 Matroska (NAME._id.mkv, ...). Existing files are never "
                                        "overwritten.")
    stitch.add_argument("folder", help="the folder ImageCapture wrote (its `path`), with one folder per avatar")
    stitch.add_argument("--fps", type=float, default=30.0, help="frames per second of the videos (default 30)")
    stitch.add_argument("--out", default="", help="where the videos go (default: the folder itself)")
    convert = sub.add_parser("convert", help="re-encode a .nut (the headless Docker route) to MP4 with its sound",
                             description="As the TDW docs' re-encode step: libx264, yuv420p, crf 18, sound as AAC.")
    convert.add_argument("file", help="the .nut (or any video ffmpeg reads) to convert")
    convert.add_argument("--out", default="", help="where the MP4 goes (default: beside the file)")
    frame = sub.add_parser("frame", help="print one frame's row of a dataset recording; --png writes its passes",
                           description="One frame of a recording made with --cameras/--passes: its row of "
                                       "NAME.frames.jsonl, and with --png each pass as a PNG (label passes are the "
                                       "build's own PNG bytes).")
    frame.add_argument("file", help="NAME.frames.jsonl, or NAME.<camera>.mkv beside it")
    when = frame.add_mutually_exclusive_group(required=True)
    when.add_argument("--at", type=float, help="the frame showing at this time of the video, in seconds")
    when.add_argument("--frame", type=int, help="TDW's frame number")
    frame.add_argument("--camera", default="", help="this camera only (default: every camera, or the file's)")
    frame.add_argument("--png", default="", help="write the frame's passes as PNG into this folder")


def run_stitch(args: argparse.Namespace) -> int:
    from app.tools.stitch import progress_printer, stitch

    if not math.isfinite(args.fps) or not 0.1 <= args.fps <= 1000:
        raise RecorderError("--fps must be between 0.1 and 1000.")
    written = stitch(Path(args.folder).expanduser(), expand_folder(args.out) if args.out else None, args.fps,
                     find_ffmpeg(None).path, progress_printer())
    for path in written:
        print(f"Saved {path}")
    return 0


def run_convert(args: argparse.Namespace) -> int:
    from app.tools.convert import convert, percent_printer

    out = convert(Path(args.file).expanduser(), expand_folder(args.out) if args.out else None,
                  find_ffmpeg(None).path, percent_printer())
    print(f"Saved {out}")
    return 0


def run_frame(args: argparse.Namespace) -> int:
    from app.tools.frame import pick, rows_of, write_pngs

    if args.at is not None and (not math.isfinite(args.at) or args.at < 0):
        raise RecorderError("--at must be a time in the video, 0 or more seconds.")
    rows_path, rows, camera = rows_of(Path(args.file).expanduser())
    chosen = pick(rows, args.at, args.frame, args.camera or camera)
    binary = find_ffmpeg(None).path if args.png else ""
    for row in chosen:
        print(json.dumps(row))
        if args.png:
            for path in write_pngs(rows_path, rows, row, expand_folder(args.png), binary):
                print(f"Saved {path}")
    return 0
