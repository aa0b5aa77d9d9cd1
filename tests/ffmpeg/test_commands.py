"""Every command line as an exact list (Windows and macOS cannot run here, so their text is the test), and a real
x11grab run for what the Linux input options do."""

import re
import subprocess

from app.ffmpeg.commands import ScreenInput, finalise_command, list_devices_command, record_command
from app.model.encoding import Encoding
from app.model.region import Region
from tests.support.media import probe, stream

HEAD = ["ff", "-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-stats_period", "0.5"]
MKV_OUT = ["-f", "matroska", "-cluster_size_limit", "1000000", "-cluster_time_limit", "500", "-crf", "18",
           "-flush_packets", "1", "-fps_mode", "cfr", "-g", "60", "-pix_fmt", "yuv420p", "-preset", "veryfast", "-r", "30",
           "-vcodec", "libx264"]
R = Region(100, 80, 1280, 720)


def test_linux_x11grab_region():
    cmd = record_command("ff", "o.mkv", Encoding(), ScreenInput("linux", R, 30, ":1"))
    assert cmd == HEAD + ["-y", "-f", "x11grab", "-video_size", "1280x720", "-draw_mouse", "1", "-fpsprobesize", "0",
                          "-framerate", "30", "-thread_queue_size", "1024", "-i", ":1+100,80", *MKV_OUT, "o.mkv"]


def test_linux_with_pulse_audio_shares_one_clock_and_limits_each_input():
    """The sound input comes first: x11grab opened before it would grab PulseAudio's start-up wait in one burst.

    Both keep their wall-clock stamps (-copyts) at full precision (milliseconds for the picture, not 1/fps), and
    the sound is resampled to its stamps (aresample async) so a sound card's own clock cannot drift from them.
    """
    cmd = record_command("ff", "o.mkv", Encoding(), ScreenInput("linux", R, 30, ":1", draw_mouse=False),
                         audio_source="sink.monitor", duration=10)
    assert cmd == HEAD + [
        "-y", "-f", "pulse", "-fragment_size", "1920", "-t", "10", "-thread_queue_size", "1024",
        "-use_wallclock_as_timestamps", "1", "-i", "sink.monitor",
        "-f", "x11grab", "-video_size", "1280x720", "-draw_mouse", "0", "-fpsprobesize", "0", "-framerate", "30",
        "-t", "10",
        "-thread_queue_size", "1024", "-i", ":1+100,80",
        "-filter_complex", "[0]aresample=async=100[s0]",
        "-map", "[s0]", "-map", "1", "-f", "matroska", "-acodec", "aac", "-b:a", "192k", "-cluster_size_limit",
        "1000000", "-cluster_time_limit", "500", "-copyts", "-crf", "18", "-enc_time_base:v", "1:1000",
        "-flush_packets", "1", "-g", "60",
        "-pix_fmt", "yuv420p", "-preset", "veryfast", "-vcodec", "libx264", "o.mkv"]


def test_windows_gdigrab_region_with_dshow_audio():
    cmd = record_command("ffmpeg.exe", "o.mkv", Encoding(), ScreenInput("win32", R, 30), audio_source="Stereo Mix (Realtek)")
    assert cmd[len(HEAD):] == [
        "-y", "-f", "gdigrab", "-video_size", "1280x720", "-draw_mouse", "1", "-framerate", "30",
        "-offset_x", "100", "-offset_y", "80", "-thread_queue_size", "1024", "-i", "desktop",
        "-f", "dshow", "-thread_queue_size", "1024", "-i", "audio=Stereo Mix (Realtek)",
        "-map", "0", "-map", "1", "-f", "matroska", "-acodec", "aac", "-b:a", "192k", "-cluster_size_limit",
        "1000000", "-cluster_time_limit", "500", "-crf", "18", "-flush_packets", "1", "-fps_mode", "cfr", "-g", "60",
        "-pix_fmt", "yuv420p", "-preset", "veryfast", "-r", "30", "-vcodec", "libx264", "o.mkv"]


def test_windows_dshow_screen_capture_recorder_as_the_tdw_docs_say():
    cmd = record_command("ffmpeg.exe", "o.mkv", Encoding(), ScreenInput("win32", R, 30, windows_device="dshow"))
    assert cmd[len(HEAD):] == [
        "-y", "-f", "dshow", "-framerate", "30", "-thread_queue_size", "1024", "-i", "video=screen-capture-recorder",
        "-filter_complex", "[0]crop=1280:720:100:80[s0]", "-map", "[s0]", *MKV_OUT, "o.mkv"]


def test_macos_avfoundation_crops_the_screen_and_lists_devices():
    cmd = record_command("ffmpeg", "o.mp4", Encoding(container="mp4"), ScreenInput("darwin", R, 29.97))
    assert cmd[len(HEAD):] == [
        "-y", "-f", "avfoundation", "-capture_cursor", "1", "-framerate", "29.970", "-pixel_format", "uyvy422",
        "-thread_queue_size", "1024", "-i", "1:none", "-filter_complex", "[0]crop=1280:720:100:80[s0]",
        "-map", "[s0]", "-f", "mp4", "-crf", "18", "-flush_packets", "1", "-fps_mode", "cfr", "-g", "60",
        "-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-pix_fmt", "yuv420p", "-preset", "veryfast",
        "-r", "29.970", "-vcodec", "libx264", "o.mp4"]
    assert list_devices_command("ffmpeg", "darwin") == [
        "ffmpeg", "-hide_banner", "-f", "avfoundation", "-list_devices", "true", "-i", ""]
    assert list_devices_command("ffmpeg.exe", "win32")[-4:] == ["-list_devices", "true", "-i", "dummy"]


def test_audio_only_and_finalise():
    cmd = record_command("ff", "a.mkv", Encoding(), audio_source="default", platform="linux", duration=5)
    assert cmd[len(HEAD):] == [
        "-y", "-f", "pulse", "-fragment_size", "3840", "-thread_queue_size", "1024", "-use_wallclock_as_timestamps",
        "1", "-i", "default", "-f", "matroska", "-acodec", "flac", "-cluster_size_limit", "1000000",
        "-cluster_time_limit", "500", "-flush_packets", "1", "-t", "5", "a.mkv"]
    assert finalise_command("ff", "a.mkv", "a.mp4")[len(HEAD):] == [
        "-n", "-i", "a.mkv", "-c", "copy", "-map", "0", "-movflags", "+faststart", "a.mp4"]


def test_frame_pipe_reads_tdw_images_without_probing():
    from app.ffmpeg.commands import frame_pipe_command

    assert frame_pipe_command("ff", "o.mkv", Encoding(), 60, "jpg")[len(HEAD):] == [
        "-y", "-f", "image2pipe", "-analyzeduration", "0", "-framerate", "60", "-probesize", "32",
        "-vcodec", "mjpeg", "-i", "pipe:0", "-f", "matroska", "-cluster_size_limit", "1000000",
        "-cluster_time_limit", "500", "-crf", "18", "-flush_packets", "1", "-g", "120", "-pix_fmt", "yuv420p",
        "-preset", "veryfast", "-vcodec", "libx264", "o.mkv"]


def test_audio_meter_filters_print_peaks_to_a_side_file():
    cmd = record_command("ff", "a.mkv", Encoding(), audio_source="default", platform="linux", levels_path="/t/lv.txt")
    graph = cmd[cmd.index("-filter_complex") + 1]
    assert graph == ("[0]astats=measure_overall=Peak_level:measure_perchannel=none:metadata=1:reset=5[s0];"
                     "[s0]ametadata=direct=1:file=/t/lv.txt:key=lavfi.astats.Overall.Peak_level:mode=print[s1]")
    assert cmd[cmd.index("-map") + 1] == "[s1]"


def test_a_live_grab_encodes_from_its_first_frame_at_the_asked_rate(xserver, anim_window, tmp_path):
    """ffmpeg reads one grabbed frame before starting (not 5 MB of them to guess the rate it was given)."""
    window = anim_window("Probe Source", 320, 240, 100, 80)
    out, report = tmp_path / "o.mkv", tmp_path / "report.log"
    cmd = record_command("ffmpeg", str(out), Encoding(), ScreenInput("linux", window.region, 30, xserver.display),
                         duration=2)
    # FFREPORT writes ffmpeg's own debug log whatever -loglevel says; at debug level the input's stream line
    # carries the number of frames read while probing it ("Stream #0:0, <frames>, <time base>: Video: ...").
    env = dict(xserver.env(), FFREPORT=f"file={report}:level=48")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert done.returncode == 0, done.stderr[-500:]
    probed = re.search(r"Stream #0:0, (\d+), 1/1000000: Video: rawvideo", report.read_text(errors="replace"))
    assert probed is not None and int(probed.group(1)) == 1  # ffmpeg's default read 17 at 320x240
    video = stream(probe(out), "video")
    assert (video["r_frame_rate"], video["avg_frame_rate"]) == ("30/1", "30/1")
    assert 55 <= int(video["nb_read_frames"]) <= 61
