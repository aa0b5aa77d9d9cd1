"""The command of one dataset camera, as an exact list (app.ffmpeg.dataset)."""

from pathlib import Path

from app.ffmpeg.dataset import camera_command
from app.model.encoding import Encoding


def test_img_is_encoded_labels_are_copied_and_depth_is_lossless_upright():
    command = camera_command("ffmpeg", "/out/ds.a.mkv", Encoding(preset="fast", crf=20),
                             [("_img", "png"), ("_id", "png"), ("_depth", "rgb")], 30.0)
    assert command == [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-stats_period", "0.5", "-y",
        "-f", "matroska", "-probesize", "32", "-analyzeduration", "0", "-i", "pipe:0",
        "-map", "0:0", "-c:0", "libx264", "-g:0", "60", "-preset:0", "fast", "-crf:0", "20", "-pix_fmt:0", "yuv420p",
        "-bf:0", "0", "-metadata:s:0", "title=_img",
        "-map", "0:1", "-c:1", "copy", "-metadata:s:1", "title=_id",
        "-map", "0:2", "-c:2", "png", "-pix_fmt:2", "rgb24", "-compression_level:2", "1", "-filter:2", "vflip", "-metadata:s:2", "title=_depth",
        "-fps_mode", "passthrough", "-copyts", "-f", "matroska",
        "-flush_packets", "1", "-cluster_time_limit", "500", "-cluster_size_limit", "1000000", "/out/ds.a.mkv"]


def test_a_hardware_encoder_gets_its_device_upload_and_quality_on_the_img_track_only():
    command = camera_command("ffmpeg", "o.mkv", Encoding(video_codec="h264_vaapi", crf=20), [("_id", "png"), ("_img", "png")],
                             25.0)
    assert command[9] == "-vaapi_device" and command[10].startswith("/dev/dri/renderD")
    start = command.index("0:1")
    assert command[start + 1:command.index("title=_img")] == [
        "-c:1", "h264_vaapi", "-g:1", "50", "-rc_mode:1", "CQP", "-qp:1", "20", "-filter:1", "format=nv12,hwupload",
        "-bf:1", "0", "-metadata:s:1"]
    assert command[command.index("0:0") + 1:command.index("0:0") + 3] == ["-c:0", "copy"]


def test_frame_seeks_the_input_a_second_early_then_drops_packets_up_to_the_time():
    from app.tools.frame import png_command

    assert png_command("ffmpeg", Path("v.mkv"), 1, 40.033, copy=True) == [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-ss", "39.033", "-i", "v.mkv", "-ss", "1.000",
        "-map", "0:1", "-frames:v", "1", "-c:v", "copy", "-f", "image2pipe", "-"]
    assert png_command("ffmpeg", Path("v.mkv"), 0, 0.4, copy=False)[5:11] == ["-ss", "0.000", "-i", "v.mkv", "-ss", "0.400"]
