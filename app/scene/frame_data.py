"""--frame-data: the data TDW can send each frame, asked for by the recorder's own requests and read from its
replies into each row of NAME.frames.jsonl (docs/frames.md). Runs in the scene process.

A `send_*` command is one setting per build, as `send_images` is: when the script sends its own, ours is sent again
after it in the same frame (every frame, every avatar or object), and the script still gets what it asked for.
"""

from __future__ import annotations

from tdw.output_data import (AvatarKinematic, AvatarNonKinematic, AvatarSimpleBody, CameraMatrices, Collision,
                             EnvironmentCollision, OutputData, Transforms)

REQUESTS: dict[str, dict] = {
    "camera": {"$type": "send_camera_matrices", "frequency": "always", "ids": []},
    "objects": {"$type": "send_transforms", "frequency": "always", "ids": []},
    "avatars": {"$type": "send_avatars", "frequency": "always", "ids": []},
    "collisions": {"$type": "send_collisions", "enter": True, "stay": True, "exit": True, "collision_types": ["obj", "env"]},
}
AVATARS: dict[str, type[AvatarKinematic]] = {"avki": AvatarKinematic, "avnk": AvatarNonKinematic, "avsb": AvatarSimpleBody}


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
        elif kind in AVATARS and "avatars" in kinds:
            avatar = AVATARS[kind](item)
            shared.setdefault("avatars", {})[avatar.get_avatar_id()] = {
                "position": _floats(avatar.get_position()), "rotation": _floats(avatar.get_rotation()),
                "forward": _floats(avatar.get_forward())}
        elif kind == "coll" and "collisions" in kinds:
            hit = Collision(item)
            shared.setdefault("collisions", []).append({
                "collider": hit.get_collider_id(), "collidee": hit.get_collidee_id(), "state": hit.get_state(),
                "relative_velocity": _floats(hit.get_relative_velocity()), "impulse": _floats(hit.get_impulse())})
        elif kind == "enco" and "collisions" in kinds:
            touch = EnvironmentCollision(item)
            shared.setdefault("environment_collisions", []).append({
                "object": touch.get_object_id(), "state": touch.get_state(), "floor": touch.get_floor()})
    if "avatars" in kinds:
        shared.setdefault("avatars", {})
    # A frame with no collision has no collision keys (format 2): an empty list in the rows that open a file fixed the
    # column's type for Arrow's JSON reader (Ray Data), which then failed on the first collision a megabyte later.
    return shared, per_camera
