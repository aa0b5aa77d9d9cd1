"""Issue 19, class 2: every signal that ends a recording finishes it as Stop does (app/signals.py, one policy).

Through the real CLI as a terminal runs it (its own process group; Ctrl+C and a closed terminal signal the whole
group), the real window process and a real batch: SIGINT then a second SIGINT while it finishes, SIGINT then
SIGTERM, SIGHUP alone, a third Ctrl+C that stops now, a signal before the recording starts. Each time: one
message per signal, a final file that plays (or a crash-safe one that `recover` finishes exactly once), no
temporary folder left, no process left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from app.model.encoding import Encoding
from app.model.obs import PASSWORD_ENV
from app.model.settings import CaptureSettings
from app.output import reserve
from app.recovery import unfinished
from app.signals import AGAIN_S, STILL_FINISHING, STOPPING_NOW, EndingSignals, cut_finishing, finishes_a_recording
from tests.support.gui_process import GuiProcess, preset_settings, survivors
from tests.support.media import decoded_frames, wait_for_frames
from tests.support.terminal import ROOT, TerminalJob, slow_ffmpeg

SECRET = "obs-password-for-no-child"


def record(tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[TerminalJob, Path]:
    """`record --headless` of a 320x240 region until stopped; returns once its live file has frames."""
    out = tmp_path / "out"
    job = TerminalJob(["record", "--headless", "--mode", "video", "--region", "0,0,320x240", "--fps", "15",
                       "--out", str(out), *extra], tmp_path / "tmp", env)
    job.wait_until(lambda: list(out.glob("*.recording.mkv")), 30, "live file")
    wait_for_frames(next(out.glob("*.recording.mkv")), 10)
    return job, out


def slow_env(tmp_path: Path, seconds: float) -> tuple[list[str], dict[str, str]]:
    return ["--ffmpeg", str(slow_ffmpeg(tmp_path))], {**os.environ, "SLOW_REMUX_S": str(seconds)}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def listing(out: Path) -> list[str]:
    """What the folder holds, but hidden files (a recording's marker for `recover`); a hidden folder counts."""
    return sorted(p.name for p in out.iterdir() if not (p.name.startswith(".") and p.is_file()))


def finished_once(out: Path) -> Path:
    """The folder holds one final MP4 that plays, and nothing else; `recover` finds nothing more to do."""
    files = listing(out)
    assert len(files) == 1 and files[0].endswith(".mp4") and ".recording" not in files[0], files
    assert decoded_frames(out / files[0]) >= 10
    again = cli("recover", "--out", str(out))
    assert again.returncode == 0 and "No unfinished recordings" in again.stdout, again.stdout + again.stderr
    return out / files[0]


def servers_of(pid: int, tmp: Path) -> list[Path]:
    """The --headless servers' folders of this process: in its TMPDIR, or in /tmp when TMPDIR is too deep for a
    socket (app/unix_socket.py)."""
    found = []
    for folder in [*tmp.glob("tdw-recorder-headless-*"), *Path("/tmp").glob("tdw-recorder-headless-*")]:
        try:
            if (folder / "owner.pid").read_text() == str(pid):
                found.append(folder)
        except OSError:  # not written yet, or removed just now
            pass
    return found


def nothing_left(job: TerminalJob) -> None:
    assert job.descendants.alive() == [], "processes outlived the CLI"
    assert list(job.tmp.iterdir()) == [] and servers_of(job.proc.pid, job.tmp) == [], "temporary folders left behind"
    assert "Traceback" not in job.said, job.said


@pytest.mark.parametrize("second", [signal.SIGINT, signal.SIGTERM], ids=["sigint-sigint", "sigint-sigterm"])
def test_a_second_signal_while_finishing_says_so_and_the_file_is_still_finished(tmp_path, no_orphans, second):
    extra, env = slow_env(tmp_path, 2.0)  # the finishing takes a while: the second signal surely comes during it
    job, out = record(tmp_path, *extra, env=env)
    job.send(signal.SIGINT)
    job.wait_said("stopping; finishing the recording")
    job.send(second)
    job.wait_said(STILL_FINISHING)
    assert job.finish() == 0, job.said
    finished_once(out)
    nothing_left(job)


def test_sighup_alone_finishes_the_recording(tmp_path, no_orphans):
    job, out = record(tmp_path)
    job.send(signal.SIGHUP)  # the terminal was closed
    assert job.finish() == 0, job.said
    assert "SIGHUP (the terminal was closed): stopping; finishing the recording" in job.said
    finished_once(out)
    nothing_left(job)


def test_a_third_ctrl_c_stops_now_and_recover_finishes_the_file_once(tmp_path, no_orphans):
    extra, env = slow_env(tmp_path, 60.0)  # a finishing that would take a minute
    job, out = record(tmp_path, *extra, env=env)
    job.send(signal.SIGINT)
    job.wait_said("stopping; finishing the recording")
    job.send(signal.SIGINT)
    job.wait_said(STILL_FINISHING)
    job.send(signal.SIGINT)  # within AGAIN_S of the note
    assert job.finish() == 130, job.said
    assert STOPPING_NOW in job.said and "recover" in job.stdout[-1] + job.said
    [live] = unfinished(out)  # the crash-safe file, no longer held, and no half-written MP4 beside it
    assert listing(out) == [live.name]
    assert decoded_frames(live) >= 10
    done = cli("recover", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    finished_once(out)
    nothing_left(job)


def two_leftovers(out: Path) -> list[Path]:
    """What two recorders killed mid-recording left in `out`: marked crash-safe files that play."""
    out.mkdir()
    clip = out.parent / "clip.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=30:duration=0.5", "-c:v",
                    "libx264", "-preset", "ultrafast", str(clip)], check=True)
    lives = [reserve(out, name, "mkv", "mp4").recording for name in ("first", "second")]
    for live in lives:
        live.write_bytes(clip.read_bytes())
        os.utime(live, (1, 1) if live.name.startswith("first") else None)  # `recover` takes the oldest first
    return lives


@pytest.mark.parametrize("signals", [[signal.SIGTERM], [signal.SIGINT] * 3], ids=["sigterm", "ctrl-c-thrice"])
def test_a_signal_during_recover_says_what_it_does_and_a_later_recover_finishes_each_file_once(tmp_path, no_orphans, signals):
    out = tmp_path / "out"
    two_leftovers(out)
    extra, env = slow_env(tmp_path, 3.0)  # each remux takes a while: the signals surely come during the first
    job = TerminalJob(["recover", "--out", str(out), *extra], tmp_path / "tmp", env)
    job.wait_until(lambda: list(out.glob(".first.recovering-*")), 30, "the first remux")
    job.send(signals[0])
    job.wait_said("finishing first.recording.mkv, then stopping; the others stay for a later `tdw-recorder recover`")
    if len(signals) > 1:  # one more says what goes on; another within 2 s cuts the remux short
        job.send(signals[1])
        job.wait_said("Still finishing one file")
        job.send(signals[2])
    assert job.finish() == 130, job.said
    assert f"{len(signals) // 2 + 1} recording(s) stay unfinished" in job.said, job.said
    assert [p.name for p in unfinished(out)] == (["second.recording.mkv"] if len(signals) == 1
                                                  else ["first.recording.mkv", "second.recording.mkv"])
    assert not [p for p in out.iterdir() if ".recovering-" in p.name], "a half-finished remux was left"
    nothing_left(job)
    again = cli("recover", "--out", str(out))
    assert again.returncode == 0, again.stdout + again.stderr
    assert listing(out) == ["first.mp4", "second.mp4"]  # each finished once: no first-1.mp4
    assert all(decoded_frames(out / name) >= 10 for name in listing(out))


def test_sigterm_before_the_recording_starts_unwinds(tmp_path, no_orphans):
    out = tmp_path / "out"
    job = TerminalJob(["record", "--headless", "--mode", "video", "--region", "0,0,320x240", "--out", str(out)],
                      tmp_path / "tmp")
    job.wait_until(lambda: servers_of(job.proc.pid, job.tmp), 30, "private servers starting")
    job.send(signal.SIGTERM)
    assert job.finish() == 130, job.said
    assert "stopped (SIGTERM)" in job.said
    assert not out.exists() or not list(out.glob("*.recording.*"))
    nothing_left(job)


def test_sigterm_to_a_sync_check_unwinds_it_and_removes_its_files(tmp_path, no_orphans):
    job = TerminalJob(["sync-check", "--headless", "--seconds", "20"], tmp_path / "tmp")
    job.wait_until(lambda: [p for p in job.tmp.glob("tdw-sync-check-*/*.recording.*") if p.stat().st_size > 20_000], 60,
                   "the sync recording")
    job.send(signal.SIGTERM)
    assert job.finish() == 130, job.said
    assert "stopped (SIGTERM)" in job.said
    nothing_left(job)


# -- the window ----------------------------------------------------------------------------------------------------

def window(tmp_path: Path, env: dict[str, str], **settings) -> tuple[GuiProcess, Path]:
    config, out = tmp_path / "config", tmp_path / "out"
    out.mkdir()
    preset_settings(config, CaptureSettings(output_dir=str(out), min_free_mb=10, mode="video", region="0,0,320x240",
                                            fps=15, encoding=Encoding(preset="ultrafast"), **settings))
    gui = GuiProcess("record", config, env)
    gui.wait_for(lambda e: e["event"] == "status" and e.get("frames", 0) >= 15, 60, "15 frames recorded")
    return gui, out


def window_said(gui: GuiProcess, text: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in "".join(gui.output):
        assert time.monotonic() < deadline and gui.proc.poll() is None, "".join(gui.output)[-3000:]
        time.sleep(0.02)


def test_sighup_to_the_window_finishes_the_recording_and_no_child_sees_the_obs_password(env, tmp_path, no_orphans):
    gui, out = window(tmp_path, {**env, PASSWORD_ENV: SECRET})
    children = psutil.Process(gui.proc.pid).children(recursive=True)
    assert any(c.name() == "ffmpeg" for c in children)
    for child in children:
        assert PASSWORD_ENV not in child.environ(), child.cmdline()
    gui.proc.send_signal(signal.SIGHUP)
    assert gui.finish(60) == 0, "".join(gui.output)
    assert "SIGHUP (the terminal was closed): closing the window" in "".join(gui.output)
    assert str(gui.last("finished")["path"]).endswith(".mp4")
    assert survivors(children) == []
    finished_once(out)


def test_sigint_then_sigterm_to_the_window_says_it_is_still_finishing(env, tmp_path, no_orphans):
    gui, out = window(tmp_path, {**env, "SLOW_REMUX_S": "2"}, ffmpeg_path=str(slow_ffmpeg(tmp_path)))
    children = psutil.Process(gui.proc.pid).children(recursive=True)
    gui.proc.send_signal(signal.SIGINT)
    window_said(gui, "Ctrl+C: closing the window")
    gui.proc.send_signal(signal.SIGTERM)
    window_said(gui, STILL_FINISHING)
    assert gui.finish(60) == 0, "".join(gui.output)
    assert str(gui.last("finished")["path"]).endswith(".mp4")
    assert survivors(children) == []
    finished_once(out)


# -- a batch -------------------------------------------------------------------------------------------------------

def test_sighup_to_a_batch_stops_its_job_cleanly_and_marks_it_in_the_manifest(tmp_path):
    from tests.batch.conftest import bare_env, entries, jobs_toml

    jobs, out = jobs_toml(tmp_path, frames=[100000]), tmp_path / "out"  # a job that runs until stopped
    job = TerminalJob(["batch", str(jobs), "--out", str(out)], tmp_path / "tmp", bare_env())
    job.wait_until(lambda: (out / ".batch" / "clip-1.status.json").exists()
                   and '"recording"' in (out / ".batch" / "clip-1.status.json").read_text(), 60, "the job recording")
    job.wait_until(lambda: list(out.glob("clip-1.recording.*")) and next(out.glob("clip-1.recording.*")).stat().st_size
                   > 20_000, 30, "frames in the job's file")
    job.send(signal.SIGHUP)
    assert job.finish() == 130, job.said
    assert "SIGHUP (the terminal was closed): stopping the batch" in job.said
    entry = entries(out)["clip-1"]
    assert entry["status"] == "interrupted", entry
    assert entry["file"].startswith("partial/") and decoded_frames(out / entry["file"]) > 0
    assert not list(out.glob("clip-1.recording.*"))
    nothing_left(job)


# -- the policy itself ---------------------------------------------------------------------------------------------

def test_the_policy_counts_signals_and_a_late_third_one_only_says_again():
    clock = [0.0]
    said, stops, nows = [], [], []
    policy = EndingSignals(stops.append, said.append, lambda: nows.append(True), clock=lambda: clock[0])
    policy.handle(signal.SIGINT)
    assert stops == [signal.SIGINT] and said == []
    clock[0] = 1.0
    policy.handle(signal.SIGTERM)
    clock[0] = 1.0 + AGAIN_S + 0.5  # too late: said again, not stopped now
    policy.handle(signal.SIGINT)
    assert said == [STILL_FINISHING, STILL_FINISHING] and nows == []
    clock[0] += 1.0
    policy.handle(signal.SIGHUP)
    assert said[-1] == STOPPING_NOW and nows == [True] and policy.now_requested


def test_stop_now_kills_the_remux_of_a_crash_safe_file_and_nothing_else(tmp_path, no_orphans):
    live, final = tmp_path / "a.recording.mkv", tmp_path / "a.mp4"
    sleeper = "import time; time.sleep(60)"
    remux = subprocess.Popen([sys.executable, "-c", sleeper, "-i", str(live), "-c", "copy", str(final)])
    probe = subprocess.Popen([sys.executable, "-c", sleeper, "-i", str(live)])
    other = subprocess.Popen([sys.executable, "-c", sleeper, "-i", str(tmp_path / "parts.txt"), str(final)])
    assert finishes_a_recording(remux.args) and not finishes_a_recording(probe.args) and not finishes_a_recording(other.args)
    done = cut_finishing(watch_s=10)
    try:
        assert remux.wait(10) == -signal.SIGKILL
        time.sleep(0.3)
        assert probe.poll() is None and other.poll() is None
    finally:
        done.set()
        for proc in (remux, probe, other):
            proc.kill()
            proc.wait()
