"""A scene whose own code fails after a few frames."""
from tdw.controller import Controller
from tdw.tdw_utils import TDWUtils

c = Controller()
c.communicate([TDWUtils.create_empty_room(8, 8), {"$type": "create_avatar", "type": "A_Img_Caps_Kinematic", "id": "a"}])
for _ in range(10):
    c.communicate([])
positions = {"x": 1}
print(positions["y"])  # line 10: the user's bug
