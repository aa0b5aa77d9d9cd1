"""TDW's frames wrapped in Matroska with their own times: the real ffmpeg reads them back at those times."""

import io
import json
import subprocess

import numpy as np
from PIL import Image

from app.ffmpeg.commands import timed_frames_command
from app.model.encoding import Encoding
from app.ffmpeg.matroska import frame_cluster, image_size, stream_header


def picture(ext: str, shade: int, width: int = 64, height: int = 48) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((height, width, 3), shade, np.uint8)).save(buffer, format="PNG" if ext == "png" else "JPEG")
    return buffer.getvalue()


def frame_times(ext: str, times_ms: list[int]) -> tuple[dict, list[float]]:
    """Pipe one frame per time through ffmpeg (copied, times kept as they are); ffprobe's stream and frame times."""
    data = stream_header(ext, 64, 48) + b"".join(frame_cluster(t, picture(ext, 20 * i)) for i, t in enumerate(times_ms))
    done = subprocess.run(["ffmpeg", "-v", "error", "-f", "matroska", "-i", "pipe:0", "-c", "copy", "-copyts", "-f", "matroska",
                           "-"], input=data, capture_output=True, check=True)
    shown = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_frames", "-"],
                           input=done.stdout, capture_output=True, check=True)
    info = json.loads(shown.stdout)
    return info["streams"][0], [float(f["pts_time"]) for f in info["frames"]]


def test_each_frame_keeps_its_own_time_png_and_jpeg():
    base = 1_795_000_000_000  # wall-clock milliseconds, as the recorder writes them
    uneven = [base, base + 33, base + 250, base + 251, base + 1000]  # a scene that stalls, then catches up
    for ext, codec in (("png", "png"), ("jpg", "mjpeg")):
        video, times = frame_times(ext, uneven)
        assert (video["codec_name"], video["width"], video["height"]) == (codec, 64, 48)
        assert [round(t * 1000) for t in times] == uneven


def test_image_sizes_are_read_from_the_headers():
    assert image_size("png", picture("png", 0, 320, 240)) == (320, 240)
    assert image_size("jpg", picture("jpg", 0, 322, 182)) == (322, 182)
    assert image_size("jpg", b"not a picture") == (0, 0)


def test_timed_frames_command():
    cmd = timed_frames_command("ffmpeg", "/r/o.recording.mkv", Encoding(), 30, "sink.monitor", levels_path="/t/lv.txt")
    assert cmd == [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-stats_period", "0.5", "-y",
        # the sound first: ffmpeg reads the frames' pipe only once PulseAudio sends (what the recorder waits for)
        "-f", "pulse", "-fragment_size", "1920", "-thread_queue_size", "1024", "-use_wallclock_as_timestamps", "1",
        "-i", "sink.monitor",
        "-f", "matroska", "-analyzeduration", "0", "-fpsprobesize", "0", "-probesize", "32", "-thread_queue_size", "1024",
        "-i", "pipe:0",
        "-filter_complex", "[0]aresample=async=100[s0];"
        "[s0]astats=measure_overall=Peak_level:measure_perchannel=none:metadata=1:reset=5[s1];"
        "[s1]ametadata=direct=1:file=/t/lv.txt:key=lavfi.astats.Overall.Peak_level:mode=print[s2]",
        "-map", "[s2]", "-map", "1", "-f", "matroska", "-acodec", "aac", "-b:a", "192k",
        "-cluster_size_limit", "1000000", "-cluster_time_limit", "500", "-copyts", "-crf", "18",
        "-enc_time_base:v", "1:1000", "-flush_packets", "1",
        "-fps_mode", "passthrough", "-g", "60", "-pix_fmt", "yuv420p", "-preset", "veryfast", "-shortest",
        "-vcodec", "libx264", "/r/o.recording.mkv"]
    shifted = timed_frames_command("ffmpeg", "o.mkv", Encoding(), 30, "sink.monitor", audio_offset=-0.05)
    assert shifted[shifted.index("-itsoffset") + 1] == "-0.050" and shifted.index("-itsoffset") < shifted.index("sink.monitor")
