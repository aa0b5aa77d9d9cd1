"""A recorded window that is minimised and shown again, or covered, does not end its recording."""

import subprocess
import threading
import time

from app.model.settings import CaptureSettings
from app.model.status import RecordingStatus
from app.preflight import plan
from app.session import Session
from tests.support.media import decoded_frames, probe, stream


def xdotool(env, *args):
    subprocess.run(["xdotool", *args], env=env, check=True, capture_output=True)


def test_minimising_and_showing_the_window_again_goes_on_in_one_file(no_orphans, machine, anim_window, tmp_path):
    window = anim_window("Minimise Me", 320, 240, 100, 80)
    statuses: list[RecordingStatus] = []
    session = Session(plan(CaptureSettings(region="window:Minimise Me", output_dir=str(tmp_path)), machine),
                      on_status=statuses.append, env=machine.env)
    session.start()

    def hide_and_show() -> None:
        time.sleep(1.5)
        xdotool(machine.env, "windowminimize", "--sync", str(window.window_id))
        time.sleep(1.5)
        xdotool(machine.env, "windowmap", "--sync", str(window.window_id))
        time.sleep(1.5)
        session.request_stop()

    threading.Thread(target=hide_and_show, daemon=True).start()
    assert session.wait(30)
    result = session.stop()
    assert result.error is None and result.finalised, result.error
    notes = [s.note for s in statuses if s.note]
    assert "The window is minimised or hidden: the recording waits and goes on when it is shown again." in notes
    assert notes[-1] == "The window is shown again: the recording goes on."
    video = stream(probe(result.path), "video")
    assert (video["width"], video["height"]) == (320, 240)
    # about 1.5 s before and 1.5 s after (the minimised stretch is left out, not frozen)
    assert decoded_frames(result.path) >= 60
    assert list(tmp_path.iterdir()) == [result.path]


def test_a_covered_window_goes_on_recording(no_orphans, machine, anim_window, tmp_path):
    anim_window("Covered", 320, 240, 100, 80)
    session = Session(plan(CaptureSettings(region="window:Covered", duration=3, output_dir=str(tmp_path)), machine),
                      env=machine.env)
    session.start()
    time.sleep(1)
    anim_window("Cover", 320, 240, 150, 120)  # opens on top of it
    assert session.wait(20)
    result = session.stop()
    assert result.error is None and result.finalised
    assert decoded_frames(result.path) >= 80


def test_a_recorded_window_that_closes_ends_the_recording_in_words_a_user_understands(no_orphans, machine, anim_window,
                                                                                       tmp_path):
    window = anim_window("Closing", 320, 240, 100, 80)
    session = Session(plan(CaptureSettings(region="window:Closing", output_dir=str(tmp_path)), machine), env=machine.env)
    session.start()
    time.sleep(1.5)
    xdotool(machine.env, "windowkill", str(window.window_id))
    assert session.wait(20)
    result = session.stop()
    assert result.error is not None and result.error.startswith("The recorded window was closed, so the recording stopped.")
    assert "Permission denied" not in result.error and "x11grab" not in result.error
    assert result.path is not None and result.finalised and decoded_frames(result.path) >= 30
