"""TDW scenes end to end: unmodified controller scripts, the real tdw Controller, the stand-in build."""

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from app.errors import RecorderError, ValidationError
from app.preflight import plan
from app.scene.build import build_command
from app.scene.runner import demos, resolve_script
from app.screen.x11 import X11Display
from app.session import Session
from app.model.settings import CaptureSettings
from tests.support.media import probe, stream, wait_for_frames
from tests.support.standin_build import BUILD_PATH, decode_frame_number

SCENES = Path(__file__).parent.parent / "support" / "scenes"


@pytest.fixture
def scene_env(env):
    env = dict(env)
    env["STANDIN_BUILD_PYTHON"] = sys.executable
    return env


def run_scene(machine, scene_env, tmp_path, timeout=90, **kw):
    kw.setdefault("build", str(BUILD_PATH))
    kw.setdefault("output_dir", str(tmp_path / "out"))
    kw.setdefault("connect_timeout", 30)
    session = Session(plan(CaptureSettings(**kw), machine), env=scene_env)
    session.start()
    assert session.wait(timeout), "the scene did not end"
    return session, session.stop()


def frame_numbers(path: Path) -> list[int]:
    video = stream(probe(path), "video")
    w, h = video["width"], video["height"]
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)
    return [decode_frame_number(f) for f in frames]


def test_frame_route_is_count_exact_for_the_seed_script(no_orphans, machine, scene_env, tmp_path):
    session, result = run_scene(machine, scene_env, tmp_path, mode="video-frames",
                                scene=str(SCENES / "seed_option_a.py"), scene_args=["45", str(tmp_path / "seed")])
    assert result.error is None and result.finalised
    numbers = frame_numbers(result.path)
    # every frame the build rendered with the avatar, once each, in order: none lost or duplicated
    assert numbers == list(range(numbers[0], numbers[0] + 46))
    assert session.recorder.frames_in == 46
    assert stream(probe(result.path), "video")["r_frame_rate"] == "30/1"
    assert [p.name for p in (tmp_path / "out").iterdir()] == [result.path.name]  # no frame files anywhere


def test_frame_route_merges_with_a_users_image_capture_and_keeps_frames(machine, scene_env, tmp_path):
    keep = tmp_path / "frames"
    _, result = run_scene(machine, scene_env, tmp_path, mode="video-frames", keep_frames=str(keep),
                          scene=str(SCENES / "image_capture_scene.py"), scene_args=["20", str(tmp_path / "user")])
    assert result.error is None
    numbers = frame_numbers(result.path)
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))) and len(numbers) >= 20
    user_files = sorted((tmp_path / "user" / "cam").glob("img_*.png"))
    assert len(user_files) >= 20  # the user's ImageCapture still saves its own images
    kept = sorted(keep.glob("img_*.png"))
    assert len(kept) == len(numbers)  # named as TDWUtils.save_images names them


def test_screen_route_finds_and_records_the_build_window(machine, scene_env, tmp_path):
    _, result = run_scene(machine, scene_env, tmp_path, mode="video", region="tdw", scene="demo:moving_object",
                          scene_args=["90"], screen_size="320x240")
    assert result.error is None and result.finalised
    video = stream(probe(result.path), "video")
    assert (video["width"], video["height"]) == (320, 240)  # exactly the build's window
    numbers = set(frame_numbers(result.path))
    assert len(numbers) > 20  # the window's own frame counter, read back from the screen recording


def test_scene_without_a_camera_in_frame_mode_says_what_to_do(machine, scene_env, tmp_path):
    _, result = run_scene(machine, scene_env, tmp_path, mode="video-frames",
                          scene=str(SCENES / "streamed_scene.py"), scene_args=["5"])
    assert result.path is None and "give it a camera" in result.error
    assert not (tmp_path / "out").exists()  # nothing recorded: not even the folder made for it is left


@pytest.mark.parametrize("passes", ["_img", "_img,_id"], ids=["one-file", "dataset"])
def test_a_stop_before_the_scenes_first_image_says_so_not_that_the_scene_has_no_camera(no_orphans, machine, scene_env,
                                                                                       tmp_path, passes):
    """Ctrl+C (or Stop) while a script still loads its scene: nothing was recorded, and that is all there is to say."""
    session = Session(plan(CaptureSettings(mode="video-frames", scene=str(SCENES / "streamed_scene.py"),
                                           scene_args=["100000"], build=str(BUILD_PATH), output_dir=str(tmp_path / "out"),
                                           connect_timeout=30, passes=passes), machine), env=scene_env)
    session.start()
    assert not session.wait(2)  # the scene runs (it sends no images) until it is stopped
    result = session.stop()
    assert (result.path, result.error) == (None, "Stopped before the scene sent its first image: nothing was recorded.")
    assert not (tmp_path / "out").exists()


def test_script_error_names_the_line_and_keeps_the_frames(no_orphans, machine, scene_env, tmp_path):
    _, result = run_scene(machine, scene_env, tmp_path, mode="video-frames", scene=str(SCENES / "crashing_scene.py"))
    assert result.error.startswith("The scene script failed at crashing_scene.py line 10: KeyError")
    assert result.path is not None and len(frame_numbers(result.path)) >= 10


def test_build_crash_names_its_exit_code(no_orphans, machine, scene_env, tmp_path):
    scene_env["STANDIN_BUILD_CRASH_AT_FRAME"] = "20"
    _, result = run_scene(machine, scene_env, tmp_path, mode="video-frames",
                          scene=str(SCENES / "seed_option_a.py"), scene_args=["100", str(tmp_path / "s")])
    assert "The TDW build exited with code 139" in result.error
    assert result.path is not None and 10 <= len(frame_numbers(result.path)) <= 21


def test_no_build_connecting_times_out(no_orphans, machine, scene_env, tmp_path):
    silent = tmp_path / "TDW.x86_64"
    silent.write_text("#!/bin/sh\nexec sleep 60\n")
    silent.chmod(0o755)
    _, result = run_scene(machine, scene_env, tmp_path, mode="video-frames", build=str(silent), connect_timeout=3,
                          scene=str(SCENES / "seed_option_a.py"))
    assert "No TDW build connected on port" in result.error and result.path is None


def test_scene_and_build_problems_are_refused_before_recording(machine, tmp_path):
    notpy = tmp_path / "scene.txt"
    notpy.write_text("")
    cases = [
        (dict(scene=str(tmp_path / "missing.py")), "does not exist"),
        (dict(scene=str(notpy)), "not a Python file"),
        (dict(scene="demo:nope"), "There is no demo"),
        (dict(scene="demo:moving_object", build=str(tmp_path / "nobuild")), "No TDW build at"),
        (dict(scene="demo:moving_object", build=str(notpy)), "not an executable"),
        (dict(mode="video-frames"), "needs a scene"),
        (dict(region="tdw"), "only known when a scene runs"),
    ]
    for kw, words in cases:
        kw.setdefault("build", str(BUILD_PATH))
        with pytest.raises(ValidationError) as err:
            plan(CaptureSettings(output_dir=str(tmp_path), **kw), machine)
        assert words in err.value.problems[0].message, (kw, err.value.problems)


def test_demos_and_launch_line():
    assert {"moving_object", "impact_sounds"} <= set(demos())
    assert resolve_script("demo:moving_object").name == "moving_object.py"
    with pytest.raises(RecorderError):
        resolve_script("demo:")
    assert build_command(Path("/b/TDW.x86_64"), 1071, (640, 360)) == [
        "/b/TDW.x86_64", "-port 1071", "-screenWidth", "640", "-screenHeight", "360"]


def test_the_builds_own_ffmpeg_records_its_window(no_orphans, machine, scene_env, tmp_path):
    scene_env["HOME"] = str(tmp_path)  # the build writes its Player.log under HOME: read this run's only
    out = tmp_path / "my clips"  # the build is given one argument string: the path is quoted in it
    _, result = run_scene(machine, scene_env, tmp_path, mode="video", region="tdw", backend="tdw-build",
                          scene="demo:moving_object", scene_args=["120"], screen_size="320x240", output_dir=str(out))
    assert result.error is None and result.finalised and result.path.parent == out
    video = stream(probe(result.path), "video")
    assert (video["width"], video["height"]) == (320, 240)
    numbers = frame_numbers(result.path)  # the build's window, aimed at by the position we found
    assert len(set(numbers)) > 20
    log = tmp_path.joinpath(".config/unity3d/MIT/TDW/Player.log").read_text()
    assert "Video capture stopped" in log  # stop_video_capture came before terminate
    [args] = [line for line in log.splitlines() if line.endswith("[TDWInput.StartVideoCaptureLinux]")]
    assert "-cluster_time_limit 500" in args and f'"{out}/' in args  # its ffmpeg ran our crash-safe arguments


def test_the_builds_own_ffmpeg_records_sound_too(machine, scene_env, tmp_path):
    _, result = run_scene(machine, scene_env, tmp_path, mode="av", audio="default", region="tdw",
                          backend="tdw-build", scene="demo:moving_object", scene_args=["360"], screen_size="320x240")
    assert result.error is None
    info = probe(result.path)
    assert stream(info, "video") is not None and stream(info, "audio") is not None


def test_stop_mid_scene_keeps_the_end_of_the_builds_own_file(no_orphans, machine, scene_env, tmp_path):
    # Stop ends the build, which ends its ffmpeg: one SIGTERM only (a second made ffmpeg drop its last cluster)
    kw = dict(mode="video", region="tdw", backend="tdw-build", scene="demo:moving_object", scene_args=["100000"],
              screen_size="320x240", build=str(BUILD_PATH), output_dir=str(tmp_path / "out"), connect_timeout=30)
    session = Session(plan(CaptureSettings(**kw), machine), env=scene_env)
    session.start()
    deadline = time.monotonic() + 60
    while (session.scene is None or session.scene.frames < 90) and time.monotonic() < deadline:
        time.sleep(0.05)
    rendered = session.scene.frames
    result = session.stop()
    assert result.error is None and rendered >= 90
    shown = [n for n in frame_numbers(result.path) if n]  # 0: the window was already gone
    assert shown[-1] >= rendered - 2, f"the file ends at frame {shown[-1]}, the scene had rendered {rendered}"


def test_build_backend_needs_a_scene(machine, tmp_path):
    with pytest.raises(ValidationError) as err:
        plan(CaptureSettings(output_dir=str(tmp_path), backend="tdw-build"), machine)
    assert "records a scene's window" in err.value.problems[0].message


def test_screen_route_follows_the_build_window_when_it_moves(machine, scene_env, tmp_path, xserver):
    kw = dict(mode="video", region="tdw", scene="demo:moving_object", scene_args=["240"], screen_size="320x240",
              build=str(BUILD_PATH), output_dir=str(tmp_path / "out"), connect_timeout=30)
    session = Session(plan(CaptureSettings(**kw), machine), env=scene_env)
    session.start()
    try:
        deadline = time.monotonic() + 20
        while session.recorder is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert wait_for_frames(session.paths.recording, 20)
        window = session.recorder.command[session.recorder.command.index("-window_id") + 1]
        before = X11Display(env=xserver.env()).window(int(window, 16)).region
        subprocess.run(["xdotool", "windowmove", str(int(window, 16)), "600", "400"], env=xserver.env(), check=True)
        time.sleep(0.5)
        after = X11Display(env=xserver.env()).window(int(window, 16)).region
        assert (after.x, after.y) != (before.x, before.y)  # it really moved
        assert session.wait(60)
    finally:
        result = session.stop()
    numbers = frame_numbers(result.path)
    late = numbers[len(numbers) * 3 // 4:]
    assert len(set(late)) > 5  # still the build's own picture, frame numbers moving, after the move


def test_audio_and_video_of_a_scene_hears_the_build(machine, scene_env, tmp_path):
    from tests.support.media import mean_volume_db

    scene_env["STANDIN_BUILD_TONE"] = "1"  # the build beeps every second, as a scene with impact sounds would
    _, result = run_scene(machine, scene_env, tmp_path, mode="av", audio="default", region="tdw",
                          scene="demo:moving_object", scene_args=["360"], screen_size="320x240")
    assert result.error is None
    info = probe(result.path)
    assert stream(info, "video")["width"] == 320 and stream(info, "audio") is not None
    assert mean_volume_db(result.path) > -60  # the beeps are in the file, not silence


def test_frame_route_encodes_at_the_scenes_own_framerate(machine, scene_env, tmp_path):
    _, result = run_scene(machine, scene_env, tmp_path, mode="video-frames", fps=30,
                          scene="demo:impact_sounds", scene_args=["30"])  # AudioInitializer asks for 60
    assert result.error is None
    assert stream(probe(result.path), "video")["r_frame_rate"] == "60/1"


def test_screen_route_does_not_miss_the_start_of_a_short_scene(machine, scene_env, tmp_path):
    # the script's first frame waits until the screen capture is really running
    # (audio + video: ffmpeg takes a second or more to open the sound server, longer than this scene lasts)
    _, result = run_scene(machine, scene_env, tmp_path, mode="av", audio="default", region="tdw",
                          scene="demo:moving_object", scene_args=["30"], screen_size="320x240")
    assert result.error is None
    numbers = set(frame_numbers(result.path))
    assert min(numbers) <= 3 and max(numbers) >= 29  # from its first frames to its last


def test_duration_ends_the_frame_route_after_exactly_that_many_frames(no_orphans, machine, scene_env, tmp_path):
    # a scene of 100 000 frames; --duration 1.5 at the scene's 30 fps keeps its first 45 frames and ends it
    session, result = run_scene(machine, scene_env, tmp_path, mode="video-frames", duration=1.5,
                                scene="demo:moving_object", scene_args=["100000"])
    assert result.error is None and result.finalised
    numbers = frame_numbers(result.path)
    assert numbers == list(range(numbers[0], numbers[0] + 45)) and session.recorder.frames_in == 45
    assert 1.4 <= float(probe(result.path)["format"]["duration"]) <= 1.6


def test_duration_ends_frames_with_sound_by_the_wall_clock(no_orphans, machine, scene_env, tmp_path):
    _, result = run_scene(machine, scene_env, tmp_path, mode="video-frames", audio="default", duration=2,
                          scene="demo:moving_object", scene_args=["100000"])
    assert result.error is None and result.finalised
    info = probe(result.path)
    video, audio = stream(info, "video"), stream(info, "audio")
    assert 1.7 <= float(video["duration"]) <= 2.6  # the picture's length
    # the sound covers the picture from its first frame: the scene waited until PulseAudio really sent (an idle
    # sink's first block comes 0.5-2 s after its stream opens: it went on too early and kept almost no sound)
    assert float(audio["start_time"]) <= float(video["start_time"]) + 0.1
    assert float(audio["duration"]) >= 0.9 * float(video["duration"])
    # and the picture moves from its start: the first image is shown from when the sound flowed, not frozen
    # through the wait (it held a second or more, and a wait longer than --duration left a 1-frame video)
    times = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "frame=pts_time",
                            "-of", "csv=p=0", str(result.path)], capture_output=True, text=True, check=True).stdout.split()
    first, second = (float(t.strip(",")) for t in times[:2])
    assert second - first < 0.5, times[:3]


def test_duration_ends_the_builds_own_recording(no_orphans, machine, scene_env, tmp_path):
    session, result = run_scene(machine, scene_env, tmp_path, mode="video", region="tdw", backend="tdw-build",
                                duration=2, scene="demo:moving_object", scene_args=["100000"], screen_size="320x240")
    assert result.error is None and result.finalised
    assert 1.5 <= float(probe(result.path)["format"]["duration"]) <= 3.5  # timed from the file's first bytes
    assert session.scene.frames < 100000


def test_tdws_launcher_chatter_is_kept_out_of_the_scene_log(machine, scene_env, tmp_path):
    """tdw prints "You need to launch your own build." when it does not launch one; here the recorder did."""
    script = tmp_path / "chatty.py"
    script.write_text("from tdw.controller import Controller\nc = Controller()\nprint('my own line', flush=True)\n"
                      "c.communicate({'$type': 'terminate'})\n")
    session, result = run_scene(machine, scene_env, tmp_path, mode="video", region="tdw", scene=str(script),
                                screen_size="320x240")
    deadline = time.monotonic() + 5
    while "my own line" not in session.scene_log and time.monotonic() < deadline:  # the log is read on a thread
        time.sleep(0.05)
    assert "my own line" in session.scene_log
    assert not [line for line in session.scene_log if "launch your own build" in line], session.scene_log
