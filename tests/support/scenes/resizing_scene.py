"""A controller that sizes its own window, as most controllers and TDW's own examples do: the first
`communicate` sets the screen size, and halfway through the script sets another one.

    resizing_scene.py FRAMES [FIRST_SIZE] [SECOND_SIZE] [EVERY]

Sizes as WIDTHxHEIGHT (default 400x300, 320x240). With EVERY, the size alternates every EVERY frames instead
of changing once halfway (benchmarks/window_resize.py).
"""
import sys

from tdw.controller import Controller
from tdw.tdw_utils import TDWUtils

frames = int(sys.argv[1]) if len(sys.argv) > 1 else 90
sizes = [[int(v) for v in text.split("x")] for text in (sys.argv[2:4] + ["400x300", "320x240"][len(sys.argv[2:4]):])]
every = int(sys.argv[4]) if len(sys.argv) > 4 else frames // 2
c = Controller()
c.communicate([{"$type": "set_screen_size", "width": sizes[0][0], "height": sizes[0][1]},
               TDWUtils.create_empty_room(8, 8),
               {"$type": "create_avatar", "type": "A_Img_Caps_Kinematic", "id": "a"}])
for frame in range(1, frames + 1):
    if frame % every == 0 and frame < frames:
        width, height = sizes[(frame // every) % 2]
        c.communicate({"$type": "set_screen_size", "width": width, "height": height})
    else:
        c.communicate([])
c.communicate({"$type": "terminate"})
