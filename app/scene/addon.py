"""The recorder's TDW add-on, injected into the user's Controller inside the scene process.

It merges what recording needs with what the script asks for instead of fighting it: the script's own
`set_target_framerate` wins; `send_images` is one setting per build, so the user's request is widened to all
avatars (ImageCapture keeps filtering by its own ids) and the recorded passes (`_img`, or a dataset's `--passes`) are
added to the pass masks of every recorded avatar, next to the script's own.
"""

from __future__ import annotations

import time
from typing import Callable

from tdw.add_ons.add_on import AddOn
from tdw.controller import Controller
from tdw.output_data import Images, OutputData

from app.scene.build_capture import STOP
from app.scene.protocol import MessageOut, write_event, write_frame, write_image

DEPTH_PASSES = ("_depth", "_depth_simple")  # raw RGB bytes, not image files (TDWUtils.get_shaped_depth_pass)


def _as_bytes(image: object) -> memoryview:
    """An image as TDW sent it, without a copy: a view into the build's reply (which nothing changes), written to the
    engine by app.scene.pipe_writer while the script goes on."""
    return memoryview(image).cast("B")  # type: ignore[arg-type]


def _wait_for_bytes(path: str, timeout: float = 3.0) -> None:
    """Until the build's ffmpeg has written its new part (it is recording the window again), or `timeout`."""
    import os

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if os.path.getsize(path) > 0:
                return
        except OSError:
            pass
        time.sleep(0.01)


class RecorderAddOn(AddOn):
    def __init__(
        self,
        events: MessageOut,
        target_framerate: int | None = 30,
        screen_size: tuple[int, int] | None = None,
        want_frames: bool = False,
        avatar: str = "",
        keep_frames: Callable[[Images], None] | None = None,
        build_capture: Callable[[], dict | None] | None = None,
        before_first_frame: Callable[[], None] | None = None,
        hold_after_image: bool = False,
        hold_after_frame: bool = False,
        after_resize: Callable[[int, int], None] | None = None,
        build_restart: Callable[[int, int, bool], dict | None] | None = None,
        build_aimed: Callable[[], tuple[int, int] | None] = lambda: None,
        cameras: list[str] | None = None,
        passes: tuple[str, ...] = ("_img",),
        frame_data: tuple[str, ...] = (),
        build_steering: Callable[[], str | None] | None = None,
        build_resume: Callable[[], dict | None] = lambda: None,
        hold_now: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self._events = events
        self._target_framerate = target_framerate
        self._screen_size = screen_size
        self._want_frames = want_frames
        self._avatar = avatar
        self._keep_frames = keep_frames
        # a dataset (app.model.dataset): the avatars recorded ([] = all) and their passes; None: one avatar's _img
        self._cameras = cameras
        self._passes = tuple(passes)
        self._frame_data = tuple(frame_data)  # --frame-data (app.scene.frame_data)
        self._data: tuple[dict, dict[str, dict]] = ({}, {})  # this reply's frame data: shared, per camera
        self._build_capture = build_capture  # returns the build's start_video_capture_* command (or None)
        self._capturing = False
        # e.g. wait until the screen recording has started; with the build's own capture, after the frame that
        # started it (until the build's ffmpeg writes its file)
        self._before_first_frame = before_first_frame
        # the frame route with sound waits after the first recorded image instead: its ffmpeg starts on it
        self._hold_after_image = hold_after_image
        # a screen route waits after the first frame: the window has the size the script's first commands set
        self._hold_after_frame = hold_after_frame
        # called before the frame after one that set a new screen size (the engine restarts the window's capture)
        self._after_resize = after_resize
        self._resized_to: tuple[int, int] | None = None
        # the build's own capture, following its window: a start command aimed where the window is now (for
        # the first part, or the next one), and the size it is aimed at now (None: a fixed region)
        self._build_restart = build_restart
        self._build_aimed = build_aimed
        self._restart_at: tuple[int, int, bool] | None = None
        # pause and resume of the build's capture, ordered by the engine: stop it in one frame, start a next part
        self._build_steering = build_steering
        self._build_resume = build_resume
        self._capture_paused = False
        self._hold_now = hold_now  # order "h": wait before this frame until the engine's capture runs again
        self._part_waiting: str | None = None  # the frame after a (re)start waits until the build writes it
        self._waited = False
        self._first = True
        self.frames_rendered = 0
        self.images_sent = 0

    def get_initialization_commands(self) -> list[dict]:
        commands: list[dict] = []
        if self._screen_size:
            w, h = self._screen_size
            commands.append({"$type": "set_screen_size", "width": w, "height": h})
        if self._build_capture is not None:
            start = self._build_capture()
            if start is not None:
                commands.append(start)
                self._capturing = True
        return commands

    def before_send(self, commands: list[dict]) -> None:
        if self._hold_after_image:
            may_wait = bool(self.images_sent)
        elif self._build_capture is not None:  # the frame that started the build's ffmpeg has been rendered
            may_wait = bool(self.frames_rendered) and self._capturing
        elif self._hold_after_frame:
            may_wait = bool(self.frames_rendered)
        else:
            may_wait = True
        if self._before_first_frame is not None and not self._waited and may_wait:
            self._waited = True
            self._before_first_frame()
        elif self._resized_to is not None and self._after_resize is not None:
            self._after_resize(*self._resized_to)
        self._resized_to = None
        for command in commands:
            if command.get("$type") == "set_screen_size" and not self._first:
                self._resized_to = (int(command.get("width", 0)), int(command.get("height", 0)))
        if self._build_restart is not None:
            self._follow_build_window(commands)
        if self._build_steering is not None and not self._first:
            self._steer_build_capture(commands)
        types = [c.get("$type") for c in commands]
        if self._first and self._target_framerate and "set_target_framerate" not in types:
            commands.insert(0, {"$type": "set_target_framerate", "framerate": self._target_framerate})
        for command in commands:  # the scene's own rate wins; the frame route encodes at the rate it runs at
            if command.get("$type") == "set_target_framerate" and command.get("framerate", 0) > 0:
                write_event(self._events, "framerate", fps=command["framerate"])
        if self._want_frames:
            self._merge_image_requests(commands)
            if self._frame_data:
                from app.scene.frame_data import merge_requests

                merge_requests(self._frame_data, commands, self._first)
        if self._capturing and "terminate" in types:
            commands.insert(types.index("terminate"), dict(STOP))  # the build closes its file before quitting
            self._capturing = False
        self._first = False
        if "terminate" not in types:  # the build answers this frame (a build that quits need not)
            write_event(self._events, "sent")

    def _follow_build_window(self, commands: list[dict]) -> None:
        """The build's own capture grabs a rectangle of the screen where its window was: when the script sets
        another screen size, the window changes size (and a window manager may move it), so the capture is
        stopped in that frame and started again in the next, aimed where the window is then (a next part,
        scaled into the first size; the first part itself when the size is set in the very first frame)."""
        assert self._build_restart is not None
        if self._part_waiting is not None:  # the build's ffmpeg records the window again before the scene goes on
            _wait_for_bytes(self._part_waiting)
            self._part_waiting = None
        if self._restart_at is not None:
            width, height, part = self._restart_at
            self._restart_at = None
            start = self._build_restart(width, height, part)
            if start is not None:
                commands.insert(0, start)
                self._capturing = True
                self._part_waiting = start["output_path"]
        sizes = [c for c in commands if c.get("$type") == "set_screen_size"]
        aimed = self._build_aimed()
        if not sizes or aimed is None:
            return
        width, height = int(sizes[-1].get("width", 0)), int(sizes[-1].get("height", 0))
        if (width - width % 2, height - height % 2) == aimed:
            return
        starts = [c for c in commands if str(c.get("$type", "")).startswith("start_video_capture")]
        if self._first and starts:  # not started yet: start it next frame, at the size this frame sets
            commands.remove(starts[-1])
            self._capturing = False
            self._restart_at = (width, height, False)
        elif self._capturing:
            commands.append(dict(STOP))
            self._capturing = False
            self._restart_at = (width, height, True)

    def _recorded(self, avatar: object) -> bool:
        return self._cameras is None or not self._cameras or avatar in self._cameras

    def _steer_build_capture(self, commands: list[dict]) -> None:
        """Pause: the build stops its ffmpeg in this frame (its part is closed). Resume: a next part starts in this
        frame, and the frame after waits until the build writes it (as after a resize). Hold (our ffmpeg resumes
        on the window): this frame waits until the capture records again, so none is rendered unrecorded."""
        assert self._build_steering is not None
        order = self._build_steering()
        if order == "h" and self._hold_now is not None:
            self._hold_now()
            return
        if order == "p" and not self._capture_paused:
            if self._capturing:
                commands.append(dict(STOP))
                self._capturing = False
            self._restart_at = None
            self._capture_paused = True
        elif order == "r" and self._capture_paused:
            self._capture_paused = False
            start = self._build_resume()
            if start is not None:
                commands.insert(0, start)
                self._capturing = True
                self._part_waiting = start["output_path"]
        if order in ("p", "r"):
            write_event(self._events, "steered", paused=self._capture_paused)

    def _merge_image_requests(self, commands: list[dict]) -> None:
        """The recorded passes join each recorded avatar's pass masks (the script's own stay); images every frame."""
        extra: list[dict] = []
        asked = False
        ours = list(self._passes)
        for command in commands:
            kind = command.get("$type")
            if kind == "set_pass_masks" and self._recorded(command.get("avatar_id", "a")):
                theirs = list(command.get("pass_masks", []))
                command["pass_masks"] = [*[p for p in ours if p not in theirs], *theirs]
            elif kind == "create_avatar" and self._recorded(command.get("id", "a")):
                if not any(c.get("$type") == "set_pass_masks" and c.get("avatar_id") == command.get("id") for c in commands):
                    extra.append({"$type": "set_pass_masks", "avatar_id": command.get("id", "a"), "pass_masks": ours})
            elif kind == "send_images":
                asked = True
        if asked or self._first:
            extra.append({"$type": "send_images", "frequency": "always", "ids": []})
        commands.extend(extra)

    def on_send(self, resp: list[bytes]) -> None:
        arrived = time.time()  # the wall clock, as the sound recording's: lines the frame up with what was heard
        frame_number = Controller.get_frame(resp[-1])  # the last element of every reply is the frame number
        self.frames_rendered += 1
        if self._want_frames:
            if self._frame_data:
                from app.scene.frame_data import read

                self._data = read(self._frame_data, resp)
            for item in resp[:-1]:
                if OutputData.get_data_type_id(item) == "imag":
                    self._send_images(Images(item), frame_number, arrived)
        write_event(self._events, "frame", n=frame_number, images=self.images_sent)

    def _send_images(self, images: Images, frame_number: int, arrived: float) -> None:
        avatar = images.get_avatar_id()
        if self._cameras is not None:
            self._send_passes(images, avatar, frame_number, arrived)
            return
        if not self._avatar:
            self._avatar = avatar  # the first avatar that renders is the one recorded
        if avatar != self._avatar:
            return
        if self._keep_frames is not None:
            self._keep_frames(images)
        for i in range(images.get_num_passes()):
            if images.get_pass_mask(i) == "_img":
                ext = images.get_extension(i)
                write_image(self._events, frame_number, avatar, ext, _as_bytes(images.get_image(i)), arrived)
                self.images_sent += 1

    def _send_passes(self, images: Images, avatar: str, frame_number: int, arrived: float) -> None:
        """A dataset: every recorded pass of a recorded avatar, as the build sent it, in one message."""
        if not self._recorded(avatar):
            return
        found = {images.get_pass_mask(i): i for i in range(images.get_num_passes())}
        passes, blocks = [], []
        for mask in self._passes:
            if mask in found:
                data = _as_bytes(images.get_image(found[mask]))
                ext = "rgb" if mask in DEPTH_PASSES else images.get_extension(found[mask])
                passes.append([mask, ext, len(data)])
                blocks.append(data)
        if blocks:
            header = {"frame": frame_number, "avatar": avatar, "t": arrived, "w": images.get_width(),
                      "h": images.get_height(), "passes": passes}
            if self._frame_data:
                header["data"] = {**self._data[0], **self._data[1].get(avatar, {})}
            write_frame(self._events, header, blocks)
            self.images_sent += 1
