"""TDW's frames + the build's sound (video-frames mode with audio): picture and sound line up by the wall clock.

The stand-in build flashes its picture and starts a beep at the same instant, once a second. The scene asks
for 30 frames/s but spends 0.1 s per frame, so the build renders ~9 frames/s: at 1/30 s per frame (as
`image2pipe` would encode them) the flashes would drift seconds away from their beeps.
"""

import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.preflight import plan
from app.session import Session
from app.model.settings import CaptureSettings
from app.sync.measure import beep_onsets, loudness_series, luma_series, onsets, pair
from tests.support.media import probe, stream
from tests.support.standin_build import BUILD_PATH

SCENE = Path(__file__).parent.parent / "support" / "scenes" / "slow_sound_scene.py"
NOMINAL_FPS = 30


def live_streams(path: Path) -> set[str]:
    try:
        return {s["codec_type"] for s in probe(path)["streams"]}
    except subprocess.CalledProcessError:
        return set()


def video_packets(path: Path) -> int:
    done = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-count_packets", "-show_entries",
                           "stream=nb_read_packets", "-of", "csv=p=0", str(path)], capture_output=True, text=True, check=True)
    return int(done.stdout.strip())


def flash_starts(luma: list[tuple[float, float]]) -> list[float]:
    """The presentation time of each first flashed frame (the frame on which the build beeped)."""
    values = sorted(v for _, v in luma)
    return onsets(luma, (values[len(values) // 10] + values[-1]) / 2)


@pytest.fixture
def scene_env(env):
    return dict(env, STANDIN_BUILD_PYTHON=sys.executable)


def test_beeps_land_on_their_flashed_frames_when_the_scene_runs_slower_than_its_framerate(no_orphans, machine,
                                                                                         scene_env, tmp_path):
    settings = CaptureSettings(mode="video-frames", audio="default", fps=NOMINAL_FPS, scene=str(SCENE),
                               scene_args=["7", "0.1"], build=str(BUILD_PATH), connect_timeout=30,
                               output_dir=str(tmp_path))
    session = Session(plan(settings, machine), env=scene_env)
    session.start()
    # While it records, the crash-safe live file already holds picture and sound (what a kill -9 would leave).
    deadline = time.monotonic() + 60
    while live_streams(session.paths.recording) != {"video", "audio"}:
        assert time.monotonic() < deadline and not session.ended.is_set(), "the live file never held both streams"
        time.sleep(0.3)
    assert session.wait(90), "the scene did not end"
    result = session.stop()
    assert result.error is None and result.finalised and result.path.suffix == ".mp4"
    assert result.audio == f"Audio from {machine.pulse.default_sink()}.monitor: the sink the TDW build plays to."
    assert session.recorder.listening  # the scene waited for ffmpeg's sound stream after its first image
    info = probe(result.path)
    assert stream(info, "video")["codec_name"] == "h264" and stream(info, "audio")["codec_name"] == "aac"
    assert video_packets(result.path) == session.recorder.frames_in  # one video frame per image, none added

    luma = luma_series("ffmpeg", result.path)
    step = statistics.median(b - a for (a, _), (b, _) in zip(luma, luma[1:]))
    assert step > 2 / NOMINAL_FPS  # the scene really ran slower than its framerate
    flashes = flash_starts(luma)
    pairs = pair(flashes, beep_onsets(loudness_series("ffmpeg", result.path)))
    assert len(pairs) >= 2, (flashes, pairs)
    # each beep starts within two frames of the picture it was played on (the stand-in's own output
    # latency, ~40-70 ms, included: the sound really leaves the build that much later)
    assert all(abs(offset_ms) <= 2 * step * 1000 for _, offset_ms in pairs), pairs
    # the same frames at 1/30 s each would have put those flashes far from their beeps
    index = {t: i for i, (t, _) in enumerate(luma)}
    assert max(abs(index[t] / NOMINAL_FPS - (t + offset_ms / 1000)) for t, offset_ms in pairs) > 1.0
