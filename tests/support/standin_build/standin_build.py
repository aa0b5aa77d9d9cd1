"""A stand-in for the TDW build (Unity player) that `tdw.controller.Controller` cannot tell apart.

Launched like the real build: `TDW.x86_64 -port N [-screenWidth W -screenHeight H ...]`
(tdw 1.13 passes "-port N" as ONE argv element). It connects a ZeroMQ REQ socket to the
controller, sends one message to announce itself, then per frame: receives the JSON command
list, applies it, renders, and replies with its outputs followed by the frame count.

Flags: -port N, -screenWidth/-screen-width W, -screenHeight/-screen-height H (default 256x256),
-logFile PATH ("-" = stdout; default ~/.config/unity3d/MIT/TDW/Player.log), -batchmode (no
window, as Unity). Without DISPLAY it also runs windowless. Once per second the picture
flashes white for 100 ms; with sound on, an 800 Hz beep starts at the same instant.

Environment: STANDIN_BUILD_TONE=1 (sound on, its PulseAudio stream open from start-up; audio commands
such as add_audio_sensor also turn it on, at the first frame), STANDIN_BUILD_CRASH_AT_FRAME=N (exit 139
without replying at frame N), STANDIN_BUILD_HANG_AT_FRAME=N (stay connected but never answer from frame N),
STANDIN_BUILD_IDLE_TIMEOUT=seconds (exit 0 when the controller is silent that long; default 300).
"""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, TextIO

import numpy as np
import zmq
from tdw.version import __version__ as TDW_MODULE_VERSION

sys.path.insert(0, str(Path(__file__).resolve().parent))  # sibling modules, when run as a script

import build_outputs as out  # noqa: E402
from build_capture import VideoCapture  # noqa: E402
import frame_picture  # noqa: E402
import pass_picture  # noqa: E402
from build_tone import TonePlayer, start_tone  # noqa: E402
from build_window import BuildWindow, open_window  # noqa: E402

UNITY_VERSION = "2020.3.48f1"
TDW_VERSION = ".".join(TDW_MODULE_VERSION.split(".")[:3])  # the build reports "1.13.0" for tdw 1.13.0.0
FLASH_SECONDS = 0.1


@dataclass
class Options:
    """Command-line flags (Unity style: `-name value`, `-name=value`, or "-name value" as one element)."""
    port: int = 1071
    width: int = 256
    height: int = 256
    batchmode: bool = False
    log_file: Optional[str] = None


def parse_args(argv: List[str]) -> Options:
    """Read the flags we use; unknown Unity flags (-force-glcore42, -flip_images...) are accepted."""
    tokens: List[str] = []
    for arg in argv:
        if arg.startswith("-") and (" " in arg or "=" in arg):
            tokens.extend(arg.replace("=", " ", 1).split(None, 1))
        else:
            tokens.append(arg)
    values: Dict[str, Optional[str]] = {}
    i = 0
    while i < len(tokens):
        name = tokens[i].lstrip("-").lower().replace("-", "").replace("_", "")
        has_value = i + 1 < len(tokens) and (tokens[i + 1] == "-" or not tokens[i + 1].startswith("-"))
        values[name] = tokens[i + 1] if has_value else None
        i += 2 if has_value else 1
    options = Options()
    options.port = int(values.get("port") or options.port)
    options.width = int(values.get("screenwidth") or options.width)
    options.height = int(values.get("screenheight") or options.height)
    options.batchmode = "batchmode" in values or "nographics" in values
    options.log_file = values.get("logfile")
    return options


class PlayerLog:
    """A small Player.log, where Unity would write it unless -logFile says otherwise."""

    def __init__(self, path: Optional[str]) -> None:
        self._file: Optional[TextIO] = None
        if path == "-":  # Unity: "-logFile -" logs to stdout
            self._file = sys.stdout
            return
        target = Path(path) if path else Path.home() / ".config/unity3d/MIT/TDW/Player.log"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(target, "w", buffering=1, encoding="utf-8")
        except OSError:
            self._file = None

    def __call__(self, message: str) -> None:
        if self._file is not None:
            self._file.write(message + "\n")


@dataclass
class BuildState:
    """What the commands so far have set."""
    width: int
    height: int
    target_framerate: int = -1
    png: bool = True
    avatars: Dict[str, List[str]] = field(default_factory=dict)  # avatar id -> pass masks
    camera_index: Dict[str, int] = field(default_factory=dict)  # avatar id -> its creation order (its picture)
    objects: Dict[int, tuple] = field(default_factory=dict)  # add_object id -> its position when added
    send_matrices: Optional[List[str]] = None  # send_camera_matrices ids ([] = every avatar), always
    send_transforms: bool = False  # send_transforms always
    send_avatars: bool = False  # send_avatars always
    send_collisions: List[str] = field(default_factory=list)  # send_collisions: the states asked for
    image_frequency: str = "never"
    image_ids: List[str] = field(default_factory=list)
    send_version: bool = False
    terminate: bool = False
    audio: bool = False
    capture_start: Optional[dict] = None  # a start_video_capture_linux waiting to be carried out
    capture_stop: bool = False


def apply_commands(state: BuildState, commands: List[dict], log: PlayerLog) -> None:
    """Apply the few commands that change what the stand-in outputs; accept every other one."""
    for command in commands:
        kind = command.get("$type", "")
        if kind == "create_avatar":
            state.avatars[command.get("id", "a")] = ["_img"]
            state.camera_index.setdefault(command.get("id", "a"), len(state.camera_index))
        elif kind == "destroy_avatar":
            state.avatars.pop(command.get("avatar_id", "a"), None)
        elif kind == "set_pass_masks":
            avatar = command.get("avatar_id", "a")
            if avatar in state.avatars:
                state.avatars[avatar] = [m for m in command.get("pass_masks", []) if m in out.PASS_MASKS]
            else:
                log(f"set_pass_masks: no avatar '{avatar}'")
        elif kind == "add_object":
            p = command.get("position") or {}
            state.objects[int(command.get("id", 0))] = (float(p.get("x", 0)), float(p.get("y", 0)), float(p.get("z", 0)))
        elif kind == "send_camera_matrices":
            always = command.get("frequency", "once") == "always"
            state.send_matrices = list(command.get("ids", [])) if always else None
        elif kind == "send_transforms":
            state.send_transforms = command.get("frequency", "once") == "always"
        elif kind == "send_avatars":
            state.send_avatars = command.get("frequency", "once") == "always"
        elif kind == "send_collisions":
            state.send_collisions = [k for k in ("enter", "stay", "exit") if command.get(k, k != "stay")]
        elif kind == "send_images":
            state.image_frequency = command.get("frequency", "once")
            state.image_ids = list(command.get("ids", []))
        elif kind == "set_img_pass_encoding":
            state.png = bool(command.get("value", True))
        elif kind == "set_screen_size":
            state.width, state.height = int(command.get("width", 256)), int(command.get("height", 256))
            log(f"Screen size {state.width}x{state.height}")
        elif kind == "set_target_framerate":
            state.target_framerate = int(command.get("framerate", 1000))
        elif kind == "send_version":
            state.send_version = True
        elif kind == "terminate":
            state.terminate = True
        elif kind == "start_video_capture_linux":
            state.capture_start = command
        elif kind == "stop_video_capture":
            state.capture_stop = True
        elif "audio" in kind and not state.audio:
            state.audio = True
            log(f"Audio enabled by {kind}")


class Pacer:
    """Unity's targetFrameRate: frames no faster than the rate; -1 (or <= 0) means unlimited."""

    def __init__(self) -> None:
        self._next = 0.0

    def wait(self, framerate: int) -> None:
        now = time.monotonic()
        if framerate <= 0:
            self._next = now
            return
        if now < self._next:
            time.sleep(self._next - now)
            now = self._next
        self._next = now + 1.0 / framerate


class Flasher:
    """A white flash and a beep once per wall-clock second. The flash lasts 100 ms: that many
    frames at the target rate (3 at 30 frames/s), or 100 ms of frames when the rate is unlimited.
    With sound on, events wait until the audio stream is steady, so every flash has its beep."""

    def __init__(self) -> None:
        self._next = time.monotonic() + 1.0
        self._started = -1.0
        self._frames_left = 0

    def update(self, framerate: int, tone: Optional[TonePlayer], log: PlayerLog) -> bool:
        now = time.monotonic()
        if now >= self._next:
            while self._next <= now:
                self._next += 1.0
            if tone is not None and not tone.ready:
                log("Flash+beep skipped: the audio stream is not steady yet")
            else:
                if tone is not None:
                    tone.beep()
                    log(f"Flash+beep at {time.time():.3f}")  # wall clock, to compare with recordings
                self._started = now
                self._frames_left = max(1, round(FLASH_SECONDS * framerate)) if framerate > 0 else 0
        if self._frames_left > 0:
            self._frames_left -= 1
            return True
        return framerate <= 0 and now - self._started < FLASH_SECONDS


class StandInBuild:
    """The frame loop."""

    def __init__(self, options: Options, log: PlayerLog) -> None:
        self.options, self.log = options, log
        self.state = BuildState(width=options.width, height=options.height)
        self.frame = 0
        self.idle_timeout = float(os.environ.get("STANDIN_BUILD_IDLE_TIMEOUT", "300"))
        crash = os.environ.get("STANDIN_BUILD_CRASH_AT_FRAME", "")
        self.crash_at: Optional[int] = int(crash) if crash.strip() else None
        hang = os.environ.get("STANDIN_BUILD_HANG_AT_FRAME", "")
        self.hang_at: Optional[int] = int(hang) if hang.strip() else None
        self.closed_by_user = False
        self.window: Optional[BuildWindow] = None
        if not options.batchmode:
            self.window = open_window(options.width, options.height, self._on_close, log)
        self.tone: Optional[TonePlayer] = None
        self._tone_tried = False
        if os.environ.get("STANDIN_BUILD_TONE", "") not in ("", "0"):
            self.state.audio = True  # and its sound stream opens now, as Unity opens its audio output at start-up
            self._tone_tried = True
            self.tone = start_tone(log)
        self.pacer, self.flasher = Pacer(), Flasher()
        self.capture = VideoCapture(log)
        self._flat_passes: Dict[tuple, bytes] = {}
        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.REQ)
        self.socket.setsockopt(zmq.LINGER, 2000)
        self.socket.connect(f"tcp://localhost:{options.port}")

    def _on_close(self) -> None:
        self.closed_by_user = True

    def run(self) -> int:
        self.socket.send(out.frame_bytes(self.frame))  # the controller's socket.recv() waits for this
        self.log(f"Connected to tcp://localhost:{self.options.port}")
        self._show(flash=False)
        try:
            while True:
                message = self._receive()
                if message is None:
                    return 0
                commands = json.loads(message[0].decode("utf-8"))
                apply_commands(self.state, commands if isinstance(commands, list) else [commands], self.log)
                self._video_capture()
                self.frame += 1
                if self.crash_at is not None and self.frame >= self.crash_at:
                    self.log(f"Crash!!! (STANDIN_BUILD_CRASH_AT_FRAME={self.crash_at})")
                    os._exit(139)
                if self.hang_at is not None and self.frame >= self.hang_at:
                    self.log(f"Hanging (STANDIN_BUILD_HANG_AT_FRAME={self.hang_at}): connected, never answering")
                    while True:  # a build stuck in a frame: alive, silent, no CPU
                        time.sleep(3600)
                if self.state.terminate:
                    self.socket.send_multipart([out.quit_output(True), out.frame_bytes(self.frame)])
                    self.log("Terminate: quitting")
                    return 0
                self.socket.send_multipart(self._advance())
        finally:
            self.close()

    def _video_capture(self) -> None:
        state = self.state
        if state.capture_stop:
            state.capture_stop = False
            self.capture.stop()
        if state.capture_start is not None:
            self._show(flash=False)  # the window has its new size before ffmpeg measures it
            self.capture.start(state.capture_start, state.width, state.height)
            state.capture_start = None

    def _receive(self) -> Optional[List[bytes]]:
        """The next command message, keeping the window alive; None when it is time to quit."""
        waited_since = time.monotonic()
        while not self.socket.poll(20):
            if self.window is not None:
                self.window.pump()
            if self.closed_by_user:
                self.log("Window closed: quitting")
                return None
            if time.monotonic() - waited_since > self.idle_timeout:
                self.log(f"No commands for {self.idle_timeout:.0f} s: quitting")
                return None
        return self.socket.recv_multipart()

    def _advance(self) -> List[bytes]:
        """Render one frame at the target rate and collect its outputs."""
        state = self.state
        if state.audio and not self._tone_tried:
            self._tone_tried = True
            self.tone = start_tone(self.log)
        self.pacer.wait(state.target_framerate)
        flash = self.flasher.update(state.target_framerate, self.tone, self.log)
        self._show(flash)
        outputs: List[bytes] = []
        if state.send_version:
            state.send_version = False
            outputs.append(out.version_output(TDW_VERSION, UNITY_VERSION))
        if state.image_frequency in ("always", "once"):
            outputs.extend(self._images(flash))
            if state.image_frequency == "once":
                state.image_frequency = "never"
        outputs.extend(self._frame_data())
        outputs.append(out.frame_bytes(self.frame))
        return outputs

    def _show(self, flash: bool) -> None:
        if self.window is not None:
            self.window.resize(self.state.width, self.state.height)
            self.window.show(frame_picture.layout(self.frame, self.state.width, self.state.height, flash))

    def _images(self, flash: bool) -> List[bytes]:
        state = self.state
        ids = [a for a in state.avatars if not state.image_ids or a in state.image_ids]
        if not ids:
            return []
        width, height = state.width, state.height
        outputs = []
        for avatar in ids:  # each camera its own picture: a recorder that mixes cameras up is caught
            camera = state.camera_index.get(avatar, 0)
            passes = [(m, *self._pass(m, avatar, camera, flash, width, height)) for m in state.avatars[avatar]]
            outputs.append(out.images_output(avatar, width, height, passes))
        return outputs

    def _frame_data(self) -> List[bytes]:
        """Camera matrices and object transforms, when asked for always (pass_picture says what they are)."""
        state, found = self.state, []
        if state.send_matrices is not None:
            for avatar in state.avatars:
                if not state.send_matrices or avatar in state.send_matrices:
                    found.append(out.camera_matrices_output(avatar, pass_picture.PROJECTION, pass_picture.camera_matrix(
                        self.frame, state.camera_index.get(avatar, 0))))
        if state.send_transforms and state.objects:
            found.append(out.transforms_output({i: (pass_picture.object_position(self.frame, start), (0.0, 0.0, 0.0, 1.0),
                                                    (0.0, 0.0, 1.0)) for i, start in state.objects.items()}))
        if state.send_avatars:
            found += [out.avatar_kinematic_output(avatar, pass_picture.avatar_position(state.camera_index.get(avatar, 0)),
                                                  (0.0, 0.0, 0.0, 1.0), (0.0, 0.0, 1.0)) for avatar in state.avatars]
        if state.send_collisions:
            touching, floor = pass_picture.collisions(self.frame, state.objects)
            found += [out.collision_output(a, b, kind, (0.0, -1.0, 0.0), (0.0, 0.5, 0.0))
                      for a, b, kind in touching if kind in state.send_collisions]
            found += [out.environment_collision_output(i, kind, True) for i, kind in floor if kind in state.send_collisions]
        return found

    def _pass(self, mask: str, avatar: str, camera: int, flash: bool, width: int, height: int) -> tuple:
        """(file bytes, extension) of one pass of one camera in this frame."""
        if mask == "_img":
            rgb = frame_picture.render(self.frame, width, height, flash, camera)
            return (out.encode_png(rgb), out.EXT_PNG) if self.state.png else (out.encode_jpg(rgb), out.EXT_JPG)
        if mask in pass_picture.LABEL_PASSES:
            return out.encode_png(pass_picture.label_picture(mask, self.frame, width, height, avatar)), out.EXT_PNG
        if mask in pass_picture.DEPTH_PASSES:
            return pass_picture.depth_bytes(mask, self.frame, width, height, avatar), out.EXT_PNG
        return self._flat_pass(mask, width, height)

    def _flat_pass(self, mask: str, width: int, height: int) -> tuple:
        """Other passes (_normals, _flow, _albedo): a cached flat picture."""
        key = (mask, width, height)
        if key not in self._flat_passes:
            shade = (out.PASS_MASKS[mask] * 37) % 256
            self._flat_passes[key] = out.encode_png(np.full((height, width, 3), shade, dtype=np.uint8))
        return self._flat_passes[key], out.EXT_PNG

    def close(self) -> None:
        self.capture.stop()  # the real build's capture ends with it (terminate)
        if self.tone is not None:
            self.tone.close()
        if self.window is not None:
            self.window.close()
        self.socket.close()
        self.context.term()


def main(argv: List[str]) -> int:
    options = parse_args(argv)
    log = PlayerLog(options.log_file)
    log(f"TDW stand-in build, pid {os.getpid()}, args {argv!r}")
    log(f"Port {options.port}, screen {options.width}x{options.height}, batchmode {options.batchmode}")
    code = StandInBuild(options, log).run()
    log(f"Exit code {code}")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
