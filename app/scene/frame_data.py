"""--frame-data: the data TDW can send each frame, asked for by the recorder's own requests and read from its
replies into each row of NAME.frames.jsonl (docs/frames.md). Runs in the scene process.

A `send_*` command is one setting per build, as `send_images` is: when the script sends its own, ours is sent again
after it in the same frame (every frame, every avatar or object), and the script still gets what it asked for.
"""

from __future__ import annotations

from tdw.output_data import CameraMatrices, OutputData, Transforms

REQUESTS = {
    "camera": {"$type": "send_camera_matrices", "frequency": "always", "ids": []},
    "objects": {"$type": "send_transforms", "frequency": "always", "ids": []},
}


def merge_requests(kinds: tuple[str, ...], commands: list[dict], first: bool) -> None:
    """Add our requests in the first frame, and after the script's own request of the same kind."""
    types = {c.get("$type") for c in commands}
    for kind in kinds:
        request = REQUESTS[kind]
        if first or request["$type"] in types:
            commands.append(dict(request))


def _floats(values) -> list[float]:
    return [float(v) for v in values]


def read(kinds: tuple[str, ...], resp: list[bytes]) -> tuple[dict, dict[str, dict]]:
    """(data shared by every camera, data per avatar id) of one reply."""
    shared: dict = {}
    per_camera: dict[str, dict] = {}
    for item in resp[:-1]:
        kind = OutputData.get_data_type_id(item)
        if kind == "cama" and "camera" in kinds:
            matrices = CameraMatrices(item)
            per_camera[matrices.get_avatar_id()] = {"camera_matrix": _floats(matrices.get_camera_matrix()),
                                                    "projection_matrix": _floats(matrices.get_projection_matrix())}
        elif kind == "tran" and "objects" in kinds:
            transforms = Transforms(item)
            shared["objects"] = {str(transforms.get_id(i)): {"position": _floats(transforms.get_position(i)),
                                                             "rotation": _floats(transforms.get_rotation(i)),
                                                             "forward": _floats(transforms.get_forward(i))}
                                 for i in range(transforms.get_num())}
    return shared, per_camera
