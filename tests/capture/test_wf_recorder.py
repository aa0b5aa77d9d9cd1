"""The wf-recorder backend against a real sway (headless, pixman, one 640x480 output filled with red by swaybg):
the screen, a monitor and a rectangle of a wlroots Wayland desktop are recorded through wlr-screencopy, and the
backend is refused, in one line, where it cannot record (weston: no wlr-screencopy; Xvfb: no Wayland session).

Each recording runs the real CLI in a child process, as a user does: `unavailable()` reads the process's own
environment, and python-xlib talks to one X server per process (tests/support/wayland.py).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from app.screen import wayland_outputs
from tests.support.media import decoded_frames, probe, stream, wait_for_frames
from tests.support.sway import SwayServer, sway_available
from tests.support.wayland import WestonServer, weston_available

ROOT = Path(__file__).resolve().parents[2]
WIDTH, HEIGHT = 640, 480


@pytest.fixture(scope="module")
def sway():
    missing = sway_available()
    if missing:
        pytest.skip(missing)
    server = SwayServer(width=WIDTH, height=HEIGHT, background="#ff0000").start()
    yield server
    server.stop()


@pytest.fixture
def sway_env(sway, pulse) -> dict[str, str]:
    """A sway desktop session's environment, with the test sound server."""
    return pulse.env(sway.env())


@pytest.fixture
def nothing_left():
    """No wf-recorder, and no ffmpeg reading its stream, outlives the CLI (they are the CLI's children, not ours,
    so `no_orphans` would not see them once the CLI has gone); no private FIFO folder is left either."""
    before = set(Path("/tmp").glob("tdwrec-wf-*"))
    yield
    deadline = time.monotonic() + 5
    while True:
        left = [p for p in psutil.process_iter(["name", "cmdline"])
                if p.info["name"] == "wf-recorder" or any("tdwrec-wf-" in part for part in p.info["cmdline"] or [])]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not left, f"left running: {[(p.pid, p.info['name']) for p in left]}"
    assert set(Path("/tmp").glob("tdwrec-wf-*")) <= before


def cli(env, *args, timeout=60):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def saved(done: subprocess.CompletedProcess) -> Path:
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.split("Saved ", 1)[1].split("\n", 1)[0])


def mean_rgb(path: Path, at: float = 0.5) -> tuple[float, ...]:
    raw = subprocess.run(["ffmpeg", "-v", "error", "-ss", str(at), "-i", str(path), "-frames:v", "1", "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    pixels = len(raw) // 3
    assert pixels > 0
    return tuple(sum(raw[c::3]) / pixels for c in range(3))


def only_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_the_outputs_come_from_sway_and_from_the_protocol_alike(sway):
    env = sway.env()
    assert wayland_outputs.WLR_SCREENCOPY in wayland_outputs.interfaces(env)
    from_sway = wayland_outputs.outputs(env)  # swaymsg -t get_outputs --raw
    env.pop("SWAYSOCK")
    from_protocol = wayland_outputs.outputs(env)  # xdg-output over the Wayland socket
    assert [(o.name, o.region) for o in from_sway] == [(o.name, o.region) for o in from_protocol]
    assert [(o.name, str(o.region)) for o in from_sway] == [("HEADLESS-1", f"0,0,{WIDTH}x{HEIGHT}")]


def test_doctor_lists_wf_recorder_as_usable(sway_env, tmp_path):
    done = cli(sway_env, "doctor", "--out", str(tmp_path))
    assert "Traceback" not in done.stderr
    lines = {tuple(line.split()[1:3]): line for line in done.stdout.splitlines()}
    backend = lines[("backend", "wf-recorder")]
    assert backend.startswith("ok ") and "the monitor and rect and screen regions" in backend, done.stdout
    screen = lines[("screen", "capture")]
    assert screen.startswith("ok ") and "--backend wf-recorder" in screen, done.stdout


def test_the_screen_is_the_output_in_its_colour(sway_env, tmp_path, nothing_left):
    done = cli(sway_env, "record", "--backend", "wf-recorder", "--region", "screen", "--duration", "2",
               "--out", str(tmp_path))
    path = saved(done)
    assert path.suffix == ".mp4" and sorted(tmp_path.iterdir()) == [path]  # the live file was finalised away
    info = probe(path)
    video = stream(info, "video")
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", WIDTH, HEIGHT)
    assert video["r_frame_rate"] == "30/1" and 58 <= int(video["nb_read_frames"]) <= 62
    assert abs(float(info["format"]["duration"]) - 2.0) < 0.15
    red, green, blue = mean_rgb(path)
    assert red > 230 and green < 25 and blue < 25, (red, green, blue)  # output * bg #ff0000
    assert f"duration 2.00 s, {video['nb_read_frames']} frames" in done.stdout  # counted by our ffmpeg's -progress


@pytest.mark.parametrize("region, size", [("100,60,320x240", (320, 240)), ("monitor:1", (WIDTH, HEIGHT)),
                                          ("monitor:HEADLESS-1", (WIDTH, HEIGHT))])
def test_a_rectangle_or_a_monitor_has_its_size(sway_env, tmp_path, nothing_left, region, size):
    path = saved(cli(sway_env, "record", "--backend", "wf-recorder", "--region", region, "--duration", "1",
                     "--out", str(tmp_path)))
    video = stream(probe(path), "video")
    assert (video["width"], video["height"]) == size
    assert mean_rgb(path, 0.2)[0] > 230


def test_sound_and_picture(sway_env, tone, tmp_path, nothing_left):
    tone(10)
    path = saved(cli(sway_env, "record", "--backend", "wf-recorder", "--mode", "av", "--audio", "default",
                     "--duration", "2", "--out", str(tmp_path)))
    info = probe(path)
    audio, video = stream(info, "audio"), stream(info, "video")
    assert audio is not None and audio["codec_name"] == "aac" and video["width"] == WIDTH
    assert float(audio["duration"]) > 1.5


def test_the_audio_offset_moves_the_sound(sway_env, tone, tmp_path, nothing_left):
    tone(10)
    path = saved(cli(sway_env, "record", "--backend", "wf-recorder", "--mode", "av", "--audio", "default",
                     "--audio-offset", "500", "--duration", "2", "--out", str(tmp_path)))
    info = probe(path)
    audio, video = stream(info, "audio"), stream(info, "video")
    assert abs(float(audio["start_time"]) - float(video["start_time"]) - 0.5) < 0.05, (audio["start_time"], video["start_time"])


def test_ctrl_c_ends_the_recording_and_keeps_it(sway_env, tmp_path, nothing_left):
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "record", "--backend", "wf-recorder", "--region",
                             "screen", "--out", str(tmp_path)], env=sway_env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    time.sleep(3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Traceback" not in err, err
    [mp4] = list(tmp_path.glob("*.mp4"))
    assert float(probe(mp4)["format"]["duration"]) > 1.5 and mean_rgb(mp4)[0] > 230


def test_killing_the_cli_leaves_a_playable_file_and_nothing_running(sway_env, tmp_path, nothing_left):
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "record", "--backend", "wf-recorder", "--region",
                             "screen", "--out", str(tmp_path)], env=sway_env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.monotonic() + 20
    while not list(tmp_path.glob("*.recording.mkv")) and time.monotonic() < deadline:
        time.sleep(0.1)
    [live] = list(tmp_path.glob("*.recording.mkv"))
    on_disk = wait_for_frames(live, 30)
    children = psutil.Process(proc.pid).children(recursive=True)
    assert {"wf-recorder", "ffmpeg"} <= {c.name() for c in children}
    proc.kill()
    proc.wait()
    gone, alive = psutil.wait_procs(children, timeout=15)
    assert not alive, f"orphans: {alive}"
    assert decoded_frames(live) >= on_disk  # what was on disk when the recorder died still plays


@pytest.fixture(scope="module")
def two_outputs(sway):
    """Another sway with a second output, HEADLESS-2, right of the first and blue."""
    server = SwayServer(width=WIDTH, height=HEIGHT, background="#ff0000").start()
    try:
        for command in (["create_output"], ["output", "HEADLESS-2", "position", str(WIDTH), "0", "bg", "#0000ff", "solid_color"]):
            subprocess.run(["swaymsg", *command], env=server.env(), check=True, capture_output=True, timeout=10)
        deadline = time.monotonic() + 10
        while [str(o.region) for o in wayland_outputs.outputs(server.env())][1:] != [f"{WIDTH},0,{WIDTH}x{HEIGHT}"]:
            assert time.monotonic() < deadline, "the second output never took its place"
            time.sleep(0.1)
        time.sleep(1.0)  # swaybg, started again, draws both colours
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("region, size, colour", [("monitor:1", (WIDTH, HEIGHT), 0), ("monitor:2", (WIDTH, HEIGHT), 2),
                                                  ("monitor:HEADLESS-2", (WIDTH, HEIGHT), 2),
                                                  (f"{WIDTH + 60},10,320x240", (320, 240), 2)])
def test_each_output_of_two_is_its_own_picture(two_outputs, pulse, tmp_path, nothing_left, region, size, colour):
    path = saved(cli(pulse.env(two_outputs.env()), "record", "--backend", "wf-recorder", "--region", region,
                     "--duration", "1", "--out", str(tmp_path)))
    video = stream(probe(path), "video")
    assert (video["width"], video["height"]) == size
    rgb = mean_rgb(path, 0.2)
    assert rgb[colour] > 230 and sum(rgb) - rgb[colour] < 50, rgb  # red: the first output; blue: the second


def test_the_screen_of_two_outputs_asks_for_one(two_outputs, pulse, tmp_path):
    done = cli(pulse.env(two_outputs.env()), "record", "--backend", "wf-recorder", "--region", "screen", "--duration", "1",
               "--out", str(tmp_path))
    assert done.returncode == 2
    assert only_line(done.stderr) == (
        "tdw-recorder: This Wayland desktop has 2 outputs and wf-recorder records one: choose --region monitor:<number or "
        f"name> of 1 (HEADLESS-1, {WIDTH}x{HEIGHT}+0+0), 2 (HEADLESS-2, {WIDTH}x{HEIGHT}+{WIDTH}+0).")


def test_the_ffmpeg_backend_points_at_wf_recorder(sway_env, tmp_path):
    done = cli(sway_env, "record", "--backend", "ffmpeg", "--region", "screen", "--duration", "1", "--out", str(tmp_path))
    assert done.returncode == 2
    assert only_line(done.stderr) == (
        "tdw-recorder: This is a Wayland session: the ffmpeg backend cannot record the screen there, and this desktop "
        "can be recorded by the wf-recorder backend: add --backend wf-recorder.")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("region, words", [("600,0,320x240", "does not lie inside one output"),
                                           ("monitor:2", "Output 2 does not exist"),
                                           ("window:anything", "cannot record a window region")])
def test_what_wf_recorder_cannot_record_is_refused_in_one_line(sway_env, tmp_path, region, words):
    done = cli(sway_env, "record", "--backend", "wf-recorder", "--region", region, "--duration", "1", "--out", str(tmp_path))
    assert done.returncode == 2 and words in only_line(done.stderr)
    assert list(tmp_path.iterdir()) == []


def test_weston_has_no_wlr_screencopy(pulse, tmp_path):
    missing = weston_available()
    if missing:
        pytest.skip(missing)
    weston = WestonServer(width=640, height=480).start()
    try:
        done = cli(pulse.env(weston.env()), "record", "--backend", "wf-recorder", "--region", "screen", "--duration", "1",
                   "--out", str(tmp_path))
    finally:
        weston.stop()
    assert done.returncode == 2
    assert "This Wayland compositor has no wlr-screencopy" in only_line(done.stderr)
    assert list(tmp_path.iterdir()) == []


def test_an_x11_session_is_refused(env, tmp_path):
    plain = {k: v for k, v in env.items() if k not in ("WAYLAND_DISPLAY", "SWAYSOCK", "XDG_SESSION_TYPE")}
    done = cli(plain, "record", "--backend", "wf-recorder", "--region", "screen", "--duration", "1", "--out", str(tmp_path))
    assert done.returncode == 2
    assert "this is not a Wayland session: use the ffmpeg backend" in only_line(done.stderr)
    assert list(tmp_path.iterdir()) == []
