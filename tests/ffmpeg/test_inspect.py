"""A file's length as `media_info` reads it: first start to last end, whatever its timestamps start at."""

import subprocess

import pytest

from app.ffmpeg.inspect import MediaInfo, media_info
from tests.support.media import packet_span

WALL_CLOCK = 1_795_700_000  # seconds since 1970, as -copyts leaves a live recording's stamps


def make(path, offset: float) -> None:
    """1.5 s of picture and sound whose stamps start `offset` seconds in, made by ffmpeg itself."""
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:d=1.5",
                    "-f", "lavfi", "-i", "sine=d=1.5", "-c:v", "libx264", "-c:a", "aac", "-output_ts_offset", str(offset),
                    str(path)], check=True)


@pytest.mark.parametrize("suffix", ["mkv", "mp4", "ts"])
@pytest.mark.parametrize("offset", [0, WALL_CLOCK])
def test_the_length_runs_from_the_first_start_to_the_last_end(tmp_path, suffix, offset):
    path = tmp_path / f"clip.{suffix}"
    make(path, offset)
    info = media_info("ffmpeg", str(path))
    assert info.streams == ("Video", "Audio")
    first, last = packet_span(path)
    assert info.duration_s == pytest.approx(last - first, abs=0.05)  # ffmpeg's report has 10 ms steps


def test_a_file_ffmpeg_cannot_read_has_no_length(tmp_path):
    path = tmp_path / "clip.mkv"
    path.write_bytes(b"not a recording")
    assert media_info("ffmpeg", str(path)) == MediaInfo((), None)
    assert media_info("ffmpeg", str(tmp_path / "missing.mkv")) == MediaInfo((), None)
