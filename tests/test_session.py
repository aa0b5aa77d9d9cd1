"""Real recordings through the engine: real Xvfb window, real PulseAudio, real ffmpeg, checked by ffprobe."""

import os
import signal
import threading
import time


from app.preflight import plan
from app.session import Session
from app.model.status import RecordingStatus
from app.model.settings import CaptureSettings
from tests.support.media import decoded_frames, mean_volume_db, moov_before_mdat, probe, stream, wait_for_frames


def record(machine, tmp_path, seconds=None, stop_after=None, on_status=None, **kw):
    kw.setdefault("output_dir", str(tmp_path))
    session = Session(plan(CaptureSettings(duration=seconds, **kw), machine), on_status=on_status, env=machine.env)
    session.start()
    session.wait(stop_after if stop_after is not None else (seconds or 0) + 15)
    return session, session.stop()


def test_window_recording_is_a_finalised_mp4_with_the_asked_figures(no_orphans, machine, anim_window, tmp_path):
    anim_window("Clip Source", 320, 240, 100, 80)
    statuses: list[RecordingStatus] = []
    session, result = record(machine, tmp_path, seconds=3, region="window:Clip Source", on_status=statuses.append)
    assert result.error is None and result.finalised
    assert result.path.suffix == ".mp4" and result.path.exists()
    assert list(tmp_path.iterdir()) == [result.path]  # the crash-safe file was replaced by the MP4
    info = probe(result.path)
    video = stream(info, "video")
    assert (video["codec_name"], video["width"], video["height"], video["pix_fmt"]) == ("h264", 320, 240, "yuv420p")
    assert video["r_frame_rate"] == "30/1"
    assert 2.9 <= float(info["format"]["duration"]) <= 3.2
    assert stream(info, "audio") is None
    assert moov_before_mdat(result.path)
    assert 85 <= result.frames <= 91 and abs(result.duration_s - 3.0) < 0.2
    # live status: at least twice a second, frames growing, then the final states
    recording = [s for s in statuses if s.state == "recording"]
    assert len(recording) >= 5 and recording[-1].frames > recording[0].frames
    assert statuses[-1].state == "done"
    finishing = [s.finishing_pct for s in statuses if s.state == "finalising"]
    assert finishing[0] == 0 and finishing[-1] == 100 and finishing == sorted(finishing)  # the remux's progress


def test_audio_and_video_has_a_real_audio_stream(machine, anim_window, tone, tmp_path):
    anim_window("AV Source", 320, 240, 100, 80)
    tone(20)
    statuses: list[RecordingStatus] = []
    _, loud = record(machine, tmp_path / "loud", seconds=3, region="window:AV Source", mode="av", audio="default", fps=30,
                     on_status=statuses.append)
    levels = [st.audio_peak_db for st in statuses if st.audio_peak_db is not None]
    assert levels and max(levels) > -30  # the live meter hears the tone while recording
    info = probe(loud.path)
    audio = stream(info, "audio")
    assert audio is not None and audio["codec_name"] == "aac"
    assert float(audio["duration"]) > 2.0
    # frames arrive and move (drops under load are the benchmark's business, not a pass/fail here)
    assert int(stream(info, "video")["nb_read_frames"]) >= 30
    assert mean_volume_db(loud.path) > -30


def test_silence_is_measured_as_silence(machine, anim_window, tmp_path):
    """The loudness check above can fail: with nothing playing, the same recording is silent."""
    anim_window("Quiet Source", 320, 240, 100, 80)
    statuses: list[RecordingStatus] = []
    _, quiet = record(machine, tmp_path, seconds=2, region="window:Quiet Source", mode="av", audio="default", fps=30,
                      on_status=statuses.append)
    assert all(st.audio_peak_db is None or st.audio_peak_db < -80 for st in statuses)
    assert mean_volume_db(quiet.path) < -80


def test_stop_before_the_end_keeps_what_was_recorded(machine, anim_window, tmp_path):
    anim_window("Stop Early", 320, 240, 100, 80)
    _, result = record(machine, tmp_path, stop_after=2, region="window:Stop Early")
    assert result.error is None and result.finalised
    assert 1.5 < float(probe(result.path)["format"]["duration"]) < 3.5


def test_two_recordings_in_the_same_second_get_two_files(machine, anim_window, tmp_path):
    anim_window("Twice", 320, 240, 100, 80)
    kw = dict(region="window:Twice", name_pattern="same-name", output_dir=str(tmp_path))
    first = Session(plan(CaptureSettings(duration=1, **kw), machine), env=machine.env)
    second = Session(plan(CaptureSettings(duration=1, **kw), machine), env=machine.env)
    first.start(), second.start()
    first.wait(15), second.wait(15)
    paths = {first.stop().path.name, second.stop().path.name}
    assert paths == {"same-name.mp4", "same-name-1.mp4"}


def test_ffmpeg_killed_mid_recording_leaves_a_playable_file_and_a_clear_error(no_orphans, machine, anim_window, tmp_path):
    anim_window("Kill Me", 320, 240, 100, 80)
    session = Session(plan(CaptureSettings(region="window:Kill Me", output_dir=str(tmp_path)), machine), env=machine.env)
    session.start()
    on_disk = wait_for_frames(session.paths.recording, 45)
    os.kill(session.recorder.pids()[0], signal.SIGKILL)
    assert session.wait(10)
    result = session.stop()
    assert result.error and result.error.startswith("ffmpeg stopped unexpectedly") and "kept" in result.error
    assert result.path is not None and result.finalised
    assert decoded_frames(result.path) >= on_disk  # everything flushed before the kill is in the MP4


def test_the_crash_safe_file_decodes_while_ffmpeg_is_still_recording(machine, anim_window, tmp_path):
    anim_window("Peek", 320, 240, 100, 80)
    session = Session(plan(CaptureSettings(region="window:Peek", output_dir=str(tmp_path)), machine), env=machine.env)
    session.start()
    try:
        assert wait_for_frames(session.paths.recording, 30) >= 30
        assert session.recorder.progress().frames > 0 and session.status.state == "recording"
    finally:
        session.stop()


def test_status_is_delivered_without_blocking_the_caller(machine, anim_window, tmp_path):
    anim_window("Busy", 320, 240, 100, 80)
    threads = set()
    session = Session(plan(CaptureSettings(region="window:Busy", output_dir=str(tmp_path)), machine),
                      on_status=lambda s: threads.add(threading.current_thread().name), env=machine.env)
    before = time.monotonic()
    session.start()
    started_in = time.monotonic() - before
    time.sleep(1.5)
    session.stop()
    assert "ffmpeg-progress" in threads  # progress arrives on the reader thread, not the caller's
    assert started_in < 5  # start() returns once ffmpeg is launched (behaviour bound, not a benchmark)


def test_x_server_going_away_is_named_and_the_file_kept(tmp_path):
    from app.machine import Machine
    from tests.support.servers import XServer

    x = XServer(640, 480).start(window_manager=False)
    try:
        machine = Machine(env=x.env(), platform="linux")
        session = Session(plan(CaptureSettings(region="0,0,320x240", output_dir=str(tmp_path)), machine), env=x.env())
        session.start()
        wait_for_frames(session.paths.recording, 15)
    finally:
        x.stop()
    assert session.wait(20)
    result = session.stop()
    assert result.error.startswith(f"The X display {x.display} went away mid-recording") and "kept" in result.error
    assert decoded_frames(result.path) >= 15


def test_sound_server_going_away_is_named_and_the_file_kept(tmp_path, xserver, anim_window):
    from app.machine import Machine
    from tests.support.servers import PulseServer

    pulse = PulseServer().start()
    try:
        env = pulse.env(xserver.env())
        anim_window("Sound Goes", 320, 240, 100, 80)
        machine = Machine(env=env, platform="linux")
        settings = CaptureSettings(region="window:Sound Goes", mode="av", audio="default", fps=30,
                                   output_dir=str(tmp_path))
        session = Session(plan(settings, machine), env=env)
        session.start()
        wait_for_frames(session.paths.recording, 15)
    finally:
        pulse.stop()
    assert session.wait(30), "losing the sound server went unnoticed"
    result = session.stop()
    assert result.error.startswith("The sound server went away mid-recording") and "kept" in result.error
    assert decoded_frames(result.path) >= 15
