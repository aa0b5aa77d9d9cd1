"""Checks of the dataset fields (cameras, passes, frame data: app.model.dataset), one sentence each."""

from __future__ import annotations

from typing import Iterable

from app.errors import Problem
from app.model.dataset import FRAME_DATA, PASSES, is_dataset, split
from app.model.settings import CaptureSettings


def dataset(s: CaptureSettings) -> Iterable[Problem]:
    chosen = bool(s.cameras) or split(s.passes) != ["_img"] or bool(s.frame_data)
    if chosen and s.mode != "video-frames":
        yield Problem("passes", "--cameras, --passes and --frame-data choose what TDW's own frames record: use them "
                                "with --mode video-frames.")
        return
    if not split(s.passes):
        yield Problem("passes", "No pass is chosen: give at least one, e.g. --passes _img,_id.")
    for name in split(s.passes):
        if name not in PASSES:
            yield Problem("passes", f"{name!r} is not a TDW pass: use some of {','.join(PASSES)}.")
    cameras = split(s.cameras)
    if str(s.cameras).strip() and not cameras:
        yield Problem("cameras", "No camera is named: give avatar ids (--cameras a,b) or all.")
    if "all" in cameras and len(cameras) > 1:
        yield Problem("cameras", "--cameras is either all or a list of avatar ids, not both: e.g. --cameras all.")
    for name in cameras:
        if "/" in name or "\\" in name or name.startswith(".") or any(ord(c) < 32 for c in name):
            yield Problem("cameras", f"Camera {name!r} cannot name a file (NAME.<camera>.mkv): use the avatar's id, "
                                     "made of letters, digits, - and _.")
    for item in split(s.frame_data):
        if item not in FRAME_DATA:
            yield Problem("frame_data", f"{item!r} is not frame data the recorder can ask for: use some of "
                                        f"{','.join(FRAME_DATA)}.")
    if s.share_mp4 and not is_dataset(s.cameras, s.passes):
        yield Problem("passes", "--mp4 copies each camera's _img out of a dataset's NAME.<camera>.mkv: choose --cameras "
                                "or --passes too (one camera's _img alone is already NAME.mp4).")
    elif s.share_mp4 and "_img" not in split(s.passes):
        yield Problem("passes", "--mp4 shares each camera's _img: add it to --passes (e.g. --passes _img,_id).")
    if split(s.frame_data) and not is_dataset(s.cameras, s.passes):
        yield Problem("frame_data", "--frame-data goes into a dataset's NAME.frames.jsonl: choose --cameras or "
                                    "--passes too (e.g. --cameras all).")
    if s.mode != "video-frames" or not is_dataset(s.cameras, s.passes):
        return
    if s.wants_audio:
        yield Problem("audio", "Several cameras or passes are recorded without sound: leave out --audio (record the "
                               "sound in a run of its own, --mode audio).")
    if s.backend != "ffmpeg":
        yield Problem("backend", "Several cameras or passes are recorded by the ffmpeg backend: use --backend ffmpeg.")
    if s.keep_frames:
        yield Problem("keep_frames", "--keep-frames keeps one camera's images: leave it out with --cameras/--passes "
                                     "(their tracks keep every frame; `tdw-recorder frame --png` writes any of them).")
