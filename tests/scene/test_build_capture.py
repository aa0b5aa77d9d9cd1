"""The TDW build's own capture command (backend "tdw-build"), built without running anything."""

import shlex

import pytest

from app.preflight import static_problems
from app.errors import RecorderError
from app.scene.build_capture import BuildCapture, display_number
from app.model.settings import CaptureSettings

LIVE = "/home/me/My Videos/tdw run/a.recording.mkv"


def test_linux_command_aimed_at_a_window_carries_the_crash_safe_override():
    capture = BuildCapture(LIVE, 60, display=2, audio_device="sink.monitor")
    assert capture.command("linux", (480, 289), (320, 240)) == {
        "$type": "start_video_capture_linux", "output_path": LIVE, "framerate": 60, "qp": 18, "preset": "ultrafast",
        "pixel_format": "yuv420p", "audio": True, "display": 2, "position": {"x": 480, "y": 289},
        "audio_device": "sink.monitor", "log_args": True,
        "override_args": '-f pulse -i "sink.monitor" -c:a aac -ac 2 -video_size 320x240 -framerate 60 -f x11grab '
                         '-i :2.0+480,289 -c:v h264 -qp 18 -preset ultrafast -pix_fmt yuv420p -f matroska '
                         '-flush_packets 1 -cluster_time_limit 500 -cluster_size_limit 1000000 '
                         '-y "/home/me/My Videos/tdw run/a.recording.mkv"'}


def test_the_override_splits_back_into_ffmpegs_arguments_with_the_spaced_path_whole():
    args = shlex.split(BuildCapture(LIVE, 30).command("linux", (0, 0), (640, 360))["override_args"])
    assert args == ["-video_size", "640x360", "-framerate", "30", "-f", "x11grab", "-i", ":0.0+0,0", "-c:v", "h264",
                    "-qp", "18", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-f", "matroska", "-flush_packets", "1",
                    "-cluster_time_limit", "500", "-cluster_size_limit", "1000000", "-y", LIVE]


def test_a_live_mp4_gets_fragmented_mp4_flags():
    override = BuildCapture("/out/a.recording.mp4", 30).command("linux", (0, 0), (64, 64))["override_args"]
    assert override.endswith('-f mp4 -flush_packets 1 -movflags +frag_keyframe+empty_moov+default_base_moof '
                             '-y "/out/a.recording.mp4"')


def test_no_sound_asked_means_no_sound_from_the_builds_default_device():
    command = BuildCapture("/out/a.mkv", 30).command("linux", (1, 2), (64, 64))
    assert command["audio"] is False and "audio_device" not in command and "pulse" not in command["override_args"]


def test_without_a_region_or_off_linux_there_is_no_override():
    assert "override_args" not in BuildCapture("/out/a.mkv", 30).command("linux", (5, 5))
    assert BuildCapture("C:/a.mkv", 30).command("win32", (5, 5), (64, 64)) == {
        "$type": "start_video_capture_windows", "output_path": "C:/a.mkv", "framerate": 30, "qp": 18,
        "preset": "ultrafast", "pixel_format": "yuv420p", "audio": False, "position": {"x": 5, "y": 5}}
    assert BuildCapture("/a.mkv", 30).command("darwin", None)["$type"] == "start_video_capture_osx"
    assert [display_number(d) for d in (":1", ":3.0", "localhost:7", "")] == [1, 3, 7, 0]


@pytest.mark.parametrize("path, mark", [('/out/say "hi"/a.recording.mkv', "double quote"),
                                        ("/out/back\\slash/a.recording.mkv", "backslash")])
def test_a_path_the_build_cannot_quote_is_refused_in_one_line(path, mark):
    with pytest.raises(RecorderError) as err:
        BuildCapture(path, 30).command("linux", (0, 0), (64, 64))
    assert mark in err.value.message and path in err.value.message and "\n" not in err.value.message
    windows = "C:\\Users\\me\\a.recording.mkv"  # no override_args off Linux: nothing to quote
    assert BuildCapture(windows, 30).command("win32", (0, 0), (64, 64))["output_path"] == windows


def test_settings_refuse_such_a_folder_name_or_source_for_the_build_backend_on_linux_only(tmp_path):
    bad = CaptureSettings(output_dir=str(tmp_path / 'a"b'), name_pattern="x\\y", audio='sink"1', mode="av",
                          backend="tdw-build", scene="demo:moving_object", platform="linux")
    problems = {p.field: p.message for p in static_problems(bad)}
    assert "double quote" in problems["output_dir"] and "backslash" in problems["name"]
    assert "double quote" in problems["audio"]
    for fine in (CaptureSettings(output_dir=str(tmp_path / 'a"b'), backend="ffmpeg"),
                 CaptureSettings(output_dir=str(tmp_path / 'a"b'), backend="tdw-build", scene="demo:moving_object",
                                 platform="win32")):
        assert not any("quoting" in p.message for p in static_problems(fine))
