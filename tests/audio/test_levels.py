from app.ffmpeg.levels import SILENCE_DB, parse_level


def test_levels_file_lines():
    assert parse_level("lavfi.astats.Overall.Peak_level=-18.063656\n") == -18.063656
    assert parse_level("lavfi.astats.Overall.Peak_level=-inf") == SILENCE_DB
    assert parse_level("frame:1    pts:1024    pts_time:0.02322") is None
    assert parse_level("lavfi.astats.Overall.RMS_level=-3") is None
