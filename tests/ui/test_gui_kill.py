"""`kill -9` of the window mid-recording, per backend that runs without OBS (OBS: tests/obs/test_gui_kill_obs.py).

The real window runs in its own process (tests.support.gui_driver) and is killed with SIGKILL while it
records. Then: no process it started survives, the crash-safe file on disk plays and holds at least 95 %
of what the window last reported as recorded, and the next start of the window offers to finish it —
and finishing it gives an MP4 that plays.
"""

from __future__ import annotations

import subprocess

import pytest

from app.model.encoding import Encoding
from app.recovery import unfinished
from app.model.settings import CaptureSettings
from tests.support.gui_process import next_start_finishes, playable_frames, preset_settings, record_then_kill
from tests.support.standin_build import BUILD_PATH

FPS = 30
REPORTED = 3 * FPS  # kill once the window has reported this many frames
SCENE = dict(scene="demo:moving_object", scene_args=["100000"], build=str(BUILD_PATH), connect_timeout=30)
CASES = {  # backend -> (settings, what the window reports as recorded: ffmpeg's frames, or the frames the scene rendered)
    "ffmpeg-video": (dict(mode="video", region="100,80,320x240"), "status"),
    "ffmpeg-av": (dict(mode="av", audio="default", region="100,80,320x240"), "status"),
    "video-frames": (dict(mode="video-frames", **SCENE), "scene"),
    "tdw-build": (dict(mode="video", backend="tdw-build", region="tdw", screen_size="320x240", **SCENE), "scene"),
}


def audio_seconds(path) -> float:
    """Where the last audio packet ends, in seconds."""
    rows = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a", "-show_entries", "packet=pts_time,duration_time",
                           "-of", "csv=p=0", str(path)], capture_output=True, text=True, check=True).stdout.split()
    pts, duration = rows[-1].split(",")[:2]
    return float(pts) + float(duration or 0)


@pytest.mark.parametrize("backend", list(CASES))
def test_kill_9_of_the_window_keeps_a_playable_file_and_the_next_start_finishes_it(backend, env, anim_window, tone, tmp_path):
    settings, source = CASES[backend]
    if not settings.get("scene"):
        anim_window(f"GUI Kill {backend}", 320, 240, 100, 80)
    if settings["mode"] == "av":
        tone(60)
    config, out = tmp_path / "config", tmp_path / "out"
    out.mkdir()
    preset_settings(config, CaptureSettings(output_dir=str(out), min_free_mb=10, fps=FPS, encoding=Encoding(preset="ultrafast"),
                                            **settings))
    reported, left = record_then_kill(config, env, source, REPORTED)
    assert left == [], f"processes the window started survived it: {left}"

    [live] = unfinished(out)  # the crash-safe file, held by no one any more
    assert ".recording." in live.name
    assert playable_frames(live) >= 0.95 * reported, "the file lost more than 5 % of what the window reported"
    if settings["mode"] == "av":
        assert audio_seconds(live) >= 0.95 * reported / FPS, "the sound lost more than 5 % of the recorded time"

    # the next start says so and offers to finish it; finishing gives a playable MP4 and removes the leftover
    offered, done = next_start_finishes(config, env)
    assert offered["paths"] == [str(live)] and "left unfinished" in offered["text"] and "\n" not in offered["text"]
    assert done["kind"] == "success" and done["text"].startswith("Finished: "), done
    [finished] = list(out.iterdir())
    assert finished.suffix == ".mp4" and finished.name in done["text"] and str(finished) in done["listed"]
    assert playable_frames(finished) >= 0.95 * reported
