from pathlib import Path

from app.ffmpeg.progress import ProgressParser
from app.model.progress import Progress

DATA = Path(__file__).parent.parent / "data"


def test_recorded_progress_output_gives_one_snapshot_per_block():
    seen: list[Progress] = []
    parser = ProgressParser(seen.append)
    for line in (DATA / "progress_x11grab.txt").read_text().splitlines():
        parser.feed(line)
    assert [s.frames for s in seen] == [14, 29, 60]
    middle = seen[1]
    assert (middle.fps, middle.dropped, middle.duplicated, middle.size_bytes) == (28.93, 2, 1, 12345)
    assert abs(middle.out_time_s - 0.466667) < 1e-6 and middle.bitrate_kbps == 98.3 and middle.speed == 0.931
    assert seen[0].bitrate_kbps == 0.0 and not seen[0].ended
    assert seen[-1].ended


def test_partial_block_is_not_reported():
    seen: list[Progress] = []
    parser = ProgressParser(seen.append)
    for line in ["frame=3", "fps=1.0", "garbage line without equals"]:
        parser.feed(line)
    assert seen == []
