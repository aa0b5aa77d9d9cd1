"""Datasets from the frame route: which cameras (TDW avatars) and passes a recording keeps, as plain text fields.

`cameras` is "" (the first avatar that renders, as always), "all", or "a,b"; `passes` is a comma list of TDW
pass masks ("_img" by default). Anything but one camera's `_img` is a dataset: one Matroska per camera with a
track per pass, and NAME.frames.jsonl (docs/frames.md).
"""

from __future__ import annotations

PASSES = ("_img", "_id", "_category", "_mask", "_depth", "_depth_simple", "_normals", "_flow", "_albedo")
DEPTH_PASSES = ("_depth", "_depth_simple")  # raw RGB bytes from the build, rows bottom-up: not image files
FRAME_DATA = ("camera", "avatars", "objects", "collisions")  # what --frame-data adds to each row (docs/frames.md)
FORMAT_VERSION = 2  # of NAME.frames.jsonl (docs/frames.md, "Versions")


def split(text: str) -> list[str]:
    """`a, b,,c` -> ["a", "b", "c"] (order kept, repeats dropped)."""
    seen: list[str] = []
    for item in (part.strip() for part in str(text or "").split(",")):
        if item and item not in seen:
            seen.append(item)
    return seen


def camera_list(cameras: str) -> list[str]:
    """[] for every avatar ("all"), else the avatar ids."""
    names = split(cameras)
    return [] if names == ["all"] else names


def is_dataset(cameras: str, passes: str) -> bool:
    """True unless the recording is one camera's `_img` (that stays NAME.mp4, as before)."""
    return split(cameras) == ["all"] or len(split(cameras)) > 1 or split(passes) not in ([], ["_img"])


def scene_cameras(cameras: str, passes: str, frame_data: str = "") -> dict:
    """What the scene's add-on is told (app.scene.runner.SceneConfig fields): a dataset's avatars ([] = all) and
    passes; one named camera's `_img` is the usual route aimed at that avatar."""
    if is_dataset(cameras, passes):
        return {"cameras": camera_list(cameras), "passes": tuple(split(passes)), "frame_data": tuple(split(frame_data))}
    return {"avatar": split(cameras)[0]} if split(cameras) else {}
