import shutil

import pytest

from app.ffmpeg.capabilities import parse_devices, parse_encoders, probe

DEVICES = """Devices:
 D. = Demuxing supported
 .E = Muxing supported
 --
 DE alsa            ALSA audio output
  E caca            caca (color ASCII art) output device
 D  lavfi           Libavfilter virtual input device
 DE video4linux2,v4l2 Video4Linux2 output device
 D  x11grab         X11 screen capture, using XCB
"""

ENCODERS = """Encoders:
 V..... = Video
 ------
 V....D libx264              libx264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)
 A....D aac                  AAC (Advanced Audio Coding)
"""


def test_parsers_read_ffmpeg_listings():
    assert parse_devices(DEVICES) == frozenset({"alsa", "lavfi", "video4linux2", "v4l2", "x11grab"})
    assert parse_encoders(ENCODERS) == frozenset({"libx264", "aac"})


@pytest.mark.skipif(not shutil.which("ffmpeg"), reason="Debian ffmpeg not installed")
def test_system_ffmpeg_probe():
    caps = probe(shutil.which("ffmpeg"))
    assert caps.version.startswith("ffmpeg version")
    assert caps.can("x11grab") and caps.can("libx264") and not caps.can("no-such-encoder")
