"""The scene process: runs a controller script unmodified, with the recorder add-on injected.

Started by app.scene.runner as `python -m app.scene.child CONFIG_JSON`; events go to the inherited file
descriptor named in the config. The user's code never runs inside the engine or GUI process.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import traceback
from pathlib import Path

from app.scene.pipe_writer import PipeWriter


def _script_line(exc: BaseException, script: str) -> str:
    """Where in the user's script the error surfaced: 'file.py line N'."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == Path(script).resolve()]
    where = frames[-1] if frames else (traceback.extract_tb(exc.__traceback__) or [None])[-1]
    if where is None:
        return Path(script).name
    return f"{Path(where.filename).name} line {where.lineno}"


# How long a frame after a resize waits for the window's capture to run at the new size (it takes ~0.15 s);
# past that the scene goes on, and the capture catches up as it would with any window.
RESIZE_HOLD_S = 3.0


class _Gate:
    """The engine's "go" pipe: each byte lets one held frame through; its end (EOF) lets every frame through."""

    def __init__(self, fd: int | None) -> None:
        self.fd = fd

    def wait(self, timeout: float, keep_open: bool = False) -> None:
        import select

        if self.fd is None:
            return
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if (ready and not os.read(self.fd, 1)) or not keep_open:
            os.close(self.fd)
            self.fd = None


def _build_window_region(build_pid: int, timeout: float = 30.0):
    """The build's window (matched by _NET_WM_PID), on screen and with even sides; None if it never opens."""
    from app.screen.display import open_display
    from app.screen.resolve import wait_for_window

    target = wait_for_window(open_display(), lambda: {build_pid}, timeout)
    return target.region if target is not None else None


def _build_capture_command(config: dict, events) -> dict | None:
    """The build's own capture command, aimed at the user's region or the build's window (found by its pid)."""
    from app.errors import RecorderError
    from app.scene.build_capture import BuildCapture
    from app.scene.protocol import write_event

    capture = config["build_capture"]
    if capture.get("region") is not None:
        x, y, width, height = capture["region"]
    else:
        region = _build_window_region(int(config["build_pid"]))
        if region is None:
            write_event(events, "capture_error", error="The TDW build's window was not found, so its capture cannot aim at it.")
            return None
        x, y, width, height = region.x, region.y, region.width, region.height
    try:
        command = BuildCapture(**capture["capture"]).command(capture["platform"], (x, y), (width, height))
    except RecorderError as exc:
        write_event(events, "capture_error", error=exc.message)
        return None
    write_event(events, "capture_started", command=command)
    if capture.get("region") is None and capture["platform"].startswith("linux"):
        # the build's window (Linux: aimed through override_args): followed when the script sets a screen size
        config["_aimed"] = {"size": (width, height), "first": (width, height)}
    return command


def _build_restart(config: dict, events, width: int, height: int, part: bool) -> dict | None:
    """The build's capture command aimed where its window is now that the script set `width`x`height`: the
    first part itself (the size was set in the first frame), or a next part scaled into the first size
    (app.ffmpeg.parts joins them). The window manager may move a window it resizes, so it is looked up."""
    import time

    from app.errors import RecorderError
    from app.scene.build_capture import BuildCapture
    from app.scene.protocol import write_event

    aimed, capture = config["_aimed"], config["build_capture"]
    size = (width - width % 2, height - height % 2)
    region, deadline = None, time.monotonic() + 2.0
    while time.monotonic() < deadline:  # until the window has taken its new size
        region = _build_window_region(int(config["build_pid"]), timeout=0.5)
        if region is not None and (region.width, region.height) == size:
            break
        time.sleep(0.02)
    if region is None:
        write_event(events, "capture_error", error="The TDW build's window was not found after it changed size.")
        return None
    output, fit = capture["capture"]["output_path"], None
    if part:
        output, fit = _next_part_path(config), aimed["first"]
    try:
        command = BuildCapture(**{**capture["capture"], "output_path": output}).command(
            capture["platform"], (region.x, region.y), (region.width, region.height), fit_into=fit)
    except RecorderError as exc:
        write_event(events, "capture_error", error=exc.message)
        return None
    aimed["size"] = (region.width, region.height)
    if part:
        write_event(events, "capture_part", path=output, width=region.width, height=region.height)
    else:
        aimed["first"] = aimed["size"]
    return command


def _next_part_path(config: dict) -> str:
    """Where the build's capture writes its next part (a private folder beside the recording; joined at the end)."""
    from app.ffmpeg.parts import parts_folder

    output = config["build_capture"]["capture"]["output_path"]
    folder = config.setdefault("_parts", str(parts_folder(Path(output))))
    config["_part_count"] = config.get("_part_count", 1) + 1
    return str(Path(folder) / f"part{config['_part_count']}{Path(output).suffix}")


def _build_resume(config: dict, events) -> dict | None:
    """After a pause: the build's capture starts a next part, aimed at its window (where it is now) or the region."""
    from app.errors import RecorderError
    from app.scene.build_capture import BuildCapture
    from app.scene.protocol import write_event

    if config.get("_aimed"):
        width, height = config["_aimed"]["size"]
        return _build_restart(config, events, width, height, True)
    capture = config["build_capture"]
    if capture.get("region") is None:
        return None  # a platform whose capture we do not aim (the build's own default): nothing to go on with
    x, y, width, height = capture["region"]
    output = _next_part_path(config)
    try:
        command = BuildCapture(**{**capture["capture"], "output_path": output}).command(
            capture["platform"], (x, y), (width, height))
    except RecorderError as exc:
        write_event(events, "capture_error", error=exc.message)
        return None
    write_event(events, "capture_part", path=output, width=width, height=height)
    return command


class _Steering:
    """The engine's orders for the build's capture (b"p" pause, b"r" resume), read without waiting, once a frame."""

    def __init__(self, fd: int | None) -> None:
        self.fd = fd
        if fd is not None:
            os.set_blocking(fd, False)

    def order(self) -> str | None:
        if self.fd is None:
            return None
        try:
            data = os.read(self.fd, 1)
        except BlockingIOError:
            return None
        if not data:  # the engine closed it: no more orders
            os.close(self.fd)
            self.fd = None
            return None
        return data.decode("ascii", "replace")


class _KeptFrames:
    """--keep-frames: each frame's images, named as TDWUtils.save_images names them (`img_0000.png`), but every
    file created here (O_EXCL | O_NOFOLLOW): a name already taken in the folder (an earlier recording's frames, a
    link) is never written over or through. This recording's frames then all go to a fresh subfolder
    `frames-<date>-<time>` of the folder (the ones already saved are moved there), and the scene log says so."""

    def __init__(self, folder: str) -> None:
        self.chosen = Path(folder)
        self.folder = self.chosen
        self.written: list[Path] = []

    def save(self, images, number: int) -> None:
        from tdw.tdw_utils import TDWUtils

        self.folder.mkdir(parents=True, exist_ok=True)
        for i in range(images.get_num_passes()):
            mask, ext = images.get_pass_mask(i), images.get_extension(i)
            if mask in ("_depth", "_depth_simple"):  # not image files: converted, as save_images does
                import io

                from PIL import Image

                buffer = io.BytesIO()
                Image.fromarray(TDWUtils.get_shaped_depth_pass(images=images, index=i)).save(
                    buffer, format=Image.registered_extensions().get(f".{ext}", "PNG"))
                data = buffer.getvalue()
            else:
                data = images.get_image(i).tobytes()
            self._write(f"{mask[1:]}_{number:04d}.{ext}", data)

    def _write(self, name: str, data: bytes) -> None:
        for _ in range(100):
            path = self.folder / name
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
            except FileExistsError:
                self._to_a_fresh_folder()
                continue
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            self.written.append(path)
            return
        raise FileExistsError(f"no free name for {name} in {self.chosen}")

    def _to_a_fresh_folder(self) -> None:
        import time

        stamp = time.strftime("frames-%Y%m%d-%H%M%S")
        for n in range(10_000):
            fresh = self.chosen / (stamp if n == 0 else f"{stamp}-{n}")
            try:
                fresh.mkdir()
                break
            except FileExistsError:
                continue
        for path in self.written:
            os.rename(path, fresh / path.name)
        self.written = [fresh / path.name for path in self.written]
        self.folder = fresh
        print(f"TDW Recorder: {self.chosen} already holds frames (or files of their names): this recording's frames "
              f"are kept in {fresh}.", flush=True)


def main(config_text: str) -> int:
    config = json.loads(config_text)
    events = PipeWriter(int(config["events_fd"]))  # the script never waits for the engine to read a frame
    try:
        return _run(config, events)
    finally:
        events.close()  # every message written, the last frames and the script's end included


def _run(config: dict, events: PipeWriter) -> int:
    from tdw.controller import Controller

    from app.scene.addon import RecorderAddOn
    from app.scene.protocol import write_event

    keep_dir = config.get("keep_frames")
    kept = _KeptFrames(keep_dir) if keep_dir else None

    def keep(images) -> None:
        assert kept is not None
        kept.save(images, addon.frames_rendered - 1)

    gate = _Gate(int(config["go_fd"]) if config.get("go_fd") is not None else None)
    hold_on_resize = bool(config.get("hold_on_resize"))

    def held_now() -> None:
        write_event(events, "steered", paused=False)  # held: the engine starts its capture, then lets this frame go
        gate.wait(RESIZE_HOLD_S, keep_open=True)

    def held_after_resize(width: int, height: int) -> None:
        write_event(events, "resized", width=width, height=height)
        gate.wait(RESIZE_HOLD_S, keep_open=True)
    addon = RecorderAddOn(
        events,
        target_framerate=config.get("target_framerate"),
        screen_size=tuple(config["screen_size"]) if config.get("screen_size") else None,
        want_frames=bool(config.get("frames")),
        avatar=config.get("avatar", ""),
        cameras=config.get("cameras"),
        passes=tuple(config.get("passes") or ("_img",)),
        frame_data=tuple(config.get("frame_data") or ()),
        keep_frames=keep if keep_dir else None,
        build_capture=(lambda: _build_capture_command(config, events)) if config.get("build_capture") else None,
        build_restart=(lambda w, h, part: _build_restart(config, events, w, h, part))
        if config.get("build_capture") else None,
        build_aimed=lambda: config["_aimed"]["size"] if config.get("_aimed") else None,
        build_steering=_Steering(config.get("steer_fd")).order if config.get("steer_fd") is not None else None,
        build_resume=lambda: _build_resume(config, events),
        before_first_frame=(lambda: gate.wait(float(config.get("go_timeout", 60)), keep_open=hold_on_resize))
        if config.get("go_fd") is not None else None,
        after_resize=held_after_resize if hold_on_resize and config.get("go_fd") is not None else None,
        hold_now=held_now if hold_on_resize and config.get("go_fd") is not None else None,
        hold_after_image=bool(config.get("hold_after_image")),
        hold_after_frame=bool(config.get("hold_after_frame")),
    )
    original_init = Controller.__init__

    def recorder_init(self, port: int = 1071, check_version: bool = True, launch_build: bool = True, *args, **kwargs):
        # The engine has launched the build on its own port; never download or launch another one here. tdw then
        # prints "You need to launch your own build.", which is not true here: that one line is kept out of the
        # scene's log (anything else the constructor prints goes through).
        import contextlib
        import io

        said = io.StringIO()
        with contextlib.redirect_stdout(said):
            original_init(self, port=int(config["port"]), check_version=False, launch_build=False)
        for line in said.getvalue().splitlines():
            if line.strip() != "You need to launch your own build.":
                print(line, flush=True)
        self.add_ons.append(addon)
        write_event(events, "connected", port=int(config["port"]))

    Controller.__init__ = recorder_init  # type: ignore[method-assign]
    script = config["script"]
    sys.argv = [script, *config.get("args", [])]
    sys.path.insert(0, str(Path(script).resolve().parent))
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        write_event(events, "script_exit", code=code)
        return code
    except BaseException as exc:  # the user's error, reported as one line with its place
        write_event(events, "script_error", where=_script_line(exc, script), error=f"{type(exc).__name__}: {exc}")
        traceback.print_exc()
        return 1
    write_event(events, "script_exit", code=0, frames=addon.frames_rendered, images=addon.images_sent)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
