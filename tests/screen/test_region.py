import pytest

from app.errors import RecorderError
from app.model.region import Region, parse_region


@pytest.mark.parametrize("text, expected", [
    ("100,80,1280x720", Region(100, 80, 1280, 720)),
    (" 0 , 0 , 320 X 240 ", Region(0, 0, 320, 240)),
    ("-5,10,100x100", Region(-5, 10, 100, 100)),  # parsed; validation refuses it with its own message
])
def test_rectangles_parse(text, expected):
    spec = parse_region(text)
    assert spec.kind == "rect" and spec.region == expected


def test_screen_and_window_forms():
    assert parse_region("screen").kind == "screen"
    spec = parse_region("window:Test Pattern")
    assert (spec.kind, spec.query) == ("window", "Test Pattern")
    assert str(spec) == "window:Test Pattern"


@pytest.mark.parametrize("text", ["", "banana", "100,80", "1,2,3x", "window:", "1,2,axb"])
def test_garbage_is_refused_with_the_accepted_forms(text):
    with pytest.raises(RecorderError, match="X,Y,WIDTHxHEIGHT|window id"):
        parse_region(text)


def test_rounding_and_clamping():
    assert Region(1, 2, 321, 241).rounded_even() == Region(1, 2, 320, 240)
    assert Region(-10, 700, 200, 200).clamped(1280, 800) == Region(0, 700, 190, 100)
    assert Region(0, 0, 1280, 800).fits_in(1280, 800)
    assert not Region(1, 0, 1280, 800).fits_in(1280, 800)
