"""What the live preview may look at, kept by the engine as frames arrive (app.capture.preview)."""

from app.capture.preview import PreviewTap
from app.model.preview import PreviewFrame
from app.model.region import Region


def test_each_cameras_latest_img_is_kept_and_a_datasets_img_block_is_cut_out():
    tap = PreviewTap()
    assert tap.frames() == []
    tap.image({"frame": 1, "avatar": "b", "ext": "png"}, b"B1")
    tap.image({"frame": 1, "avatar": "a", "ext": "png"}, b"A1")
    tap.image({"frame": 2, "avatar": "a", "ext": "png"}, b"A2")
    assert tap.frames() == [PreviewFrame("a", image=b"A2"), PreviewFrame("b", image=b"B1")]
    dataset = {"frame": 3, "avatar": "a", "passes": [["_id", "png", 3], ["_img", "jpg", 4], ["_depth", "png", 2]]}
    tap.image(dataset, b"ID_" + b"IMG!" + b"DE")
    assert tap.frames()[0] == PreviewFrame("a", image=b"IMG!")
    tap.image({"frame": 4, "avatar": "a", "passes": [["_id", "png", 3]]}, b"ID_")
    assert tap.frames()[0] == PreviewFrame("a", image=b"")  # no _img asked: the window says there is no picture yet


def test_a_screen_route_says_what_it_grabs():
    tap = PreviewTap()
    tap.grabbing(None, 0x400007)
    assert tap.frames() == [PreviewFrame("screen", window_id=0x400007)]
    tap.grabbing(Region(10, 20, 320, 240), None)
    assert tap.frames() == [PreviewFrame("screen", region=Region(10, 20, 320, 240))]
