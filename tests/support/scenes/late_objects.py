"""A user's controller with two cameras whose objects arrive late: no collision in the first `late` frames.

Its NAME.frames.jsonl (with --frame-data ...collisions) has a long stretch of rows with no collision before the
first one, as a scene that drops its objects after a while has: what Arrow's JSON reader (Ray Data) once failed on.
"""
import sys

from tdw.add_ons.third_person_camera import ThirdPersonCamera
from tdw.controller import Controller
from tdw.tdw_utils import TDWUtils

late, frames = int(sys.argv[1]), int(sys.argv[2])
c = Controller()
c.add_ons.extend([ThirdPersonCamera(avatar_id="a", position={"x": 0, "y": 2, "z": -3}),
                  ThirdPersonCamera(avatar_id="b", position={"x": 2, "y": 2, "z": -3})])
c.communicate([TDWUtils.create_empty_room(8, 8), {"$type": "set_target_framerate", "framerate": -1}])  # unpaced
for frame in range(frames):
    if frame == late:
        c.communicate([{"$type": "add_object", "name": "cube", "url": "", "scale_factor": 1, "id": object_id,
                        "position": {"x": x, "y": 0.5, "z": 0}, "rotation": {"x": 0, "y": 0, "z": 0}, "category": "box"}
                       for object_id, x in ((7, 1), (8, -1))])
    else:
        c.communicate([])
c.communicate({"$type": "terminate"})
