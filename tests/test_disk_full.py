"""Disk full mid-recording (a real 1 MB filesystem): the recording stops, says why, and what is on disk plays."""


import pytest

from app.model.encoding import Encoding
from app.preflight import plan
from app.session import Session
from app.model.settings import CaptureSettings
from tests.support.media import decoded_frames
from tests.support.disk import small_tmpfs


@pytest.fixture
def small_disk(tmp_path):
    with small_tmpfs(tmp_path, "1m") as mount:
        yield mount


def test_disk_full_stops_cleanly_and_keeps_a_playable_file(machine, anim_window, small_disk):
    anim_window("Fill The Disk", 640, 480, 50, 50)
    settings = CaptureSettings(region="window:Fill The Disk", output_dir=str(small_disk), min_free_mb=0,
                               encoding=Encoding(preset="ultrafast", crf=0))  # lossless: fills 1 MB in seconds
    session = Session(plan(settings, machine), env=machine.env)
    session.start()
    assert session.wait(60), "the full disk never stopped the recording"
    result = session.stop()
    assert result.error and result.error.startswith("The disk is full"), result.error
    assert result.error.count("kept") == 1
    assert result.path is not None and decoded_frames(result.path) > 0
