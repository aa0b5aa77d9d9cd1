"""A user's controller with TDW's own ImageCapture add-on (it re-sends send_images every frame)."""
import sys

from tdw.add_ons.image_capture import ImageCapture
from tdw.add_ons.third_person_camera import ThirdPersonCamera
from tdw.controller import Controller
from tdw.tdw_utils import TDWUtils

frames = int(sys.argv[1])
output = sys.argv[2]
c = Controller()
camera = ThirdPersonCamera(avatar_id="cam", position={"x": 0, "y": 2, "z": -3})
capture = ImageCapture(avatar_ids=["cam"], path=output, png=True)
c.add_ons.extend([camera, capture])
c.communicate(TDWUtils.create_empty_room(8, 8))
for _ in range(frames):
    c.communicate([])
c.communicate({"$type": "terminate"})
