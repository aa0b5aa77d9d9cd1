"""SEED option A, as in TDW's documentation: a controller that saves the `_img` pass of every
frame with TDWUtils.save_images. Kept unmodified on purpose (plain `Controller()`), so tests can
run it the way a user would, against the stand-in build.

Usage: python seed_option_a.py [frames] [output directory]   (defaults: 30, ./seed_option_a_images)
"""
import sys
from pathlib import Path

from tdw.controller import Controller
from tdw.output_data import Images, OutputData
from tdw.tdw_utils import TDWUtils

frames = int(sys.argv[1]) if len(sys.argv) > 1 else 30
output_directory = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("seed_option_a_images")

c = Controller()
c.communicate([TDWUtils.create_empty_room(12, 12),
               {"$type": "create_avatar", "type": "A_Img_Caps_Kinematic", "id": "a"},
               {"$type": "set_target_framerate", "framerate": 30},
               {"$type": "set_pass_masks", "pass_masks": ["_img"], "avatar_id": "a"},
               {"$type": "send_images", "frequency": "always"}])
for i in range(frames):
    resp = c.communicate([])
    for j in range(len(resp) - 1):
        if OutputData.get_data_type_id(resp[j]) == "imag":
            images = Images(resp[j])
            TDWUtils.save_images(images=images, filename=TDWUtils.zero_padding(i, 4),
                                 output_directory=str(output_directory))
c.communicate({"$type": "terminate"})
