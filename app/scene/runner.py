"""Engine side of a scene: launch the build and the scene process, stream their events, stop them.

Events arrive on a reader thread and are handed to callbacks; nothing here blocks the caller. The scene
(user code) runs in its own process; if no build connects within `connect_timeout` (tdw's Controller would
wait forever), or the build dies, the scene is stopped and the reason reported in one line.
Every process the script starts ends with the scene: the scene runs in a session of its own with a marker in
its environment (SCENE_MARKER_ENV), and `app.processes.stop_session` ends its session, its tree and whatever
carries the marker (a daemon that left the session), also when the script ends by itself; and if the recorder is
killed (`kill -9`), the guard in app.reaper does the same.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from app import reaper
from app.errors import RecorderError
from app.model.settings import MAX_CONNECT_TIMEOUT_S, MIN_CONNECT_TIMEOUT_S
from app.processes import spawn, stop_leader, stop_session
from app.scene.build import find_build, free_port, launch_build, player_log_path
from app.scene.protocol import read_messages, widen_pipe

log = logging.getLogger(__name__)

DEMOS_DIR = Path(__file__).parent / "demos"
BUILD_CRASH_GRACE_S = 0.5  # a crashed build: the script may still be reporting its own error
BUILD_QUIT_GRACE_S = 15.0  # a build that quit on `terminate`: the script is finishing
SCENE_MARKER_ENV = "TDW_RECORDER_SCENE"  # in the scene's environment: finds what it started, wherever it went


@dataclass
class SceneConfig:
    script: str  # a path, or demo:<name>
    args: list[str] = field(default_factory=list)
    build: str | None = None
    port: int | None = None
    target_framerate: int | None = 30
    screen_size: tuple[int, int] | None = None
    frames: bool = False  # stream the avatar's _img frames back (the frame route)
    avatar: str = ""
    cameras: list[str] | None = None  # a dataset: the avatars recorded ([] = all; None: the first that renders)
    passes: tuple[str, ...] = ("_img",)
    frame_data: tuple[str, ...] = ()  # a dataset: TDW data added to each row (app.scene.frame_data)
    keep_frames: str | None = None
    connect_timeout: float = 60.0
    hold_until_recording: bool = False  # the script's first frame waits for release() (the capture is running)
    hold_after_image: bool = False  # wait after the first recorded image instead (frame route + sound: ffmpeg starts on it)
    # wait after the first frame instead (screen routes): its commands, the script's set_screen_size above all,
    # have sized the window before its capture starts
    hold_after_frame: bool = False
    # the frame after one that resized the window waits for release_resize(): the capture of the window goes on
    # at its new size before the scene renders on (no frame is lost to the capture's restart)
    hold_on_resize: bool = False
    build_capture: dict | None = None  # {"capture": BuildCapture fields, "platform": ..., "region": [x, y, w, h] | None}
    steer_capture: bool = False  # the build's own capture can be paused and resumed (steer_capture())


def demos() -> dict[str, Path]:
    return {p.stem: p for p in sorted(DEMOS_DIR.glob("*.py")) if not p.stem.startswith("_")}


def resolve_script(script: str) -> Path:
    if script.startswith("demo:"):
        name = script.split(":", 1)[1]
        found = demos().get(name)
        if not found:
            raise RecorderError(f"There is no demo {name!r}: `tdw-recorder demos` lists them ({', '.join(demos())}).")
        return found
    path = Path(os.path.expanduser(script))
    if not path.is_file():
        raise RecorderError(f"Scene script {script} does not exist: give the path of your controller .py file.")
    if path.suffix != ".py":
        raise RecorderError(f"Scene script {script} is not a Python file: give your controller's .py file.")
    return path.resolve()


@dataclass
class SceneEnd:
    ok: bool
    error: str | None
    frames: int


class SceneRunner:
    def __init__(
        self,
        config: SceneConfig,
        env: dict[str, str],
        on_image: Callable[[dict, bytearray], None] | None = None,
        on_frame: Callable[[int], None] | None = None,
        on_end: Callable[[SceneEnd], None] | None = None,
        on_log: Callable[[str], None] | None = None,
        on_framerate: Callable[[float], None] | None = None,
        on_resized: Callable[[int, int], None] | None = None,
        on_capture_part: Callable[[Path], None] | None = None,
    ) -> None:
        self.config = config
        if not MIN_CONNECT_TIMEOUT_S <= config.connect_timeout <= MAX_CONNECT_TIMEOUT_S:  # NaN is refused too
            # (preflight says so first; an infinite wait would fail in the script's process, as if the script had)
            raise RecorderError(f"Connect timeout {config.connect_timeout:g} s is out of range: use "
                                f"{MIN_CONNECT_TIMEOUT_S:g} to {MAX_CONNECT_TIMEOUT_S:g} seconds (60 is usual).")
        self.env = dict(env)
        self.script = resolve_script(config.script)
        self.build_path = find_build(config.build)
        self.port = config.port or free_port()
        self._on_image = on_image or (lambda _h, _d: None)
        self._on_frame = on_frame or (lambda _n: None)
        self._on_end = on_end or (lambda _e: None)
        self._on_log = on_log or (lambda _l: None)
        self._on_framerate = on_framerate or (lambda _f: None)
        self._on_resized = on_resized or (lambda _w, _h: None)
        self._on_capture_part = on_capture_part or (lambda _p: None)
        self.build: subprocess.Popen | None = None
        self.scene: subprocess.Popen | None = None
        self.connected = threading.Event()
        self.ended = threading.Event()
        self._script_done = threading.Event()  # its last event arrived: every frame before it is delivered
        self.frames = 0
        self.sent = 0  # frames the script has sent; the build answers each (app.watchdog.build_source)
        self._error: str | None = None
        self._stopping = False
        self._end_lock = threading.RLock()
        self._go: int | None = None  # write end of the "recording has started" pipe (one byte per release)
        self._released = False
        self._steer: int | None = None  # write end of the pipe that pauses (b"p") and resumes (b"r") the build's capture
        self._steered = threading.Event()  # the scene carried the last order out
        self.marker = f"{os.getpid()}-{uuid.uuid4().hex}"  # this scene's SCENE_MARKER_ENV value

    # -- start ------------------------------------------------------------------------------------
    def start(self) -> None:
        # The build first: the scene needs its pid to find its window; its REQ socket waits for our bind.
        self.build = launch_build(self.build_path, self.port, self.env, self.config.screen_size)
        read_fd, write_fd = os.pipe()
        widen_pipe(write_fd)
        go_read = None
        if self.config.hold_until_recording:
            go_read, self._go = os.pipe()
        steer_read = None
        if self.config.steer_capture:
            steer_read, self._steer = os.pipe()
        child_config = {
            "script": str(self.script), "args": list(self.config.args), "port": self.port, "events_fd": write_fd,
            "target_framerate": self.config.target_framerate, "screen_size": self.config.screen_size,
            "frames": self.config.frames, "avatar": self.config.avatar,
            "cameras": self.config.cameras, "passes": list(self.config.passes),
            "frame_data": list(self.config.frame_data), "keep_frames": self.config.keep_frames,
            "build_capture": self.config.build_capture, "build_pid": self.build.pid, "go_fd": go_read,
            "go_timeout": self.config.connect_timeout, "hold_after_image": self.config.hold_after_image,
            "hold_after_frame": self.config.hold_after_frame, "hold_on_resize": self.config.hold_on_resize,
            "steer_fd": steer_read,
        }
        env = dict(self.env)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).parents[2]), env.get("PYTHONPATH", "")]))
        env[SCENE_MARKER_ENV] = self.marker
        self.scene = spawn(
            [sys.executable, "-u", "-m", "app.scene.child", json.dumps(child_config)], env=env, new_session=True,
            pass_fds=tuple(fd for fd in (write_fd, go_read, steer_read) if fd is not None),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=str(self.script.parent),
        )
        reaper.watch_session(self.scene.pid, (SCENE_MARKER_ENV, self.marker))  # ended by the guard if we are killed
        os.close(write_fd)
        for fd in (go_read, steer_read):
            if fd is not None:
                os.close(fd)
        self._reader = threading.Thread(target=self._read_events, args=(read_fd,), name="scene-events", daemon=True)
        self._reader.start()
        threading.Thread(target=self._read_log, name="scene-log", daemon=True).start()
        threading.Thread(target=self._watch, name="scene-watch", daemon=True).start()

    def release(self) -> None:
        """Let a held script run its first frame: the recording has started. Safe to call more than once."""
        with self._end_lock:
            if self._go is not None and not self._released:
                self._released = True
                self._send_go()
                if not self.config.hold_on_resize:
                    self._close_go()

    def release_resize(self) -> None:
        """Let a script held after a resize go on: the window's capture runs at its new size."""
        with self._end_lock:
            if self._go is not None and self._released:
                self._send_go()

    def steer_capture(self, pause: bool, timeout: float = 3.0) -> bool:
        """Pause or resume the build's own capture: the order travels with the script's next frame (the build
        takes commands only with frames). True once carried out; False if no frame came within `timeout`."""
        return self._order(b"p" if pause else b"r", timeout)

    def hold(self, timeout: float = 1.0) -> bool:
        """Hold the script before its next frame (True once it waits; release_resize() lets it go): our capture
        of its window starts again meanwhile, so no frame is rendered unrecorded."""
        return self._order(b"h", timeout)

    def _order(self, order: bytes, timeout: float) -> bool:
        with self._end_lock:
            if self._steer is None or self.ended.is_set():
                return False
            self._steered.clear()
            try:
                os.write(self._steer, order)
            except OSError:
                return False
        return self._steered.wait(timeout)

    def _send_go(self) -> None:
        assert self._go is not None
        try:
            os.write(self._go, b"g")
        except OSError:
            pass

    def _close_go(self) -> None:
        if self._go is not None:
            os.close(self._go)  # the script reads its end: it never waits again
            self._go = None

    def pids(self) -> list[int]:
        return [p.pid for p in (self.scene, self.build) if p is not None]

    # -- event handling ---------------------------------------------------------------------------
    def _read_events(self, read_fd: int) -> None:
        with os.fdopen(read_fd, "rb", buffering=0) as source:  # read_messages reads each message once
            for message, data in read_messages(source):
                if data is not None:
                    self._on_image(message, data)
                    continue
                kind = message.get("event")
                if kind == "connected":
                    self.connected.set()
                elif kind == "sent":  # the script sent the build a frame (the watchdog expects an answer)
                    self.sent += 1
                elif kind == "frame":
                    self.frames += 1
                    self._on_frame(int(message.get("n", self.frames)))
                elif kind == "script_error":
                    self._error = f"The scene script failed at {message['where']}: {message['error']}"
                elif kind == "steered":
                    self._steered.set()
                elif kind == "capture_part":
                    self._on_capture_part(Path(message["path"]))
                elif kind == "resized":
                    self._on_resized(int(message["width"]), int(message["height"]))
                elif kind == "framerate":
                    self._on_framerate(float(message["fps"]))
                elif kind == "capture_error":
                    self._error = self._error or message["error"]
                elif kind == "script_exit" and message.get("code"):
                    self._error = f"The scene script exited with code {message['code']}."

    def _read_log(self) -> None:
        assert self.scene and self.scene.stdout
        for raw in iter(self.scene.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip()
            log.info("scene: %s", line)
            self._on_log(line)

    def _watch(self) -> None:
        """Ends the scene when the script finishes, the build dies, or no build connects in time."""
        assert self.scene and self.build
        started = time.monotonic()
        build_gone_at: float | None = None
        while True:
            if self._script_done.wait(timeout=0.05):
                break  # no need to wait for the interpreter to tear down: the script is over
            if self.scene.poll() is not None:
                self._end_scene()  # what the script started ends with it (it would also hold the event pipe open)
                self._reader.join(timeout=30)  # the script's last events (its error, its last frames)
                break
            build_code = self.build.poll()
            if build_code is not None and not self._stopping:
                # A build that quit on `terminate` (exit 0) lets the script finish; a crash ends the scene.
                build_gone_at = build_gone_at or time.monotonic()
                grace = BUILD_QUIT_GRACE_S if build_code == 0 else BUILD_CRASH_GRACE_S
                if time.monotonic() - build_gone_at > grace:
                    self._error = self._error or (
                        f"The TDW build exited with code {build_code} while the scene was running "
                        f"(see its log: {player_log_path()})." if build_code else
                        "The TDW build quit (terminate) but the scene script kept running: it was stopped."
                    )
                    break
            if not self.connected.is_set() and time.monotonic() - started > self.config.connect_timeout:
                self._error = (
                    f"No TDW build connected on port {self.port} within {self.config.connect_timeout:g} s: "
                    f"check that {self.build_path} is a TDW build that starts on this display."
                )
                break
        self._finish()

    def _finish(self) -> None:
        self.release()  # a held script must not wait for a recording that is over
        with self._end_lock:
            self._close_go()
            if self._steer is not None:
                os.close(self._steer)
                self._steer = None
            if self.ended.is_set():
                return
            if self.scene is not None:
                self._end_scene()
            if self.build is not None and self.build.poll() is None:
                stop_leader(self.build.pid, timeout=5)  # the build ends its own ffmpeg (backend tdw-build)
            self.ended.set()
        self._on_end(SceneEnd(self._error is None, self._error, self.frames))

    def _end_scene(self) -> None:
        """The script's process and every process it started (forks, daemons), wherever they are now."""
        assert self.scene is not None
        stop_session(self.scene.pid, (SCENE_MARKER_ENV, self.marker), timeout=5)
        reaper.forget(self.scene.pid)
        self.scene.poll()

    def stop(self) -> None:
        """Stop the scene and its build now (the user pressed Stop)."""
        self._stopping = True
        self._finish()

    def wait(self, timeout: float | None = None) -> bool:
        return self.ended.wait(timeout)

    def wait_until(self, ready: Callable[[], bool], given_up: Callable[[], bool], poll_s: float = 0.02) -> None:
        """Until `ready()` (e.g. connected, a first frame), the scene ended, `given_up()` (Stop), or the connect timeout."""
        deadline = time.monotonic() + self.config.connect_timeout
        while not (ready() or self.ended.is_set() or given_up()) and time.monotonic() < deadline:
            time.sleep(poll_s)

    @property
    def error(self) -> str | None:
        return self._error
