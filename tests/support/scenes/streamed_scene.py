"""The TDW docs' OBS example scene (`load_streamed_scene`, gone from tdw 1.13, is `add_scene`): no camera."""
import sys

from tdw.controller import Controller

frames = int(sys.argv[1]) if len(sys.argv) > 1 else 60
c = Controller()
c.communicate(c.get_add_scene(scene_name="tdw_room"))
for _ in range(frames):
    c.communicate([])
c.communicate({"$type": "terminate"})
