"""The command of one dataset camera, as an exact list (app.ffmpeg.dataset)."""

from app.ffmpeg.dataset import camera_command
from app.model.encoding import Encoding


def test_img_is_encoded_labels_are_copied_and_depth_is_lossless_upright():
    command = camera_command("ffmpeg", "/out/ds.a.mkv", Encoding(preset="fast", crf=20),
                             [("_img", "png"), ("_id", "png"), ("_depth", "rgb")], 30.0)
    assert command == [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-stats_period", "0.5", "-y",
        "-f", "matroska", "-probesize", "32", "-analyzeduration", "0", "-i", "pipe:0",
        "-map", "0:0", "-c:0", "libx264", "-preset:0", "fast", "-crf:0", "20", "-pix_fmt:0", "yuv420p", "-g:0", "60",
        "-bf:0", "0", "-metadata:s:0", "title=_img",
        "-map", "0:1", "-c:1", "copy", "-metadata:s:1", "title=_id",
        "-map", "0:2", "-c:2", "png", "-pix_fmt:2", "rgb24", "-filter:2", "vflip", "-metadata:s:2", "title=_depth",
        "-fps_mode", "passthrough", "-copyts", "-f", "matroska",
        "-flush_packets", "1", "-cluster_time_limit", "500", "-cluster_size_limit", "1000000", "/out/ds.a.mkv"]
