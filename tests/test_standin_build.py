"""The stand-in TDW build must be indistinguishable from a real build for tdw's own Controller:
these tests drive it with the real `tdw.controller.Controller` and check what tests of the
recorder rely on (frame numbers in every picture, screen size, window, exit codes, sound)."""
from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional

import numpy as np
import pytest
import zmq
from PIL import Image
from tdw.controller import Controller
from tdw.output_data import Images, OutputData, QuitSignal
from tdw.tdw_utils import TDWUtils

try:
    from tests.support.standin_build import BUILD_PATH, decode_frame_number, render
    from tests.support.standin_build.build_outputs import encode_png
except ImportError:  # tests/ itself on sys.path (pytest rootdir-relative import)
    from support.standin_build import BUILD_PATH, decode_frame_number, render
    from support.standin_build.build_outputs import encode_png

SEED_OPTION_A = Path(__file__).resolve().parent / "support" / "scenes" / "seed_option_a.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def build_env(**extra: str) -> Dict[str, str]:
    """Headless unless a test passes DISPLAY; a stray build gives up after a minute."""
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY" and not k.startswith("STANDIN_BUILD_")}
    env.update(STANDIN_BUILD_PYTHON=sys.executable, STANDIN_BUILD_IDLE_TIMEOUT="60")
    env.update(extra)
    return env


def process_alive(pid: int) -> bool:
    """True while /proc has a non-zombie process `pid`."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def children_of(pid: int) -> List[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def processes_with(text: str) -> List[int]:
    """Pids whose command line contains `text` (to find builds that tdw launched itself)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text in cmdline and process_alive(int(entry.name)):
                found.append(int(entry.name))
    return found


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def launch() -> Iterator[Callable[..., subprocess.Popen]]:
    """Start builds; kill whatever is still running at the end of the test."""
    started: List[subprocess.Popen] = []

    def start(args: List[str], env: Optional[Dict[str, str]] = None) -> subprocess.Popen:
        process = subprocess.Popen([str(BUILD_PATH), *args], env=env or build_env())
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


@pytest.fixture
def connect() -> Iterator[Callable[[int], Controller]]:
    """The real Controller (launch_build=False); its blocking first recv() gets a time limit."""
    controllers: List[Controller] = []

    def make(port: int, timeout: float = 30.0) -> Controller:
        box: dict = {}

        def construct() -> None:
            try:
                box["controller"] = Controller(port=port, check_version=False, launch_build=False)
            except BaseException as error:  # reported below
                box["error"] = error

        thread = threading.Thread(target=construct, daemon=True)
        thread.start()
        thread.join(timeout)
        if "controller" not in box:
            pytest.fail(f"no build connected on port {port} within {timeout} s: {box.get('error')}")
        controller = box["controller"]
        controller.socket.setsockopt(zmq.RCVTIMEO, 20000)
        controllers.append(controller)
        return controller

    yield make
    for controller in controllers:
        controller.socket.close(linger=0)


@pytest.fixture
def xvfb() -> Iterator[str]:
    """A private X display (Xvfb picks a free number and tells us through -displayfd)."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed")
    read_fd, write_fd = os.pipe()
    process = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x1024x24",
                                "-nolisten", "tcp"], pass_fds=[write_fd],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        if not number:
            pytest.skip("Xvfb did not start")
        yield f":{number}"
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def pulse(tmp_path: Path) -> Iterator[Dict[str, str]]:
    """A private PulseAudio daemon with a null sink; yields the environment to reach it."""
    if shutil.which("pulseaudio") is None or shutil.which("pacat") is None:
        pytest.skip("pulseaudio/pacat not installed")
    runtime = tmp_path / "pulse-runtime"
    runtime.mkdir()
    env = {"XDG_RUNTIME_DIR": str(runtime), "PULSE_RUNTIME_PATH": str(runtime / "pulse")}
    full_env = {**os.environ, **env}
    process = subprocess.Popen(["pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "-n",
                                "--load=module-native-protocol-unix", "--load=module-null-sink sink_name=rec"],
                               env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_until(lambda: subprocess.run(["pactl", "info"], env=full_env, capture_output=True)
                          .returncode == 0, 10):
            pytest.skip("PulseAudio did not start")
        yield env
    finally:
        process.kill()
        process.wait(timeout=10)


def images_of(resp: List[bytes]) -> List[Images]:
    return [Images(r) for r in resp[:-1] if OutputData.get_data_type_id(r) == "imag"]


def picture(images: Images, index: int = 0) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(images.get_image(index).tobytes())).convert("RGB"))


def terminate(controller: Controller, build: subprocess.Popen) -> None:
    resp = controller.communicate({"$type": "terminate"})
    assert [OutputData.get_data_type_id(r) for r in resp[:-1]] == ["quit"]
    assert QuitSignal(resp[0]).get_ok()
    assert build.wait(timeout=15) == 0


def test_images_every_frame_carry_the_frame_number(launch, connect, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "Player.log"
    build = launch([f"-port {port}", "-logFile", str(log)])  # one argv element, as tdw 1.13 passes it
    c = connect(port)
    assert c._tdw_version.startswith("1.13")  # the `vers` answer to the handshake's send_version
    c.communicate([TDWUtils.create_empty_room(12, 12),
                   {"$type": "create_avatar", "type": "A_Img_Caps_Kinematic", "id": "a"},
                   {"$type": "set_pass_masks", "pass_masks": ["_img"], "avatar_id": "a"},
                   {"$type": "send_images", "frequency": "always"}])
    frames = []
    for i in range(30):
        resp = c.communicate([])
        frame = Controller.get_frame(resp[-1])
        (images,) = images_of(resp)
        assert (images.get_avatar_id(), images.get_width(), images.get_height()) == ("a", 256, 256)
        assert (images.get_pass_mask(0), images.get_extension(0)) == ("_img", "png")
        rgb = picture(images)
        assert rgb.shape == (256, 256, 3)
        assert decode_frame_number(rgb) == frame
        frames.append(frame)
        if i == 0:
            TDWUtils.save_images(images, "0000", output_directory=str(tmp_path / "out"))
    assert frames == list(range(frames[0], frames[0] + 30))
    assert Image.open(tmp_path / "out" / "img_0000.png").size == (256, 256)
    terminate(c, build)
    assert f"-port {port}" in log.read_text()


def test_port_as_two_arguments_and_unity_flags(launch, connect) -> None:
    port = free_port()
    build = launch(["-port", str(port), "-screenWidth", "320", "-screenHeight", "240",
                    "-force-glcore42", "-batchmode", "-flip_images", "-logFile", "-"])
    c = connect(port)
    resp = c.communicate([{"$type": "create_avatar", "type": "A_Img_Caps_Kinematic", "id": "a"},
                          {"$type": "send_images", "frequency": "once"}])
    (images,) = images_of(resp)
    assert (images.get_width(), images.get_height()) == (320, 240)
    assert picture(images).shape == (240, 320, 3)
    terminate(c, build)


def test_set_screen_size_and_jpg_encoding(launch, connect) -> None:
    port = free_port()
    build = launch([f"-port {port}"])
    c = connect(port)
    resp = c.communicate([{"$type": "create_avatar", "type": "A_Img_Caps_Kinematic", "id": "a"},
                          {"$type": "set_screen_size", "width": 1280, "height": 720},
                          {"$type": "send_images", "frequency": "always"}])
    (images,) = images_of(resp)
    assert (images.get_width(), images.get_height()) == (1280, 720)
    assert picture(images).shape == (720, 1280, 3)
    assert decode_frame_number(picture(images)) == Controller.get_frame(resp[-1])
    resp = c.communicate([{"$type": "set_img_pass_encoding", "value": False},
                          {"$type": "set_screen_size", "width": 640, "height": 360}])
    (images,) = images_of(resp)
    assert images.get_extension(0) == "jpg"
    assert images.get_image(0).tobytes()[:2] == b"\xff\xd8"
    rgb = picture(images)
    assert rgb.shape == (360, 640, 3)
    assert decode_frame_number(rgb) == Controller.get_frame(resp[-1])
    terminate(c, build)


def test_send_images_frequency_ids_and_passes(launch, connect, tmp_path: Path) -> None:
    port = free_port()
    build = launch([f"-port {port}"])
    c = connect(port)
    resp = c.communicate([{"$type": "create_avatar", "type": "A_Img_Caps_Kinematic", "id": "a"},
                          {"$type": "create_avatar", "type": "A_Img_Caps_Kinematic", "id": "b"},
                          {"$type": "set_pass_masks", "pass_masks": ["_img", "_id", "_depth"], "avatar_id": "a"},
                          {"$type": "send_images", "frequency": "once", "ids": ["b"]}])
    assert [i.get_avatar_id() for i in images_of(resp)] == ["b"]
    assert images_of(c.communicate([])) == []  # "once" means one frame
    resp = c.communicate({"$type": "send_images", "frequency": "always"})
    by_avatar = {i.get_avatar_id(): i for i in images_of(resp)}
    assert sorted(by_avatar) == ["a", "b"]
    a = by_avatar["a"]
    assert [a.get_pass_mask(k) for k in range(a.get_num_passes())] == ["_img", "_id", "_depth"]
    TDWUtils.save_images(a, "0000", output_directory=str(tmp_path))  # depth is raw RGB, as TDW sends it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["depth_0000.png", "id_0000.png", "img_0000.png"]
    assert len(images_of(c.communicate([]))) == 2
    assert images_of(c.communicate({"$type": "send_images", "frequency": "never"})) == []
    terminate(c, build)


def test_target_framerate_limits_speed(launch, connect) -> None:
    port = free_port()
    build = launch([f"-port {port}"])
    c = connect(port)
    c.communicate({"$type": "set_target_framerate", "framerate": 20})
    start = time.monotonic()
    for _ in range(20):
        c.communicate([])
    assert time.monotonic() - start >= 0.9
    c.communicate({"$type": "set_target_framerate", "framerate": -1})
    start = time.monotonic()
    for _ in range(100):  # 5 s at 20 frames/s
        c.communicate([])
    assert time.monotonic() - start < 2.5
    terminate(c, build)


def test_crash_env_exits_139_without_reply(launch, connect) -> None:
    port = free_port()
    build = launch([f"-port {port}"], env=build_env(STANDIN_BUILD_CRASH_AT_FRAME="5"))
    c = connect(port)
    c.socket.setsockopt(zmq.RCVTIMEO, 3000)
    frames = []
    with pytest.raises(zmq.Again):
        for _ in range(10):
            frames.append(Controller.get_frame(c.communicate([])[-1]))
    assert frames == [2, 3, 4]
    assert build.wait(timeout=10) == 139


def test_idle_build_exits_zero(launch) -> None:
    build = launch([f"-port {free_port()}"], env=build_env(STANDIN_BUILD_IDLE_TIMEOUT="1"))
    assert build.wait(timeout=15) == 0


def window_lines(display: str) -> List[str]:
    tree = subprocess.run(["xwininfo", "-root", "-tree"], env={**os.environ, "DISPLAY": display},
                          capture_output=True, text=True).stdout
    return [line for line in tree.splitlines() if '"TDW"' in line]


def test_window_titled_tdw_with_net_wm_pid(launch, connect, xvfb: str) -> None:
    if shutil.which("xwininfo") is None or shutil.which("xprop") is None:
        pytest.skip("x11-utils not installed")
    port = free_port()
    env = build_env(DISPLAY=xvfb)
    build = launch([f"-port {port}"], env=env)
    c = connect(port)
    for _ in range(3):
        c.communicate([])
    (line,) = window_lines(xvfb)
    window_id = line.split()[0]
    pid_text = subprocess.run(["xprop", "-id", window_id, "_NET_WM_PID"], env=env,
                              capture_output=True, text=True).stdout
    assert pid_text.strip() == f"_NET_WM_PID(CARDINAL) = {build.pid}"
    assert "256x256" in line
    resp = c.communicate({"$type": "set_screen_size", "width": 320, "height": 240})
    info = subprocess.run(["xwininfo", "-id", window_id], env=env, capture_output=True, text=True).stdout
    assert re.search(r"Width: 320\b", info) and re.search(r"Height: 240\b", info)
    if shutil.which("ffmpeg"):  # the window shows the same picture as the _img pass
        x = int(re.search(r"Absolute upper-left X:\s+(-?\d+)", info).group(1))
        y = int(re.search(r"Absolute upper-left Y:\s+(-?\d+)", info).group(1))
        grab = subprocess.run(["ffmpeg", "-v", "error", "-f", "x11grab", "-video_size", "320x240",
                               "-i", f"{xvfb}+{x},{y}", "-frames:v", "1", "-f", "rawvideo",
                               "-pix_fmt", "rgb24", "-"], env=env, capture_output=True, timeout=30).stdout
        rgb = np.frombuffer(grab, dtype=np.uint8).reshape(240, 320, 3)
        assert decode_frame_number(rgb) == Controller.get_frame(resp[-1])
    terminate(c, build)
    assert wait_until(lambda: not window_lines(xvfb), 5)


def test_h264_round_trip_keeps_frame_numbers(tmp_path: Path) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg not installed")
    width, height = 640, 360
    for frame in range(60):  # the build's own renderer and PNG encoder; every 10th frame flashes
        (tmp_path / f"f{frame:04d}.png").write_bytes(encode_png(render(frame, width, height, frame % 10 == 0)))
    video = tmp_path / "frames.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-framerate", "30", "-i", str(tmp_path / "f%04d.png"),
                    "-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p", str(video)], check=True, timeout=120)
    for w, h, scale in ((width, height, []), (320, 180, ["-vf", "scale=320:180"])):
        raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), *scale, "-f", "rawvideo",
                              "-pix_fmt", "rgb24", "-"], check=True, capture_output=True, timeout=120).stdout
        decoded = np.frombuffer(raw, dtype=np.uint8).reshape(-1, h, w, 3)
        assert [decode_frame_number(f) for f in decoded] == list(range(60))


def test_seed_option_a_runs_unmodified_with_launch_build(tmp_path: Path) -> None:
    """tdw launches ~/tdw_build/TDW/TDW.x86_64 "-port N" itself; HOME points at a tmp dir holding a
    symlink to the stand-in. The driver only avoids PyPI (check_version) and picks a free port."""
    home = tmp_path / "home"
    build_dir = home / "tdw_build" / "TDW"
    build_dir.mkdir(parents=True)
    (build_dir / "TDW.x86_64").symlink_to(BUILD_PATH)
    (build_dir / "version.txt").write_text("1.13.0")
    port, out = free_port(), tmp_path / "images"
    driver = (
        "import runpy, sys\n"
        "from tdw.backend.update import Update\n"
        "Update.get_pypi_version = staticmethod(lambda: '1.13.0.0')\n"
        "from tdw.controller import Controller\n"
        "original = Controller.__init__\n"
        "def init(self, port=1071, check_version=True, launch_build=True):\n"
        f"    original(self, port={port}, check_version=check_version, launch_build=launch_build)\n"
        "Controller.__init__ = init\n"
        f"sys.argv = [{str(SEED_OPTION_A)!r}, '12', {str(out)!r}]\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n")
    try:
        result = subprocess.run([sys.executable, "-c", driver], env=build_env(HOME=str(home)),
                                capture_output=True, text=True, timeout=90)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Build version 1.13.0" in result.stdout
        pngs = sorted(out.glob("img_*.png"))
        assert [p.name for p in pngs] == [f"img_{i:04d}.png" for i in range(12)]
        numbers = [decode_frame_number(np.asarray(Image.open(p).convert("RGB"))) for p in pngs]
        assert numbers == list(range(numbers[0], numbers[0] + 12))
        log = (home / ".config/unity3d/MIT/TDW/Player.log").read_text()
        assert f"'-port {port}'" in log  # launched by tdw, with "-port N" as one element
        assert wait_until(lambda: not processes_with(f"-port {port}"), 10)
    finally:
        for pid in processes_with(f"-port {port}"):
            os.kill(pid, 9)


def test_tone_beeps_and_its_player_dies_with_crashed_build(launch, connect, pulse: Dict[str, str],
                                                           tmp_path: Path) -> None:
    """Beeps reach PulseAudio (after the stream settles: a fresh null sink stalls ~2 s), and the
    pacat child is gone once the build crashes."""
    port = free_port()
    log = tmp_path / "Player.log"
    build = launch([f"-port {port}", "-logFile", str(log)],
                   env=build_env(STANDIN_BUILD_TONE="1", STANDIN_BUILD_CRASH_AT_FRAME="200", **pulse))
    c = connect(port)
    c.socket.setsockopt(zmq.RCVTIMEO, 2000)
    recording = tmp_path / "sink.raw"
    with recording.open("wb") as sink:  # a file, not a pipe: parec must never block
        recorder = subprocess.Popen(["parec", "-d", "rec.monitor", "--raw", "--format=s16le", "--rate=48000",
                                     "--channels=1", "--latency-msec=20"], env={**os.environ, **pulse}, stdout=sink)
    try:
        c.communicate({"$type": "set_target_framerate", "framerate": 40})
        players = children_of(build.pid)
        assert players, "no pacat child"
        with pytest.raises(zmq.Again):
            for _ in range(250):
                c.communicate([])
        time.sleep(0.5)  # let the last beep leave PulseAudio
    finally:
        recorder.terminate()
        recorder.wait(timeout=10)
    sound = np.frombuffer(recording.read_bytes(), dtype="<i2").astype(float)
    assert build.wait(timeout=10) == 139
    assert wait_until(lambda: not any(process_alive(p) for p in players), 5)
    assert "Flash+beep at" in log.read_text()
    loud = sound[np.abs(sound) > 2000]
    assert len(loud) > 2000, f"no beep reached the sink ({len(sound)} samples)\n{log.read_text()}"
    spectrum = np.abs(np.fft.rfft(sound))
    assert abs(np.argmax(spectrum) * 48000 / len(sound) - 800) < 20  # the 800 Hz tone
