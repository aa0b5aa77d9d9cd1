"""Datasets (issue 17) end to end through the CLI: an unmodified two-camera script (whose own ImageCapture saves
camera b's files) recorded with --cameras all --passes _img,_id,_depth against the stand-in build, which gives each
camera its own picture and real label and depth passes (tests/support/standin_build/pass_picture.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from tdw.tdw_utils import TDWUtils

from app.recovery import open_elsewhere

from tests.support.standin_build import BUILD_PATH, decode_frame_number
from tests.support.standin_build.build_outputs import encode_png
from tests.support.standin_build.frame_picture import CAMERA_BACKGROUNDS
from tests.support.standin_build.pass_picture import (PROJECTION, avatar_position, camera_matrix, collisions, depth_bytes,
                                                     label_picture, object_position)

ROOT = Path(__file__).resolve().parents[2]
SCENE = ROOT / "tests" / "support" / "scenes" / "two_cameras.py"
W, H, FRAMES = 96, 64, 12
PASSES = ["_img", "_id", "_depth"]


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def quiet_env() -> dict[str, str]:
    """No display: the build runs windowless (TDW's frames need none), so the recording is quick."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return dict(env, STANDIN_BUILD_PYTHON=sys.executable, PYTHONPATH=str(ROOT))


@pytest.fixture(scope="module")
def recorded(tmp_path_factory, quiet_env):
    folder = tmp_path_factory.mktemp("dataset")
    done = cli("record", "--scene", str(SCENE), "--mode", "video-frames", "--cameras", "all", "--passes", ",".join(PASSES),
               "--frame-data", "camera,avatars,objects,collisions",
               "--build", str(BUILD_PATH), "--screen-size", f"{W}x{H}", "--out", str(folder / "out"), "--name", "ds",
               "--", str(FRAMES), str(folder / "user"), env=quiet_env)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in (folder / "out" / "ds.frames.jsonl").read_text().splitlines()]
    return folder, done.stdout, rows


def streams(path: Path) -> list[dict]:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name:stream_tags=title", "-of", "json",
                          str(path)], capture_output=True, text=True, check=True).stdout
    return json.loads(out)["streams"]


def decoded(path: Path, track: int) -> np.ndarray:
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", f"0:{track}", "-fps_mode", "passthrough",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, H, W, 3)


def test_one_matroska_per_camera_a_track_per_pass_and_the_scripts_own_capture_still_writes(recorded):
    folder, stdout, rows = recorded
    out = folder / "out"
    assert sorted(p.name for p in out.iterdir()) == ["ds.a.mkv", "ds.b.mkv", "ds.frames.jsonl"]  # nothing else left
    for camera in ("a", "b"):
        found = streams(out / f"ds.{camera}.mkv")
        assert [s["tags"]["title"] for s in found] == PASSES
        assert [s["codec_name"] for s in found] == ["h264", "png", "png"]
        assert f"Saved {out / f'ds.{camera}.mkv'}" in stdout
    # ImageCapture (camera b only) still saved its frames, with the passes merged into its avatar's masks
    user = sorted(p.name for p in (folder / "user" / "b").iterdir())
    assert len([n for n in user if n.startswith("img_")]) == len([r for r in rows if r["camera"] == "b"])
    assert not (folder / "user" / "a").exists()


def test_every_label_and_depth_pixel_is_the_builds_and_each_camera_is_its_own(recorded):
    folder, _, rows = recorded
    for camera, background in (("a", CAMERA_BACKGROUNDS[0]), ("b", CAMERA_BACKGROUNDS[1])):
        video = folder / "out" / f"ds.{camera}.mkv"
        numbers = [r["frame"] for r in rows if r["camera"] == camera]
        assert len(numbers) >= FRAMES
        ids, depths, imgs = decoded(video, 1), decoded(video, 2), decoded(video, 0)
        assert len(ids) == len(depths) == len(imgs) == len(numbers)
        for n, id_frame, depth_frame, img in zip(numbers, ids, depths, imgs):
            assert np.array_equal(id_frame, label_picture("_id", n, W, H, camera)), f"camera {camera} frame {n}"
            sent = np.frombuffer(depth_bytes("_depth", n, W, H, camera), np.uint8)
            # the track is upright (as ImageCapture saves depth); flipped back, TDW's own decoding gives the same metres
            assert np.array_equal(TDWUtils.get_depth_values(np.flip(depth_frame, 0), "_depth", W, H),
                                  TDWUtils.get_depth_values(sent, "_depth", W, H))
            assert decode_frame_number(img) == n
            seen = np.median(img[-1], axis=0)  # this camera's background (or the build's once-a-second white flash)
            assert min(np.abs(seen - background).max(), np.abs(seen - 255).max()) < 12, (camera, n, seen)
        assert sum(np.abs(np.median(img[-1], axis=0) - background).max() < 12 for img in imgs) > len(imgs) // 2


def test_frames_jsonl_maps_every_video_frame_to_its_tdw_frame_with_the_frame_data_asked_for(recorded):
    folder, _, rows = recorded
    assert all(r["v"] == 2 and r["passes"] == PASSES for r in rows)
    for r in rows:  # --frame-data camera,objects: this camera's matrices and the object the script added, that frame
        assert r["camera_matrix"] == list(camera_matrix(r["frame"], "ab".index(r["camera"])))
        assert r["projection_matrix"] == [float(np.float32(v)) for v in PROJECTION]
        added = {7: (1.0, 1.0, 0.5), 8: (-1.0, 3.0, 0.0)}
        assert {k: v["position"] for k, v in r["objects"].items()} == {
            str(i): list(object_position(r["frame"], start)) for i, start in added.items()}
        assert {k: v["position"] for k, v in r["avatars"].items()} == {"a": list(avatar_position(0)),
                                                                        "b": list(avatar_position(1))}
        touching, floor = collisions(r["frame"], added)
        assert [(c["collider"], c["collidee"], c["state"]) for c in r.get("collisions", [])] == touching
        assert [(c["object"], c["state"]) for c in r.get("environment_collisions", [])] == floor
        assert r.get("collisions") != [] and r.get("environment_collisions") != []  # none: the key is left out
    assert any("environment_collisions" in r for r in rows) and any("collisions" in r for r in rows)
    assert not all("collisions" in r for r in rows)
    for camera in ("a", "b"):
        own = [r for r in rows if r["camera"] == camera]
        out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:1", "-show_entries", "frame=pts_time", "-of",
                              "csv=p=0", str(folder / "out" / f"ds.{camera}.mkv")], capture_output=True, text=True,
                             check=True).stdout
        assert [float(t) for t in out.split()] == [r["time"] for r in own]
        assert [r["frame"] for r in own] == list(range(own[0]["frame"], own[0]["frame"] + len(own)))
        assert all(a["wall"] <= b["wall"] for a, b in zip(own, own[1:]))
    assert [r["time"] for r in rows if r["camera"] == "a"] == [r["time"] for r in rows if r["camera"] == "b"]


def test_frame_prints_the_row_and_writes_the_builds_pngs(recorded, quiet_env):
    folder, _, rows = recorded
    row = [r for r in rows if r["camera"] == "b"][5]
    pngs = folder / "pngs"
    done = cli("frame", str(folder / "out" / "ds.b.mkv"), "--at", str(row["time"]), "--png", str(pngs), env=quiet_env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[0]) == row
    n = row["frame"]
    assert (pngs / "b" / f"id_{n:04d}.png").read_bytes() == encode_png(label_picture("_id", n, W, H, "b"))  # byte for byte
    from PIL import Image

    depth = np.array(Image.open(pngs / "b" / f"depth_{n:04d}.png"))
    assert np.array_equal(TDWUtils.get_depth_values(np.flip(depth, 0), "_depth", W, H),
                          TDWUtils.get_depth_values(np.frombuffer(depth_bytes("_depth", n, W, H, "b"), np.uint8), "_depth", W, H))
    assert decode_frame_number(np.array(Image.open(pngs / "b" / f"img_{n:04d}.png"))) == n
    by_frame = cli("frame", str(folder / "out" / "ds.frames.jsonl"), "--frame", str(n), env=quiet_env)
    assert [json.loads(line)["camera"] for line in by_frame.stdout.splitlines()] == ["a", "b"]
    again = cli("frame", str(folder / "out" / "ds.b.mkv"), "--frame", str(n), "--png", str(pngs), env=quiet_env)
    assert again.returncode == 2 and "already exists: choose another --png folder" in again.stderr


@pytest.mark.parametrize("args, words", [
    (["{out}/ds.a.mkv", "--frame", "100000"], "No recorded frame at frame 100000: this recording has frames"),
    (["{out}/ds.frames.jsonl", "--at", "0", "--camera", "z"], "There is no camera 'z' in this recording: use one of a, b."),
    (["{out}/ds.c.mkv", "--at", "0"], "There is no camera 'c'"),
    (["{scene}", "--at", "0"], "is not a dataset recording: give NAME.frames.jsonl or NAME.<camera>.mkv."),
    (["{out}/ds.a.mkv", "--at", "-1"], "--at must be a time in the video, 0 or more seconds."),
])
def test_frame_bad_input_is_one_line(recorded, quiet_env, args, words):
    folder, _, _ = recorded
    done = cli("frame", *[a.format(out=folder / "out", scene=SCENE) for a in args], env=quiet_env)
    assert done.returncode == 2
    assert words in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_frames_after_a_new_screen_size_are_left_out_and_said(tmp_path, quiet_env):
    done = cli("record", "--scene", str(ROOT / "tests" / "support" / "scenes" / "resizing_scene.py"), "--mode", "video-frames",
               "--cameras", "all", "--passes", "_img,_depth", "--build", str(BUILD_PATH), "--out", str(tmp_path),
               "--name", "rs", "--", "12", "96x64", "64x48", env=quiet_env)
    assert "frames at the new size were left out of a (" in done.stdout + done.stderr
    rows = (tmp_path / "rs.frames.jsonl").read_text().splitlines()
    assert 0 < len(rows) < 12
    assert len(decoded(tmp_path / "rs.a.mkv", 1)) == len(rows)  # every depth frame whole, at the first size


def test_a_name_a_dataset_file_has_is_not_taken(tmp_path, quiet_env):
    (tmp_path / "ds.b.mkv").write_bytes(b"someone's file")
    done = cli("record", "--scene", str(SCENE), "--mode", "video-frames", "--cameras", "all", "--passes", "_img,_id",
               "--build", str(BUILD_PATH), "--screen-size", f"{W}x{H}", "--out", str(tmp_path), "--name", "ds",
               "--", "3", str(tmp_path / "user"), env=quiet_env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "ds.b.mkv").read_bytes() == b"someone's file"
    assert sorted(p.name for p in tmp_path.glob("ds-1.*")) == ["ds-1.a.mkv", "ds-1.b.mkv", "ds-1.frames.jsonl"]


def test_one_named_camera_with_img_only_stays_an_mp4_of_that_camera(tmp_path, quiet_env):
    done = cli("record", "--scene", str(SCENE), "--mode", "video-frames", "--cameras", "b", "--build", str(BUILD_PATH),
               "--screen-size", f"{W}x{H}", "--out", str(tmp_path / "out"), "--name", "one",
               "--", "4", str(tmp_path / "user"), env=quiet_env)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["one.mp4"]
    frames = decoded(tmp_path / "out" / "one.mp4", 0)
    seen = [np.median(f[-1], axis=0) for f in frames]  # b's background, not a's (or the build's white flash)
    assert all(min(np.abs(c - CAMERA_BACKGROUNDS[1]).max(), np.abs(c - 255).max()) < 12 for c in seen)
    assert any(np.abs(c - CAMERA_BACKGROUNDS[1]).max() < 12 for c in seen)


def test_a_kill_9_leaves_every_camera_playable_and_recover_clears_the_reserved_name(tmp_path, quiet_env):
    """The camera files are final as written (Matroska flushed each frame) and the reserved NAME.recording.mkv
    never gets a byte: after a kill -9 `recover` removes that name and says the dataset's files are complete."""
    out = tmp_path / "out"
    record = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "record", "--scene", str(SCENE), "--mode",
                               "video-frames", "--cameras", "all", "--passes", "_img,_id", "--build", str(BUILD_PATH),
                               "--screen-size", f"{W}x{H}", "--out", str(out), "--name", "k", "--", "100000",
                               str(tmp_path / "user")], env=quiet_env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    rows_file, cameras = out / "k.frames.jsonl", [out / "k.a.mkv", out / "k.b.mkv"]
    try:  # killed once each camera's file has its tracks' first frames (x264 holds a few before its first)
        deadline = time.monotonic() + 90
        while not all(video.exists() and video.stat().st_size > 4000 for video in cameras):
            assert record.poll() is None and time.monotonic() < deadline, "the dataset recording never got going"
            time.sleep(0.1)
    finally:
        record.kill()  # the CLI alone, as `kill -9 PID` does: its guard ends the scene, its ffmpegs end on their own
        record.wait()
    deadline = time.monotonic() + 60
    while open_elsewhere(cameras):
        assert time.monotonic() < deadline, "the cameras' ffmpegs outlived the killed recorder"
        time.sleep(0.1)
    assert (out / "k.recording.mkv").stat().st_size == 0
    rows = [json.loads(line) for line in rows_file.read_text().splitlines()]  # whole lines only
    for video in cameras:
        camera = video.name.split(".")[1]
        numbers = [r["frame"] for r in rows if r["camera"] == camera]
        ids = decoded(video, 1)
        assert 0 < len(ids) <= len(numbers)  # a row is written before its frame goes to ffmpeg
        for n, id_frame in zip(numbers, ids):
            assert np.array_equal(id_frame, label_picture("_id", n, W, H, camera)), f"camera {camera} frame {n}"

    done = cli("recover", "--out", str(out), env=quiet_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "complete as written: k.a.mkv, k.b.mkv, k.frames.jsonl" in done.stdout
    assert sorted(p.name for p in out.iterdir()) == ["k.a.mkv", "k.b.mkv", "k.frames.jsonl"]  # nor its marker
    assert "No unfinished recordings" in cli("recover", "--out", str(out), env=quiet_env).stdout


def test_mp4_shares_each_cameras_img_exactly_as_its_track(tmp_path, quiet_env):
    done = cli("record", "--scene", str(SCENE), "--mode", "video-frames", "--cameras", "all", "--passes", "_id,_img",
               "--mp4", "--build", str(BUILD_PATH), "--screen-size", f"{W}x{H}", "--out", str(tmp_path), "--name", "sh",
               "--", "5", str(tmp_path / "user"), env=quiet_env)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.glob("sh.*")) == ["sh.a.mkv", "sh.a.mp4", "sh.b.mkv", "sh.b.mp4",
                                                             "sh.frames.jsonl"]
    assert "Saved " + str(tmp_path / "sh.b.mp4") in done.stdout
    for camera in ("a", "b"):
        assert [s["codec_name"] for s in streams(tmp_path / f"sh.{camera}.mp4")] == ["h264"]
        shared, kept = decoded(tmp_path / f"sh.{camera}.mp4", 0), decoded(tmp_path / f"sh.{camera}.mkv", 1)
        assert len(shared) >= 5 and np.array_equal(shared, kept)  # the _img track (second here), copied


@pytest.mark.parametrize("cameras, passes, made", [("all", "_img,_id", "ll.b.mkv"), ("b", "_img", "ll.mp4")],
                         ids=["dataset", "one-camera"])
def test_lossless_img_is_every_pixel_the_build_sent(tmp_path, quiet_env, cameras, passes, made):
    """--lossless: the `_img` track decodes to exactly the pictures the build sent, here the very PNGs the script's
    own ImageCapture saved of camera b (H.264 in RGB; yuv420p alone would change every colour edge)."""
    from PIL import Image

    out = tmp_path / "out"
    done = cli("record", "--scene", str(SCENE), "--mode", "video-frames", "--cameras", cameras, "--passes", passes,
               "--lossless", "--build", str(BUILD_PATH), "--screen-size", f"{W}x{H}", "--out", str(out), "--name", "ll",
               "--", "8", str(tmp_path / "user"), env=quiet_env)
    assert done.returncode == 0, done.stderr
    assert "Encoder: libx264rgb, lossless" in done.stdout + done.stderr
    sent = [np.array(Image.open(path).convert("RGB")) for path in sorted((tmp_path / "user" / "b").glob("img_*.png"))]
    recorded = decoded(out / made, 0)
    assert len(recorded) == len(sent) >= 8
    for index, (picture, original) in enumerate(zip(recorded, sent)):
        assert np.array_equal(picture, original), f"frame {index}: {np.count_nonzero(picture != original)} values differ"
