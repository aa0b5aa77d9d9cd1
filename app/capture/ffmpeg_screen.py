"""Backend: ffmpeg captures a screen region and/or an audio source into a crash-safe file."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

from app.ffmpeg.levels import LevelMeter
from app.audio.pulse import PulseAudio
from app.model.progress import Progress
from app.ffmpeg.commands import ScreenInput, record_command
from app.ffmpeg.process import FfmpegProcess, describe_failure
from app.errors import RecorderError
from app.model.plan import RecordingPlan
from app.model.region import Region
from app.capture.window_follow import MIN_SIDE, SizeWatch
from app.ffmpeg.parts import join_parts, parts_folder
from app.screen.x11 import WindowInfo
from app.screen.display import open_display


log = logging.getLogger(__name__)

SOUND_STALL_S = 3.0  # no audio for this long while recording: check that the sound server is still there
MAX_REGRABS = 20  # a window whose grab keeps failing (not minimised, same size) ends the recording after this


# What x11grab says (then exits, often with code 0) when a window it grabs by id is minimised, resized or gone
GRAB_FAILURES = ("Cannot get the image data", "Failed to query xcb pointer", "Permission denied")


def _grab_failed(proc: FfmpegProcess) -> bool:
    """ffmpeg ended by itself because x11grab could not grab the window (not a kill, not Stop)."""
    return not proc.stop_requested and any(f in line for line in proc.stderr_tail[-4:] for f in GRAB_FAILURES)


class FfmpegScreenRecorder:
    """ffmpeg records the screen and/or a sound source. A window grabbed by id (the TDW window, `window:`) is
    followed: when it changes size the recording goes on in a next part, joined at the end (window_follow)."""

    def __init__(self, plan: RecordingPlan, output: Path, env: dict[str, str] | None = None,
                 region=None, window_id: int | None = None) -> None:
        self.plan = plan
        self.output = output
        s = plan.settings
        self._video: ScreenInput | None = None
        region = region or plan.region
        if region is not None and s.wants_screen:
            follow = window_id if (s.region == "tdw" or s.region.startswith("window")) else None
            self._video = ScreenInput(s.platform, region, float(s.fps), plan.display or ":0", s.draw_mouse,
                                      window_id=follow)
        self.meter = LevelMeter() if plan.audio_source else None
        self.command = self._command(self._video, output, s.duration)
        self._env = env
        self._proc: FfmpegProcess | None = None
        self._failure: str | None = None  # a cause found by us rather than by ffmpeg
        self._lock = threading.RLock()
        self._stopping = False
        self._restarting = False
        self._paused = False
        self._paused_at = 0.0
        self._paused_total = 0.0  # seconds paused so far (--duration counts recorded time only)
        self._parts: list[Path] = [output]
        self._done = Progress()  # what the finished parts recorded
        self._note = ""
        self._watch: SizeWatch | None = None
        self._regrabs = 0  # parts started again after a grab failed with the window unchanged
        self._part_size = (region.width, region.height) if region is not None else (0, 0)
        self._started = 0.0
        self.restarts: list[float] = []  # seconds from each resize seen to the next part's first frame
        # a TDW scene whose window is recorded: (hold it before its next frame, let it go), for resume
        self.hold_scene: tuple[Callable[[], bool], Callable[[], None]] | None = None

    def _command(self, video: ScreenInput | None, output: Path, duration: float | None) -> list[str]:
        plan, s = self.plan, self.plan.settings
        return record_command(
            plan.ffmpeg.path, str(output), s.encoding, video=video, audio_source=plan.audio_source,
            platform=s.platform, duration=duration, audio_offset=plan.audio_offset_s,
            levels_path=str(self.meter.path) if self.meter else None, more_audio=plan.more_audio,
        )

    def start(self, on_progress: Callable[[Progress], None], on_ended: Callable[[str | None], None]) -> None:
        self._on_progress, self._on_ended = on_progress, on_ended
        self._started = time.monotonic()
        if self.meter is not None:
            self.meter.start()
        self._launch(self.command)
        video = self._video
        if video is not None and video.window_id is not None and video.platform.startswith("linux"):
            size = (video.region.width, video.region.height)
            self._watch = SizeWatch(self._env, video.window_id, size, self._resized).start()

    def _launch(self, command: list[str]) -> None:
        proc = FfmpegProcess(command, env=self._env, on_progress=lambda stats: self._progress_of(proc, stats),
                             on_exit=lambda code: self._exit_of(proc, code))
        self._proc = proc
        proc.start()

    def _progress_of(self, proc: FfmpegProcess, stats: Progress) -> None:
        if proc is not self._proc:
            return  # a finished part's last words
        self._on_progress(self._with_level(self._total(stats)))
        self._check_sound_server()

    def _exit_of(self, proc: FfmpegProcess, returncode: int) -> None:
        log.info("part %d of the recording ended (code %d): %s", len(self._parts), returncode, proc.stderr_tail[-2:])
        with self._lock:  # decided under the lock the watch's restarts take, so one of the two restarts
            if proc is not self._proc or self._restarting:
                return  # a part ended because the window changed size: the next one goes on
            window = self._followed_window() if returncode >= 0 and _grab_failed(proc) else None
            if window is not None and (proc.last_stats.frames or not window.viewable
                                       or (window.region.width, window.region.height) != self._part_size):
                # the window was minimised, resized or covered in a way x11grab could not grab: wait until it can
                # be grabbed again and go on (a window that still fails, unchanged, ends it after MAX_REGRABS)
                if self._regrabs < MAX_REGRABS:
                    self._regrabs += 1
                    self._restarting = True
                    threading.Thread(target=self._go_on_when_shown, name="window-regrab", daemon=True).start()
                    return
        if self.meter is not None:
            self.meter.close()
        planned = proc.stop_requested or (returncode == 0 and self.plan.settings.duration)
        self._on_ended(self._failure or (None if planned else self._cause(returncode)))

    def _followed_window(self) -> WindowInfo | None:
        """The followed window now (its region on screen, even sides); None when none is followed or it is gone."""
        if self._watch is None:
            return None
        assert self._video is not None and self._video.window_id is not None
        try:
            display = open_display(self._env)
            window = display.window(self._video.window_id)
            return replace(window, region=window.region.clamped(*display.size()).rounded_even())
        except RecorderError:
            return None  # gone: the failure is the window's end, reported as such

    def _go_on_when_shown(self, poll_s: float = 0.05) -> None:
        """After a failed grab: wait (Stop ends the wait) until the window is shown at one size for two polls,
        then record the next part. While it is minimised the recording waits; that stretch is left out."""
        hidden, last = False, None
        while not self._stopping:
            window = self._followed_window()
            if window is None:  # closed meanwhile: the recording ends with what it has
                with self._lock:
                    self._restarting = False
                self._on_ended(None)
                return
            size = (window.region.width, window.region.height)
            if not window.viewable or min(size) < MIN_SIDE:
                if not hidden:
                    hidden = True
                    self._note = ("The window is minimised or hidden: the recording waits and goes on when it is "
                                  "shown again.")
                    proc = self._proc
                    self._on_progress(self._with_level(self._total(proc.last_stats if proc else Progress())))
            elif size == last:
                with self._lock:
                    self._restarting = False
                self._next_part(*size, "shown" if hidden else "regrab")
                return
            last = size if window.viewable else None
            time.sleep(poll_s)
        with self._lock:
            self._restarting = False

    def _total(self, stats: Progress) -> Progress:
        done = self._done
        return replace(stats, frames=done.frames + stats.frames, dropped=done.dropped + stats.dropped,
                       duplicated=done.duplicated + stats.duplicated, size_bytes=done.size_bytes + stats.size_bytes,
                       note=self._note)

    def _resized(self, width: int, height: int) -> None:
        """The followed window changed size: end this part, record the next at the new size, scaled into the first."""
        self._next_part(width, height, "resized")

    def _next_part(self, width: int, height: int, why: str) -> None:
        """End the part being recorded (if it still runs) and record the next one at this size."""
        seen = time.monotonic()
        with self._lock:
            if self._stopping or self._proc is None or self._restarting or self._paused \
                    or (why == "resized" and (width, height) == self._part_size):
                return  # stopping, paused, a restart under way, or this size is recorded already
            self._restarting = True
            self._part_size = (width, height)
            old = self._proc
        old.stop()
        with self._lock:
            try:
                self._done = self._total(old.last_stats)
                self._proc = None
                self._launch_part(width, height, why)
            finally:
                self._restarting = False
        self._wait_for_first_frame(seen)

    def _launch_part(self, width: int, height: int, why: str) -> None:
        """Record the next part (under the lock, none running): the window's new size scaled into the first."""
        left = None
        if self.plan.settings.duration:  # what -t has left to record: paused stretches do not count
            left = float(self.plan.settings.duration) - (time.monotonic() - self._started - self._paused_total)
        if left is not None and left < 0.05 and not self._stopping:
            threading.Thread(target=self._on_ended, args=(None,), daemon=True).start()  # the planned end
        if self._stopping or (left is not None and left < 0.05):
            return  # Stop, or the planned end, came meanwhile
        video = self._video
        if video is not None and video.window_id is not None:
            first = (video.region.width, video.region.height)
            video = replace(video, region=Region(0, 0, width, height), fit_into=first)
            if why == "resized" or (width, height) != first:
                self._note = (f"The window changed size to {width}x{height}: the recording goes on, "
                              f"scaled into {first[0]}x{first[1]}.")
            elif why == "shown":
                self._note = "The window is shown again: the recording goes on."
        if len(self._parts) == 1:
            self._folder = parts_folder(self.output)
        part = self._folder / f"part{len(self._parts) + 1}{self.output.suffix}"
        self._parts.append(part)
        if self.meter is not None:  # the level file is written anew by the next part
            self.meter.close()
            self.meter = LevelMeter()
            self.meter.start()
        self._launch(self._command(video, part, left))

    # -- pause: the part ends; resuming records the next part, joined without re-encoding at the end -------------
    def pause(self) -> None:
        """End the part being recorded; nothing is captured until resume(). Returns once ffmpeg closed it."""
        deadline = time.monotonic() + 3.0
        while True:
            with self._lock:
                if self._stopping or self._paused:
                    return
                if not self._restarting and self._proc is not None:
                    self._paused = self._restarting = True  # its exit is ours, not the recording's end
                    old = self._proc
                    break
            if time.monotonic() > deadline:
                raise RecorderError("The recording is between parts (its window is hidden or changed size): "
                                    "pause again once it records.")
            time.sleep(0.02)
        old.stop()
        with self._lock:
            self._done = self._total(old.last_stats)
            self._proc = None
            self._paused_at = time.monotonic()
            self._restarting = False

    def resume(self) -> None:
        """Record the next part (at the followed window's size now); returns once its ffmpeg runs, or, with a
        TDW scene that can wait (`hold_scene`), once it has its first frame and the held scene goes on."""
        seen = time.monotonic()
        held = self.hold_scene is not None and self._paused and self.hold_scene[0]()
        try:
            self._resume(seen)
        finally:
            if held:
                self._wait_for_first_frame(seen, record=False)
                assert self.hold_scene is not None
                self.hold_scene[1]()

    def _resume(self, seen: float) -> None:
        with self._lock:
            if not self._paused or self._stopping:
                return
            self._paused = False
            self._paused_total += seen - self._paused_at
            width, height = self._watch.size if self._watch is not None else self._part_size
            self._restarting = True
            try:
                self._part_size = (width, height)
                self._launch_part(width, height, "resumed")
            finally:
                self._restarting = False

    @property
    def waiting(self) -> bool:
        """Between parts (the followed window is being restarted, or is hidden): no progress is expected."""
        return self._restarting or self._paused

    def mark_stalled(self, frozen_input: bool = False) -> None:
        """The watchdog saw ffmpeg stop making progress: stop() ends it without waiting for it to finish (at once
        when an input it waits on is frozen)."""
        proc = self._proc
        if proc is not None:
            proc.stalled = True
            proc.frozen_input = frozen_input

    def capturing_at(self, width: int, height: int) -> bool:
        """True once a part records the window at this size (even sides) and has its first frame."""
        with self._lock:
            proc = self._proc
            return (not self._restarting and proc is not None and proc.last_stats.frames > 0
                    and self._part_size == (width - width % 2, height - height % 2))

    def _wait_for_first_frame(self, seen: float, timeout: float = 10.0, record: bool = True) -> None:
        proc = self._proc
        while proc is not None and proc.running() and proc.last_stats.frames == 0 and time.monotonic() - seen < timeout \
                and not self._stopping:
            time.sleep(0.01)
        if proc is not None and proc.last_stats.frames and record:
            self.restarts.append(time.monotonic() - seen)

    def _check_sound_server(self) -> None:
        """ffmpeg goes on recording the picture when PulseAudio dies: notice the silence and say why."""
        if self.meter is None or self._failure or self.meter.silent_for() < SOUND_STALL_S:
            return
        try:
            PulseAudio(env=self._env).sources()
        except RecorderError:
            self._failure = ("The sound server went away mid-recording, so the recording stopped: start it again "
                             "(pulseaudio --start) to record sound.")
            threading.Thread(target=self.stop, name="stop-after-sound-loss", daemon=True).start()

    def _with_level(self, progress: Progress) -> Progress:
        return replace(progress, audio_peak_db=self.meter.peak_db) if self.meter is not None else progress

    def _cause(self, returncode: int) -> str:
        """Name what went away when ffmpeg cannot tell: the X server under a screen capture."""
        assert self._proc is not None
        if self.plan.region is not None and self.plan.settings.platform.startswith("linux") and not self._proc.disk_full:
            try:
                open_display(self._env).size()
            except RecorderError:
                return (f"The X display {self.plan.display} went away mid-recording (was its X server stopped?): "
                        "start it again to record.")
        if self._video is not None and self._video.window_id is not None and _grab_failed(self._proc):
            if self._followed_window() is None:
                return "The recorded window was closed, so the recording stopped."
            return (f"The window could not be grabbed {self._regrabs + 1} times in a row (is it on another desktop "
                    "or off the screen?), so the recording stopped: keep it on the screen, or record a region.")
        return describe_failure(self._proc, returncode)

    def stop(self) -> None:
        if self._watch is not None:
            self._watch.stop()  # waits for a restart it started
        with self._lock:  # a restart under way either launched its part already (stopped here) or sees this
            self._stopping = True
            proc = self._proc
        if proc is not None:
            proc.stop()
        if len(self._parts) > 1 and self.output.exists():
            failure = join_parts(self.plan.ffmpeg.path, self._parts, self.output, self._env)
            if failure:
                log.warning("the recording's parts were not joined (%s); they are kept in %s", failure, self._folder)
                self._failure = self._failure or (
                    f"The parts recorded after a pause or a change of the window's size could not be joined ({failure}): "
                    f"they are kept in {self._folder}.")

    @property
    def stop_failure(self) -> str | None:
        """What went wrong while stopping (the parts could not be joined), for the result line."""
        return self._failure

    def wait(self, timeout: float | None = None) -> bool:
        return self._proc is not None and self._proc.wait(timeout) is not None

    def progress(self) -> Progress:
        proc = self._proc
        return self._with_level(self._total(proc.last_stats if proc is not None else Progress()))

    def pids(self) -> list[int]:
        return [self._proc.pid] if self._proc and self._proc.pid else []

    @property
    def disk_full(self) -> bool:
        return bool(self._proc and self._proc.disk_full)

