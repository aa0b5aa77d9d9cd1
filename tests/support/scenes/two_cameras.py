"""A user's controller with two cameras, and TDW's ImageCapture saving camera b's images itself."""
import sys

from tdw.add_ons.image_capture import ImageCapture
from tdw.add_ons.third_person_camera import ThirdPersonCamera
from tdw.controller import Controller
from tdw.tdw_utils import TDWUtils

frames = int(sys.argv[1])
output = sys.argv[2]
c = Controller()
first = ThirdPersonCamera(avatar_id="a", position={"x": 0, "y": 2, "z": -3})
second = ThirdPersonCamera(avatar_id="b", position={"x": 2, "y": 2, "z": -3})
capture = ImageCapture(avatar_ids=["b"], path=output, png=True)
c.add_ons.extend([first, second, capture])
c.communicate([TDWUtils.create_empty_room(8, 8),
               {"$type": "add_object", "name": "cube", "url": "", "scale_factor": 1, "id": 7,
                "position": {"x": 1, "y": 1, "z": 0.5}, "rotation": {"x": 0, "y": 0, "z": 0}, "category": "box"},
               {"$type": "add_object", "name": "cube", "url": "", "scale_factor": 1, "id": 8,
                "position": {"x": -1, "y": 3, "z": 0}, "rotation": {"x": 0, "y": 0, "z": 0}, "category": "box"}])
for _ in range(frames):
    c.communicate([])
c.communicate({"$type": "terminate"})
