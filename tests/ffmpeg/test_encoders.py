"""Video encoders: each family's command line as an exact list (no GPU here: the text is the test), and the real
one-frame probe, which must conclude "none" on this machine cleanly, quickly, and from its cache the second time."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.ffmpeg import encoders
from app.ffmpeg.capabilities import probe as capabilities
from app.ffmpeg.commands import ScreenInput, frame_pipe_command, record_command
from app.model.encoding import Encoding
from app.model.region import Region
from tests.support.media import probe, stream

ROOT = Path(__file__).parent.parent.parent
HEAD = ["ff", "-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-stats_period", "0.5"]
R = Region(0, 0, 320, 240)
X11 = ["-f", "x11grab", "-video_size", "320x240", "-draw_mouse", "1", "-fpsprobesize", "0", "-framerate", "30",
       "-thread_queue_size", "1024", "-i", ":1+0,0"]
GDI = ["-f", "gdigrab", "-video_size", "320x240", "-draw_mouse", "1", "-framerate", "30", "-offset_x", "0", "-offset_y", "0",
       "-thread_queue_size", "1024", "-i", "desktop"]
MKV = ["-f", "matroska", "-cluster_size_limit", "1000000", "-cluster_time_limit", "500"]


@pytest.mark.parametrize("platform, name, expected", [
    ("linux", "h264_vaapi", ["-vaapi_device", encoders.default_render_node(), "-y", *X11,
                             "-filter_complex", "[0]format=nv12[s0];[s0]hwupload[s1]", "-map", "[s1]", *MKV,
                             "-flush_packets", "1", "-fps_mode", "cfr", "-g", "60", "-qp", "18", "-r", "30",
                             "-rc_mode", "CQP", "-vcodec", "h264_vaapi", "o.mkv"]),
    ("linux", "h264_nvenc", ["-y", *X11, *MKV[:2], "-b:v", "0", *MKV[2:], "-cq", "18", "-flush_packets", "1",
                             "-fps_mode", "cfr", "-g", "60", "-pix_fmt", "yuv420p", "-preset", "p3", "-r", "30", "-rc", "vbr",
                             "-vcodec", "h264_nvenc", "o.mkv"]),
    ("linux", "hevc_qsv", ["-y", *X11, *MKV, "-flush_packets", "1", "-fps_mode", "cfr", "-g", "60", "-global_quality", "18",
                           "-pix_fmt", "nv12", "-preset", "veryfast", "-r", "30", "-vcodec", "hevc_qsv", "o.mkv"]),
    ("darwin", "h264_videotoolbox", [
        "-y", "-f", "avfoundation", "-capture_cursor", "1", "-framerate", "30", "-pixel_format", "uyvy422",
        "-thread_queue_size", "1024", "-i", "1:none", "-filter_complex", "[0]crop=320:240:0:0[s0]", "-map", "[s0]", *MKV,
        "-flush_packets", "1", "-fps_mode", "cfr", "-g", "60", "-pix_fmt", "nv12", "-q:v", "64", "-r", "30",
        "-realtime", "1", "-vcodec", "h264_videotoolbox", "o.mkv"]),
    ("win32", "h264_mf", ["-y", *GDI, *MKV, "-flush_packets", "1", "-fps_mode", "cfr", "-g", "60", "-hw_encoding", "1",
                          "-pix_fmt", "nv12", "-quality", "64", "-r", "30", "-rate_control", "quality", "-vcodec", "h264_mf",
                          "o.mkv"]),
    ("win32", "h264_amf", ["-y", *GDI, *MKV, "-flush_packets", "1", "-fps_mode", "cfr", "-g", "60", "-pix_fmt", "nv12",
                           "-qp_i", "18", "-qp_p", "18", "-quality", "speed", "-r", "30", "-rc", "cqp", "-vcodec", "h264_amf",
                           "o.mkv"]),
])
def test_each_hardware_encoder_command_line(platform, name, expected):
    cmd = record_command("ff", "o.mkv", Encoding(video_codec=name), ScreenInput(platform, R, 30, ":1"))
    assert cmd == HEAD + expected


def test_tdw_frames_upload_to_vaapi_too():
    cmd = frame_pipe_command("ff", "o.mkv", Encoding(video_codec="h264_vaapi"), 30, "png")
    assert cmd[len(HEAD):len(HEAD) + 3] == ["-vaapi_device", encoders.default_render_node(), "-y"]
    assert cmd[cmd.index("-filter_complex") + 1] == "[0]format=nv12[s0];[s0]hwupload[s1]"


def test_auto_concludes_libx264_here_and_reads_its_cache_next_time(tmp_path):
    binary = tmp_path / "ffmpeg"
    shutil.copy2(shutil.which("ffmpeg"), binary)  # a binary of our own, so its date can change
    listed = capabilities(str(binary)).encoders
    tried = encoders.candidates(listed, "linux")
    assert "h264_vaapi" in tried  # Debian's ffmpeg lists hardware encoders this machine cannot run
    choice = encoders.choose(str(binary), listed, Encoding(video_codec="auto"), "linux")
    assert choice.encoding.video_codec == "libx264"
    assert choice.note == f"Encoder: libx264 (auto: none of {', '.join(tried)} works here)."
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "tdw-recorder" / encoders.CACHE_NAME
    (key, results), = [(k, v) for k, v in json.loads(cache.read_text()).items() if k.startswith(str(binary))]
    assert sorted(results) == sorted(tried) and not any(works for works, _ in results.values())
    # the next choice reads the cache: told h264_vaapi works, it picks it without testing again
    results["h264_vaapi"] = [True, ""]
    cache.write_text(json.dumps({key: results}))
    assert encoders.choose(str(binary), listed, Encoding(video_codec="auto"), "linux").encoding.video_codec == "h264_vaapi"
    # an updated binary (another mtime) is tested again
    os.utime(binary, (1_000_000, 1_000_000))
    assert encoders.choose(str(binary), listed, Encoding(video_codec="auto"), "linux").encoding.video_codec == "libx264"
    assert len(json.loads(cache.read_text())) == 1  # the old binary's entry replaced, not kept beside it


def cli(env, *args):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=env, capture_output=True, text=True,
                          timeout=60, cwd=ROOT)


def test_cli_auto_says_what_it_chose_and_a_hardware_encoder_that_cannot_run_is_refused(env, tmp_path):
    done = cli(env, "record", "--encoder", "auto", "--region", "0,0,320x240", "--duration", "1", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "Encoder: libx264 (auto: none of h264_nvenc, h264_vaapi, h264_qsv works here)." in done.stderr
    saved = Path(done.stdout.split("Saved ", 1)[1].split("\n", 1)[0])
    assert stream(probe(saved), "video")["codec_name"] == "h264"
    refused = cli(env, "record", "--encoder", "h264_vaapi", "--region", "0,0,320x240", "--duration", "1",
                  "--out", str(tmp_path / "no"))
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith("tdw-recorder: The h264_vaapi encoder does not work on this machine (")
    assert "choose auto or libx264" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "no").exists()


def test_doctor_lists_the_hardware_encoders_it_tested(machine, tmp_path):
    from app.doctor import run_checks

    check = next(c for c in run_checks(machine, str(tmp_path)) if c.name == "hardware encoders")
    assert check.optional and not check.ok  # informational: libx264 records anyway
    assert check.detail.startswith("tested h264_nvenc, h264_vaapi, h264_qsv, hevc_nvenc, hevc_vaapi, hevc_qsv: none works")
    assert check.detail.endswith("libx264 encodes (--encoder auto picks libx264)")


@pytest.mark.parametrize("codec", ["libx264", "auto"])
def test_lossless_is_libx264rgb_at_qp_0_in_rgb_whatever_the_crf(codec):
    cmd = frame_pipe_command("ff", "o.mkv", Encoding(video_codec=codec, crf=23, lossless=True), 30, "png")
    pairs = {cmd[i]: cmd[i + 1] for i in range(len(cmd) - 1) if cmd[i].startswith("-")}
    assert (pairs["-vcodec"], pairs["-qp"], pairs["-pix_fmt"]) == ("libx264rgb", "0", "rgb24") and "-crf" not in cmd
