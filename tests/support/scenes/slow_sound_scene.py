"""A scene that renders slower than its framerate while the build plays sound in real time.

The controller asks for 30 frames/s but spends `work` seconds on every frame (as a controller that
computes something between frames would), so the build renders only ~1 / (1/30 + work) frames a
second. The audio sensor turns the build's sound on: the stand-in build beeps as its picture flashes.

Usage: python slow_sound_scene.py [seconds] [work per frame in seconds]   (defaults: 6, 0.05)
"""
import sys
import time

from tdw.controller import Controller

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 6.0
work = float(sys.argv[2]) if len(sys.argv) > 2 else 0.05

c = Controller()
c.communicate([{"$type": "set_target_framerate", "framerate": 30},
               {"$type": "create_avatar", "type": "A_Img_Caps_Kinematic", "id": "a"},
               {"$type": "add_audio_sensor", "avatar_id": "a"}])
end = time.monotonic() + seconds
while time.monotonic() < end:
    c.communicate([])
    time.sleep(work)
c.communicate({"$type": "terminate"})
