"""Objects dropping on a floor with Clatter impact sounds, heard by an audio sensor (audio + video)."""

import sys

from tdw.add_ons.audio_initializer import AudioInitializer
from tdw.add_ons.clatter import Clatter
from tdw.add_ons.third_person_camera import ThirdPersonCamera
from tdw.controller import Controller
from tdw.tdw_utils import TDWUtils

frames = int(sys.argv[1]) if len(sys.argv) > 1 else 300

c = Controller()
camera = ThirdPersonCamera(avatar_id="a", position={"x": 1, "y": 1.6, "z": -2.5}, look_at={"x": 0, "y": 0.5, "z": 0})
audio = AudioInitializer(avatar_id="a", framerate=60)
c.add_ons.extend([camera, audio, Clatter()])
commands = [TDWUtils.create_empty_room(8, 8)]
for i, name in enumerate(["rh10", "trunck", "vase_02"]):
    commands.extend(c.get_add_physics_object(model_name=name, object_id=c.get_unique_id(),
                                             position={"x": -0.8 + 0.8 * i, "y": 1.5 + 0.5 * i, "z": 0}))
c.communicate(commands)
for _ in range(frames):
    c.communicate([])
c.communicate({"$type": "terminate"})
