"""Pause on the frame route (TDW's own images piped to ffmpeg): frames rendered while paused are left out, the
video's times go on without a gap; the script's own per-frame images (TDWUtils.save_images) keep every frame."""

from __future__ import annotations

import sys
import time

import pytest

from app.errors import RecorderError
from app.model.settings import CaptureSettings
from app.preflight import plan
from app.session import Session
from tests.scene.test_scene_recording import SCENES, frame_numbers
from tests.support.media import decoded_frames, probe, stream
from tests.support.standin_build import BUILD_PATH, recorded_frame_numbers


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_frames_rendered_while_paused_are_left_out_and_times_go_on(no_orphans, machine, env, tmp_path):
    settings = CaptureSettings(mode="video-frames", scene=str(SCENES / "seed_option_a.py"),
                               scene_args=["90", str(tmp_path / "seed")], build=str(BUILD_PATH),
                               output_dir=str(tmp_path / "out"), connect_timeout=30)
    session = Session(plan(settings, machine), env={**env, "STANDIN_BUILD_PYTHON": sys.executable})
    session.start()
    with pytest.raises(RecorderError, match="not paused"):
        session.resume()
    wait_for(lambda: session.recorder is not None and session.recorder.frames_in >= 20)
    assert session.pause().state == "paused"
    assert session.scene is not None
    at_pause = session.scene.frames
    wait_for(lambda: session.scene.frames >= at_pause + 30)  # the build renders on: ~30 frames not recorded
    kept_before = session.recorder.frames_in
    status = session.resume()
    assert status.state == "recording" and status.paused_s > 0.5
    assert session.wait(60)
    result = session.stop()
    assert result.error is None and result.finalised
    numbers = frame_numbers(result.path)
    steps = [b - a for a, b in zip(numbers, numbers[1:])]
    jumps = [s for s in steps if s != 1]
    assert len(jumps) == 1 and jumps[0] >= 30, steps  # the paused stretch, and nothing else, is absent
    assert steps.index(jumps[0]) + 1 == kept_before  # it begins where the pause came
    assert stream(probe(result.path), "video")["r_frame_rate"] == "30/1"
    assert abs(float(probe(result.path)["format"]["duration"]) - len(numbers) / 30) < 0.1  # no gap in the times
    assert len(list((tmp_path / "seed").rglob("img_*"))) == 90  # the script's own images: every frame


def test_audio_and_video_paused_join_into_one_file_without_the_paused_time(no_orphans, machine, env, tmp_path,
                                                                                  anim_window):
    """x11grab + pulse in one ffmpeg, stamped by the wall clock (-copyts): each part says it ends decades after 1970,
    which the concat demuxer took as its length (the join failed); the parts now join, sound and picture."""
    anim_window("Pause AV", 320, 240, 40, 40)
    settings = CaptureSettings(mode="av", region="window:Pause AV", fps=30.0, audio="default",
                               output_dir=str(tmp_path), min_free_mb=10)
    session = Session(plan(settings, machine), env=env)
    session.start()
    wait_for(lambda: session.recorder is not None and session.recorder.progress().out_time_s > 0.5)
    time.sleep(1.0)
    session.pause()
    time.sleep(1.5)
    session.resume()
    time.sleep(1.5)
    last = session.recorder.progress()
    result = session.stop()
    assert result.error is None and result.finalised, result.error
    info = probe(result.path)
    assert {s["codec_type"] for s in info["streams"]} == {"audio", "video"}
    recorded = session.status.elapsed_s - session.status.paused_s
    assert session.status.paused_s >= 1.5
    assert 1.5 < result.duration_s < recorded + 0.2, (result.duration_s, recorded)  # the 1.5 s paused are absent
    assert decoded_frames(result.path) >= last.frames - 5  # both parts are in the file (the frames of the two)


def test_the_builds_own_ffmpeg_pauses_with_the_scenes_frames_and_goes_on_in_a_next_part(no_orphans, machine, env,
                                                                                          tmp_path):
    """--backend tdw-build: pause sends stop_video_capture with the script's next frame, resume a start into a next
    part (the frame after waits until the build writes it), joined at the end."""
    settings = CaptureSettings(mode="video", region="tdw", scene=str(SCENES / "streamed_scene.py"), scene_args=["100"],
                               backend="tdw-build", build=str(BUILD_PATH), output_dir=str(tmp_path / "out"),
                               connect_timeout=30)
    session = Session(plan(settings, machine), env={**env, "STANDIN_BUILD_PYTHON": sys.executable})
    session.start()
    wait_for(lambda: session.scene is not None and session.scene.frames >= 30)
    session.pause()
    at_pause = session.scene.frames
    time.sleep(1.0)
    rendered_while_paused = session.scene.frames - at_pause
    session.resume()
    assert session.wait(60)
    result = session.stop()
    assert result.error is None and result.finalised, result.error
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [result.path.name]  # parts joined and gone
    numbers, torn = recorded_frame_numbers(result.path)
    steps = [b - a for a, b in zip(numbers, numbers[1:])]
    jumps = [s for s in steps if s > 5]
    assert numbers == sorted(numbers) and len(jumps) == 1, steps  # one stretch left out, the rest in order
    assert rendered_while_paused <= jumps[0] <= rendered_while_paused + 10, (jumps, rendered_while_paused)
    assert numbers[-1] >= 90  # the part after the resume is in the file
