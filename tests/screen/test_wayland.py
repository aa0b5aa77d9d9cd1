"""A Wayland session against a real compositor: weston (headless) with Xwayland, as GNOME and KDE run X11 apps.

There, x11grab of the screen records black (Xwayland's root window is empty), so the screen, monitors and
rectangles are refused before anything is written; windows are recorded by their X window id.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.screen.session_type import session_type
from app.processes import stop_tree
from tests.support.media import probe, stream
from tests.support.wayland import in_child, open_window

ROOT = Path(__file__).resolve().parent.parent.parent
WAYLAND_REFUSAL = ("tdw-recorder: This is a Wayland session: x11grab sees only X11 windows there, so the screen records "
                   "black. Record the TDW window (--region tdw) or an X11 window (--region window:<title>), or log in to "
                   "an X11 session (\"GNOME on Xorg\").")

@pytest.fixture
def wayland_env(weston, pulse) -> dict[str, str]:
    """A Wayland desktop session's environment, with the test sound server."""
    return pulse.env(weston.env())


def cli(env, *args, timeout=60):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


KIND = "from app.screen.display import open_display; d = open_display(); print(d.kind, d.display, *d.size())"


def test_the_session_type_comes_from_the_environment():
    assert session_type({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}) == "wayland"
    assert session_type({"XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"}) == "wayland"
    assert session_type({"XDG_SESSION_TYPE": "x11", "DISPLAY": ":0"}) == "x11"
    assert session_type({"DISPLAY": ":0"}) == "x11"
    assert session_type({"WAYLAND_DISPLAY": "", "XDG_SESSION_TYPE": "tty"}) == "x11"


def test_xwayland_of_a_wayland_session_is_its_own_kind(weston):
    # a child process: python-xlib cannot talk to Xvfb and Xwayland from one process (tests/support/wayland.py)
    kind, display, width, height = in_child(weston.env(), KIND).split()
    assert (kind, display, int(width), int(height)) == ("xwayland", weston.display, 800, 600)


def test_xvfb_started_from_a_wayland_session_is_plain_x11(xserver, weston):
    # e.g. xvfb-run from a terminal of a Wayland desktop: WAYLAND_DISPLAY is set, but DISPLAY is an Xvfb
    env = xserver.env(weston.env())
    assert env["WAYLAND_DISPLAY"] and env["DISPLAY"] == xserver.display
    assert in_child(env, KIND).split()[:2] == ["x11", xserver.display]


def test_doctor_names_the_wayland_session_and_what_records(wayland_env, tmp_path):
    done = cli(wayland_env, "doctor", "--out", str(tmp_path))
    assert "Traceback" not in done.stderr
    display = next(line for line in done.stdout.splitlines() if line.split()[1:2] == ["display"])
    assert display.startswith("ok ") and f"Wayland session (Xwayland {wayland_env['DISPLAY']})" in display
    assert "windows recorded by id; the screen cannot be recorded by x11grab" in display
    assert "backend ffmpeg   ffmpeg; on this Wayland session only the tdw and window regions" in done.stdout
    obs = next(line for line in done.stdout.splitlines() if "backend obs-launch" in line)
    assert obs.startswith("-- ") and "PipeWire" in obs
    assert "screen capture" in done.stdout and "--   screen capture" in done.stdout  # reported, not "to fix"


@pytest.mark.parametrize("region", ["screen", "monitor:1", "0,0,320x240"])
def test_recording_the_screen_is_refused_before_anything_is_written(wayland_env, tmp_path, region):
    done = cli(wayland_env, "record", "--region", region, "--duration", "1", "--out", str(tmp_path))
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip() == WAYLAND_REFUSAL
    assert list(tmp_path.iterdir()) == []


def test_obs_is_refused_with_its_own_advice(wayland_env, tmp_path):
    done = cli(wayland_env, "record", "--backend", "obs-launch", "--region", "screen", "--duration", "1", "--out", str(tmp_path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    refusal = [line for line in done.stderr.splitlines()
               if line.startswith("tdw-recorder: This is a Wayland session: OBS's X11 screen capture (xshm)")]
    assert len(refusal) == 1 and "PipeWire" in refusal[0], done.stderr
    assert list(tmp_path.iterdir()) == []


def test_audio_only_still_records(wayland_env, tone, tmp_path):
    tone(10)
    done = cli(wayland_env, "record", "--mode", "audio", "--audio", "default", "--duration", "1", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    saved = Path(done.stdout.split("Saved ", 1)[1].split("\n", 1)[0])
    assert saved.exists() and stream(probe(saved), "audio") is not None


def test_a_window_on_xwayland_passes_preflight(wayland_env):
    window = open_window(wayland_env, "Wayland Preflight")
    try:
        code = ("from app.model.settings import CaptureSettings; from app.machine import Machine; "
                "from app.preflight import validate; "
                "print([p.message for p in validate(CaptureSettings(region='window:Wayland Preflight', platform='linux'), "
                "Machine(platform='linux')) if p.field == 'region'])")
        assert in_child(wayland_env, code).strip() == "[]"
    finally:
        stop_tree(window.pid, timeout=3)


def _mean_rgb(path: Path, at: float = 0.5) -> tuple[float, float, float]:
    raw = subprocess.run(["ffmpeg", "-v", "error", "-ss", str(at), "-i", str(path), "-frames:v", "1", "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    pixels = len(raw) // 3
    assert pixels > 0
    return tuple(sum(raw[c::3]) / pixels for c in range(3))  # type: ignore[return-value]


def test_an_x11_window_recorded_under_wayland_is_not_black(wayland_env, tmp_path):
    window = open_window(wayland_env, "Wayland Window", 320, 240)
    try:
        done = cli(wayland_env, "record", "--region", "window:Wayland Window", "--duration", "2", "--out", str(tmp_path))
    finally:
        stop_tree(window.pid, timeout=3)
    assert done.returncode == 0, done.stderr
    saved = Path(done.stdout.split("Saved ", 1)[1].split("\n", 1)[0])
    video = stream(probe(saved), "video")
    assert video is not None and (video["width"], video["height"]) == (320, 240)
    # the window flashes #f0f0f0 for one of every 30 paints (a frame of it can be the one sampled): the darkest of three
    red, green, blue = min((_mean_rgb(saved, at) for at in (0.4, 0.9, 1.4)), key=sum)
    # the window's background is #202040 with a yellow box: far from black, blue above red
    assert red + green + blue > 60 and blue >= red, (red, green, blue)
