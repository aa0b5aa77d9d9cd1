"""`stitch` (ImageCapture folders -> videos, labels lossless) and `convert` (.nut -> MP4), through the CLI."""

import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from tests.support.media import probe, stream

ROOT = Path(__file__).resolve().parents[2]


def cli(*args, env=None):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env=env)


def decode(path: Path, width: int, height: int) -> np.ndarray:
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)


def label_picture(n: int, width: int = 320, height: int = 240) -> np.ndarray:
    """A segmentation-like picture: flat colours with hard edges, moving with n, colours one value apart."""
    picture = np.zeros((height, width, 3), np.uint8)
    picture[:, :] = (17, 200, 33)
    x = (n * 7) % (width - 60)
    picture[40:140, x:x + 60] = (17, 200, 34)  # one value off the background: a lossy codec merges them
    picture[150:200, 10:300] = (n % 256, 255 - n % 256, 128)
    return picture


def test_label_and_image_passes_become_videos_with_every_frame_labels_exact(tmp_path):
    capture = tmp_path / "capture"
    camera = capture / "cam"
    camera.mkdir(parents=True)
    numbers = [*range(0, 12), *range(13, 25)]  # a gap at 12: the video still holds every file
    for n in numbers:
        Image.fromarray(label_picture(n)).save(camera / f"id_{n:04d}.png")
        Image.fromarray(np.full((240, 320, 3), (n * 9) % 256, np.uint8)).save(camera / f"img_{n:04d}.jpg", quality=95)
    done = cli("stitch", str(capture), "--fps", "30", "--out", str(tmp_path / "videos"))
    assert done.returncode == 0, done.stderr
    assert "stitch: cam _id 24/24 frames" in done.stderr and "stitch: cam _img 24/24 frames" in done.stderr
    ids, img = tmp_path / "videos" / "cam._id.mkv", tmp_path / "videos" / "cam.mp4"
    assert sorted(p.name for p in (tmp_path / "videos").iterdir()) == ["cam._id.mkv", "cam.mp4"]
    frames = decode(ids, 320, 240)
    assert len(frames) == len(numbers)
    for frame, n in zip(frames, numbers):
        assert np.array_equal(frame, label_picture(n))  # every pixel, every frame
    video = stream(probe(img), "video")
    assert (video["codec_name"], video["pix_fmt"], int(video["nb_read_frames"])) == ("h264", "yuv420p", 24)
    assert stream(probe(ids), "video")["tags"]["title"] == "_id"
    again = cli("stitch", str(capture), "--out", str(tmp_path / "videos"))
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in (tmp_path / "videos").iterdir()) == ["cam-1.mp4", "cam._id-1.mkv", "cam._id.mkv",
                                                                      "cam.mp4"]  # nothing overwritten


def test_a_folder_without_frames_is_one_line(tmp_path):
    done = cli("stitch", str(tmp_path))
    assert done.returncode != 0 and done.stderr.count("\n") == 1 and "ImageCapture" in done.stderr
    missing = cli("stitch", str(tmp_path / "nope"))
    assert missing.returncode != 0 and "is not a folder" in missing.stderr and "Traceback" not in missing.stderr


def test_a_nut_becomes_an_mp4_with_its_sound(tmp_path):
    nut = tmp_path / "tdw.nut"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30:duration=2",
                    "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:v", "ffv1", "-c:a", "pcm_s16le",
                    str(nut)], check=True)
    done = cli("convert", str(nut))
    assert done.returncode == 0, done.stderr
    assert "convert: 100%" in done.stderr
    out = tmp_path / "tdw.mp4"
    info = probe(out)
    video, audio = stream(info, "video"), stream(info, "audio")
    assert (video["codec_name"], video["pix_fmt"]) == ("h264", "yuv420p") and audio["codec_name"] == "aac"
    assert abs(float(info["format"]["duration"]) - 2.0) < 0.1
    assert cli("convert", str(nut)).returncode == 0 and (tmp_path / "tdw-1.mp4").exists()  # never overwrites
    bad = tmp_path / "notes.nut"
    bad.write_text("not a video")
    refused = cli("convert", str(bad))
    assert refused.returncode != 0 and "no video ffmpeg can read" in refused.stderr


def test_a_folder_written_by_tdws_image_capture_is_stitched(env, tmp_path):
    """The real tdw ImageCapture add-on, in an unmodified script against the stand-in build."""
    scene_env = {**env, "STANDIN_BUILD_PYTHON": sys.executable}
    user = tmp_path / "user"
    from tests.support.standin_build import BUILD_PATH

    done = cli("record", "--scene", str(ROOT / "tests/support/scenes/image_capture_scene.py"), "--mode", "video-frames",
               "--build", str(BUILD_PATH), "--out", str(tmp_path / "rec"), "--", "15", str(user), env=scene_env)
    assert done.returncode == 0, done.stderr
    files = sorted((user / "cam").glob("img_*.png"))
    assert len(files) >= 15
    stitched = cli("stitch", str(user), env=scene_env)
    assert stitched.returncode == 0, stitched.stderr
    video = stream(probe(user / "cam.mp4"), "video")
    assert int(video["nb_read_frames"]) == len(files)
    width, height = Image.open(files[0]).size
    assert (video["width"], video["height"]) == (width + width % 2, height + height % 2)
