"""An empty room, a cube sliding across the floor, and a camera watching it (video)."""

import sys

from tdw.controller import Controller
from tdw.tdw_utils import TDWUtils

frames = int(sys.argv[1]) if len(sys.argv) > 1 else 150

c = Controller()
cube = c.get_unique_id()
c.communicate([
    TDWUtils.create_empty_room(12, 12),
    c.get_add_object(model_name="cube", library="models_flex.json", object_id=cube, position={"x": -2, "y": 0, "z": 0}),
    {"$type": "create_avatar", "type": "A_Img_Caps_Kinematic", "id": "a"},
    {"$type": "teleport_avatar_to", "avatar_id": "a", "position": {"x": 0, "y": 2.5, "z": -4}},
    {"$type": "look_at_position", "avatar_id": "a", "position": {"x": 0, "y": 0, "z": 0}},
])
for i in range(frames):
    c.communicate({"$type": "teleport_object", "id": cube, "position": {"x": -2 + 4 * i / frames, "y": 0, "z": 0}})
c.communicate({"$type": "terminate"})
