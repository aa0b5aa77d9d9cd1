"""A controller that sizes its own window, as most controllers and TDW's own examples do: the first
`communicate` sets the screen size, and halfway through the script sets another one.

    resizing_scene.py FRAMES [FIRST_SIZE] [SECOND_SIZE]     sizes as WIDTHxHEIGHT (default 400x300, 320x240)
"""
import sys

from tdw.controller import Controller
from tdw.tdw_utils import TDWUtils

frames = int(sys.argv[1]) if len(sys.argv) > 1 else 90
first = [int(v) for v in (sys.argv[2] if len(sys.argv) > 2 else "400x300").split("x")]
second = [int(v) for v in (sys.argv[3] if len(sys.argv) > 3 else "320x240").split("x")]
c = Controller()
c.communicate([{"$type": "set_screen_size", "width": first[0], "height": first[1]},
               TDWUtils.create_empty_room(8, 8),
               {"$type": "create_avatar", "type": "A_Img_Caps_Kinematic", "id": "a"}])
for frame in range(frames):
    if frame == frames // 2:
        c.communicate({"$type": "set_screen_size", "width": second[0], "height": second[1]})
    else:
        c.communicate([])
c.communicate({"$type": "terminate"})
