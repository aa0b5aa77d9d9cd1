"""`--region monitor:<number or name>` on a real Xvfb split into two RandR monitors with `xrandr --setmonitor`:
parsing, resolving, the one-line error that lists the monitors, `sources`, and real recordings of one monitor."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from Xlib.display import Display

from app.capture.registry import BACKENDS
from app.errors import RecorderError
from app.machine import Machine
from app.model.region import Region, parse_region
from app.preflight import validate
from app.model.settings import CaptureSettings
from app.screen.resolve import Target, find_monitor, resolve
from app.screen.x11 import Monitor, X11Display
from tests.support.media import probe, stream
from tests.support.servers import XServer

ROOT = Path(__file__).resolve().parents[2]
LEFT = Monitor("LEFT", 0, 0, 640, 480, True)
RIGHT = Monitor("RIGHT", 640, 0, 640, 480, False)
LISTED = "use one of 1 (LEFT, 640x480+0+0, primary), 2 (RIGHT, 640x480+640+0)."


@contextmanager
def two_monitor_desk() -> Iterator[XServer]:
    """A 1280x480 Xvfb split into LEFT (primary, the one output's monitor) and RIGHT, side by side.

    LEFT takes over Xvfb's output `screen`, so RandR lists exactly these two (not the whole screen as a third)."""
    server = XServer(width=1280, height=480).start(window_manager=False)
    try:
        for name, geometry, output in (("*LEFT", "640/169x480/127+0+0", "screen"), ("RIGHT", "640/169x480/127+640+0", "none")):
            subprocess.run(["xrandr", "--setmonitor", name, geometry, output], env=server.env(), check=True, capture_output=True)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def desk():
    with two_monitor_desk() as server:
        yield server


@pytest.fixture
def display(desk):
    with X11Display(env=desk.env()) as shown:
        yield shown


@contextmanager
def solid_windows(server: XServer, *specs: tuple[Region, tuple[int, int, int]]) -> Iterator[None]:
    """Windows of one colour each, exactly where asked (override_redirect: no window manager moves them)."""
    conn = Display(server.display)
    screen = conn.screen()
    made = []
    for region, (red, green, blue) in specs:
        window = screen.root.create_window(region.x, region.y, region.width, region.height, 0, screen.root_depth,
                                           override_redirect=1, background_pixel=(red << 16) | (green << 8) | blue)
        window.map()
        made.append(window)
    conn.sync()
    try:
        yield
    finally:
        for window in made:
            window.destroy()
        conn.close()


def cli(env, *args, timeout=60):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def mean_colour(path: Path, at_s: float = 1.0) -> tuple[float, float, float]:
    """The mean red, green and blue of the frame at `at_s`, decoded to raw rgb24."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-ss", str(at_s), "-i", str(path), "-frames:v", "1",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    assert raw, f"no frame decoded from {path}"
    pixels = len(raw) // 3
    red, green, blue = (sum(raw[channel::3]) / pixels for channel in range(3))
    return red, green, blue


# -- parsing ----------------------------------------------------------------------------------------
def test_monitor_forms_parse():
    spec = parse_region("monitor:2")
    assert (spec.kind, spec.query, spec.region, str(spec)) == ("monitor", "2", None, "monitor:2")
    assert (parse_region(" Monitor: DP-1 ").kind, parse_region(" Monitor: DP-1 ").query) == ("monitor", "DP-1")


@pytest.mark.parametrize("text, words", [
    ("monitor:", "needs a monitor number or name"),
    ("monitor:  ", "needs a monitor number or name"),
    ("monitor:0", "numbered from 1"),
    ("monitors", "monitor:<number or name>"),  # the accepted forms now name the monitor form too
])
def test_bad_monitor_forms_are_one_line(text, words):
    with pytest.raises(RecorderError, match=words) as caught:
        parse_region(text)
    assert "\n" not in caught.value.message


def test_preflight_field_checks_accept_the_monitor_form(desk, pulse, tmp_path):
    machine = Machine(env=pulse.env(desk.env()), platform="linux")
    assert validate(CaptureSettings(region="monitor:2", output_dir=str(tmp_path)), machine) == []
    assert validate(CaptureSettings(region="monitor:right", output_dir=str(tmp_path)), machine) == []
    [problem] = validate(CaptureSettings(region="monitor:HDMI-9", output_dir=str(tmp_path)), machine)
    assert problem.field == "region" and problem.message == f"Monitor 'HDMI-9' is not connected: {LISTED}"
    [problem] = validate(CaptureSettings(region="monitor:", output_dir=str(tmp_path)), machine)
    assert problem.field == "region" and "monitor:2" in problem.message


def test_every_backend_that_records_rectangles_records_a_monitor():
    for backend in BACKENDS.values():
        assert ("rect" in backend.region_kinds) == ("monitor" in backend.region_kinds), backend.name


# -- resolving --------------------------------------------------------------------------------------
def test_the_desk_has_exactly_two_monitors(display):
    assert display.monitors() == [LEFT, RIGHT]
    assert display.size() == (1280, 480)


@pytest.mark.parametrize("text, expected", [
    ("monitor:1", Region(0, 0, 640, 480)),
    ("monitor:2", Region(640, 0, 640, 480)),
    ("monitor:RIGHT", Region(640, 0, 640, 480)),
    ("monitor:right", Region(640, 0, 640, 480)),  # no monitor is named exactly so: the name ignoring case
    ("monitor:Left", Region(0, 0, 640, 480)),
])
def test_a_monitor_resolves_to_its_rectangle(display, text, expected):
    assert resolve(parse_region(text), display) == Target(expected, None)


def test_a_name_in_its_own_case_wins_over_one_in_another():
    found = [Monitor("Right", 0, 0, 100, 100), Monitor("RIGHT", 100, 0, 100, 100)]
    assert find_monitor("RIGHT", found) == (2, found[1])
    assert find_monitor("Right", found) == (1, found[0])
    assert find_monitor("right", found) == (1, found[0])  # no exact name: the first that matches ignoring case
    assert find_monitor("2", found) == (2, found[1])


def test_an_odd_or_partly_off_screen_monitor_is_clamped_and_rounded_even(desk, display):
    env = desk.env()
    try:
        subprocess.run(["xrandr", "--setmonitor", "ODD", "481/127x301/80+701+101", "none"], env=env, check=True)
        subprocess.run(["xrandr", "--setmonitor", "BEYOND", "641/169x401/106+1001+301", "none"], env=env, check=True)
        assert resolve(parse_region("monitor:ODD"), display) == Target(Region(701, 101, 480, 300))
        assert resolve(parse_region("monitor:BEYOND"), display) == Target(Region(1001, 301, 278, 178))
    finally:
        for name in ("ODD", "BEYOND"):
            subprocess.run(["xrandr", "--delmonitor", name], env=env, capture_output=True)
    assert display.monitors() == [LEFT, RIGHT]


@pytest.mark.parametrize("text, message", [
    ("monitor:HDMI-9", f"Monitor 'HDMI-9' is not connected: {LISTED}"),
    ("monitor:3", f"Monitor 3 is not connected: {LISTED}"),
])
def test_an_unknown_monitor_is_one_line_that_lists_the_monitors(display, text, message):
    with pytest.raises(RecorderError) as caught:
        resolve(parse_region(text), display)
    assert caught.value.message == message


# -- the CLI ----------------------------------------------------------------------------------------
def test_sources_lists_both_monitors_with_the_region_to_type(desk, pulse):
    done = cli(pulse.env(desk.env()), "sources")
    assert done.returncode == 0, done.stderr
    listed = done.stdout.split("Monitors (use with --region monitor:<number or name>):\n", 1)[1].split("Windows", 1)[0]
    assert listed.splitlines() == ["  1  LEFT  640x480+0+0  primary  --region monitor:1",
                                   "  2  RIGHT  640x480+640+0  --region monitor:2"]


@pytest.mark.parametrize("region, colour", [("monitor:2", (0, 0, 255)), ("monitor:left", (255, 0, 0))])
def test_recording_one_monitor_records_exactly_that_monitor(desk, pulse, tmp_path, region, colour):
    """Red fills LEFT and blue fills RIGHT: the file is one monitor's size and shows that monitor's colour."""
    with solid_windows(desk, (LEFT.region, (255, 0, 0)), (RIGHT.region, (0, 0, 255))):
        done = cli(pulse.env(desk.env()), "record", "--region", region, "--duration", "2", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    saved = Path(done.stdout.split("Saved ", 1)[1].split("\n", 1)[0])
    video = stream(probe(saved), "video")
    assert video is not None and (video["width"], video["height"]) == (640, 480)
    mean = mean_colour(saved)
    assert all(abs(got - want) < 25 for got, want in zip(mean, colour)), mean  # yuv420p shifts a pure colour a little


def test_an_unknown_monitor_is_refused_before_anything_is_made(desk, pulse, tmp_path):
    done = cli(pulse.env(desk.env()), "record", "--region", "monitor:HDMI-9", "--duration", "1", "--out", str(tmp_path))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines == [f"tdw-recorder: Monitor 'HDMI-9' is not connected: {LISTED}"], done.stderr
    assert list(tmp_path.iterdir()) == []
