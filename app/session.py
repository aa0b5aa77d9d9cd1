"""One recording end to end: reserve a name -> capture -> stop -> finalise -> report.

Callers (CLI, GUI worker, tests) get frozen status snapshots through `on_status`; nothing here blocks
for longer than a bounded stop/finalise, and nothing imports Qt.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable

from app.audio.build_source import AudioChoice, build_source, chosen, follows_build, with_descendants
from app.audio.formats import LIVE_EXTENSION as AUDIO_LIVE_EXTENSION
from app.audio.formats import audio_finalise_command, final_extension
from app.capture.base import CaptureProgress, Recorder
from app.capture.duration import FrameLimit
from app.capture.registry import CaptureContext
from app.capture.registry import create as create_recorder
from app.capture.frame_pipe import FramePipeRecorder
from app.capture.timed_frames import TimedFramePipeRecorder
from app.ffmpeg.commands import finalise_command
from app.ffmpeg.inspect import media_duration, media_info
from app.output import OutputPaths, expand_folder, reserve, unused
from app.preflight import RecordingPlan
from app.recovery import hold, release
from app.scene.build_capture import BuildCapture, display_number
from app.scene.runner import SceneConfig, SceneEnd, SceneRunner
from app.screen.x11 import X11Display
from app.settings import screen_size_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordingStatus:
    state: str  # idle, recording, stopping, finalising, done, failed
    elapsed_s: float = 0.0
    frames: int = 0
    fps: float = 0.0
    dropped: int = 0
    duplicated: int = 0
    size_bytes: int = 0
    bitrate_kbps: float = 0.0
    audio_peak_db: float | None = None  # newest audio peak (dBFS) while audio is recorded
    audio_source: str = ""  # the sound source recorded, once chosen
    path: str = ""
    error: str | None = None


@dataclass(frozen=True)
class RecordingResult:
    path: Path | None  # the finished file (or the kept crash-safe one); None when nothing was recorded
    duration_s: float
    frames: int
    dropped: int
    duplicated: int
    size_bytes: int
    finalised: bool
    error: str | None = None
    audio: str = ""  # where the sound came from, in one line ("" without sound)

    def summary(self) -> str:
        if self.path is None:
            return self.error or "Nothing was recorded."
        mb = self.size_bytes / (1024 * 1024)
        text = (
            f"Saved {self.path}\n  duration {self.duration_s:.2f} s, {self.frames} frames, "
            f"{self.dropped} dropped, {self.duplicated} duplicated, {mb:.1f} MB"
        )
        text = f"{text}\n  {self.audio}" if self.audio else text
        return text if not self.error else f"{text}\n  {self.error}"


def _decodable(path: Path, binary: str) -> bool:
    return path.exists() and path.stat().st_size > 0 and bool(media_info(binary, str(path)).streams)


class Session:
    def __init__(
        self,
        plan: RecordingPlan,
        on_status: Callable[[RecordingStatus], None] | None = None,
        env: dict[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.plan = plan
        self._on_status = on_status or (lambda _s: None)
        self._env = env
        self._clock = clock
        self._started_at = 0.0
        self._lock = threading.Lock()
        self._status = RecordingStatus("idle")
        self._error: str | None = None
        self._stopped: RecordingResult | None = None
        self.ended = threading.Event()  # the capture ended by itself (duration reached, scene over, failure)
        self._wake = threading.Event()  # ended, or a stop was requested: wakes wait()
        self._stopping = False  # set under _lock by stop(); no capture may start after it
        self.paths: OutputPaths | None = None
        self.recorder: Recorder | None = None
        self.scene: SceneRunner | None = None
        self.scene_log: list[str] = []
        self.audio: AudioChoice | None = None  # the sound source recorded, and why (None: no sound, or not yet)
        self._held: int | None = None
        self._made_folders: list[Path] = []
        self._frame_limit: FrameLimit | None = None  # --duration of a frame route (ffmpeg's -t cannot end it)
        self._build_timer: threading.Timer | None = None  # --duration of the build's own recording

    # -- status -----------------------------------------------------------------------------------
    @property
    def status(self) -> RecordingStatus:
        with self._lock:
            return self._status

    def _publish(self, **changes) -> None:
        with self._lock:
            if self._started_at and self._status.state == "recording":
                changes.setdefault("elapsed_s", self._clock() - self._started_at)
            self._status = replace(self._status, **changes)
            status = self._status
        self._on_status(status)

    def _progress(self, p: CaptureProgress) -> None:
        if self.scene is not None and (p.frames or p.size_bytes):
            self.scene.release()  # the capture is really running: the held scene may render its first frame
            self._time_build_capture()
        self._publish(
            frames=p.frames, fps=p.fps, dropped=p.dropped, duplicated=p.duplicated, size_bytes=p.size_bytes,
            bitrate_kbps=p.bitrate_kbps, audio_peak_db=p.audio_peak_db,
        )

    def _end(self) -> None:
        self.ended.set()
        self._wake.set()

    def _image(self, head: dict, data: bytes) -> None:
        """One frame of TDW's image output for the frame route, kept unless --duration already has its frames."""
        assert isinstance(self.recorder, FramePipeRecorder)
        limit, stamped = self._frame_limit, isinstance(self.recorder, TimedFramePipeRecorder)
        if limit is None or limit.take(self.recorder.fps, head.get("t") if stamped else None):
            self.recorder.add_image(head["ext"], data, head.get("t"))
        if limit is not None and limit.full:
            self._end()

    def _time_build_capture(self) -> None:
        """--duration of the build's own ffmpeg, counted from the first bytes of its file (as -t counts)."""
        s = self.plan.settings
        if s.backend != "tdw-build" or not s.duration or self._build_timer is not None:
            return
        self._build_timer = threading.Timer(float(s.duration), self._end)
        self._build_timer.daemon = True
        self._build_timer.start()

    def _capture_ended(self, error: str | None) -> None:
        if error and self.scene is not None and self.scene.wait(3) and not self.scene.error:
            error = None  # the build closed its window as the scene finished: a planned end, not a failure
        if error and not self._error:
            self._error = error
        self._end()

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> RecordingStatus:
        """Reserve the file names, launch the scene (if any) and the capture; returns at once."""
        s = self.plan.settings
        folder = expand_folder(s.output_dir)
        self._made_folders = [f for f in (folder, *folder.parents) if not f.exists()]  # removed again if nothing is recorded
        folder.mkdir(parents=True, exist_ok=True)
        live_ext = s.encoding.container if s.mode != "audio" else AUDIO_LIVE_EXTENSION
        final_ext = "mp4" if s.mode != "audio" else final_extension(s.audio_format)
        self.paths = reserve(folder, s.name_pattern, live_ext, final_ext if s.finalise else live_ext)
        self._started_at = self._clock()
        self._held = hold(self.paths.recording)  # "being recorded": `recover` leaves it alone while we live
        self._publish(state="recording", path=str(self.paths.recording))
        if not s.scene:
            self._choose_audio()
            self._start_screen_capture(self.plan.region, self.plan.window_id)
            return self.status
        frames = s.mode == "video-frames"
        by_build = s.backend == "tdw-build"
        self._frame_limit = FrameLimit(float(s.duration)) if frames and s.duration else None
        if frames and self.plan.audio_source:
            self.recorder = TimedFramePipeRecorder(
                self.plan.ffmpeg.path, self.paths.recording, s.encoding, float(s.fps), self._audio_for_frames,
                env=self._env, platform=s.platform, audio_offset=float(s.audio_offset or 0.0),
                on_listening=lambda: self.scene.release() if self.scene is not None else None)
            self.recorder.start(self._progress, self._capture_ended)
        elif frames:
            self.recorder = FramePipeRecorder(self.plan.ffmpeg.path, self.paths.recording, s.encoding, float(s.fps))
            self.recorder.start(self._progress, self._capture_ended)
        elif by_build:
            self._choose_audio()  # the build's own ffmpeg is told its source before the build starts
            self._start_screen_capture(self.plan.region, None)
        self.scene = SceneRunner(
            SceneConfig(
                s.scene, list(s.scene_args), s.build or None, s.port or None, s.target_framerate,
                screen_size_of(s), frames=frames, keep_frames=s.keep_frames or None, connect_timeout=s.connect_timeout,
                build_capture=self._build_capture() if by_build else None,
                # with sound, the frame route holds the frame after its first image until ffmpeg (started by that
                # image) records: no sound is lost while ffmpeg starts; the build's own ffmpeg likewise holds the
                # frame after the one that started it, until its file grows
                hold_until_recording=not frames or isinstance(self.recorder, TimedFramePipeRecorder),
                hold_after_image=frames,
            ),
            env=self._env or dict(os.environ),
            on_image=self._image if frames else None,
            on_end=self._scene_ended, on_log=self.scene_log.append,
            on_framerate=self.recorder.set_framerate if frames else None,
        )
        self.scene.start()
        if not frames and not by_build:
            threading.Thread(target=self._capture_scene_window, name="scene-window", daemon=True).start()
        return self.status

    def _build_capture(self) -> dict:
        """The build's own capture; the scene aims it at the user's region, or at the build's window when found."""
        s, region = self.plan.settings, self.plan.region
        capture = BuildCapture(str(self.paths.recording), s.target_framerate, display_number(self.plan.display),
                               self.plan.audio_source, s.encoding.pixel_format, s.encoding.crf)
        return {"capture": asdict(capture), "platform": s.platform,
                "region": [region.x, region.y, region.width, region.height] if region else None}

    def _start_screen_capture(self, region, window_id) -> None:
        with self._lock:  # a Stop pressed while the build's window was being looked for wins
            if self._stopping:
                return
            plan = replace(self.plan, audio_source=self.audio.source) if self.audio else self.plan
            context = CaptureContext(plan, self.paths.recording, self._env, region, window_id)
            self.recorder = create_recorder(self.plan.settings.backend, context)
            self.recorder.start(self._progress, self._capture_ended)

    # -- sound source ---------------------------------------------------------------------------
    def _choose_audio(self) -> None:
        """The monitor of the sink the running build plays to when "default" may follow it, else the planned source."""
        source, s = self.plan.audio_source, self.plan.settings
        if not source:
            return
        if self.scene is not None and follows_build(s):
            self.audio = build_source(source, self.scene.pids, env=self._env)
        else:
            self.audio = chosen(source, s.audio in ("", "none", "default"))
        log.info("%s", self.audio.note)
        self._publish(audio_source=self.audio.source)

    def _audio_for_frames(self) -> str:
        self._choose_audio()  # the first frame has arrived: the build is running
        assert self.audio is not None
        return self.audio.source

    def _wait_for_build(self) -> None:
        """Until the build has connected (its sound stream is open by then), the scene ended, or Stop."""
        assert self.scene is not None
        deadline = time.monotonic() + self.plan.settings.connect_timeout
        while not (self.scene.connected.is_set() or self.scene.ended.is_set() or self._stopping) \
                and time.monotonic() < deadline:
            time.sleep(0.05)

    def _capture_scene_window(self) -> None:
        """Wait for the build's window (matched by _NET_WM_PID), then record exactly it."""
        assert self.scene is not None
        if self.plan.region is not None or not self.plan.settings.wants_screen:  # a chosen region, or audio only
            if self.plan.audio_source and follows_build(self.plan.settings):
                self._wait_for_build()
            self._choose_audio()
            self._start_screen_capture(self.plan.region, self.plan.window_id)
            return
        display = X11Display(env=self._env)
        deadline = time.monotonic() + self.plan.settings.connect_timeout
        while time.monotonic() < deadline and not self.scene.ended.is_set():
            window = self._build_window(display)
            if window is not None:
                screen = display.size()
                self._choose_audio()
                self._start_screen_capture(window.region.clamped(*screen).rounded_even(), window.window_id)
                return
            time.sleep(0.2)
        if not self.scene.ended.is_set():
            self._error = "The TDW build never opened a window on this display: check DISPLAY, or record TDW's frames (video-frames mode) instead."
            self.scene.stop()

    def _build_window(self, display: X11Display):
        pids = with_descendants(self.scene.pids())
        windows = [w for w in display.windows_of_process(pids) if w.region.width > 16 and w.region.height > 16]
        return windows[0] if windows else None

    def _scene_ended(self, end: SceneEnd) -> None:
        if end.error and not self._error:
            self._error = end.error
        self._end()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the capture ends by itself or a stop is requested (True), or `timeout` passes (False)."""
        return self._wake.wait(timeout)

    def request_stop(self) -> None:
        """Wake whoever waits in wait() so it calls stop(); safe from a signal handler or another thread."""
        self._wake.set()

    def stop(self) -> RecordingResult:
        """Stop (if still running), finalise, and report. Safe to call more than once."""
        if self._stopped is not None:
            return self._stopped
        assert self.paths is not None
        with self._lock:
            self._stopping = True
        elapsed = self._clock() - self._started_at
        if self._build_timer is not None:
            self._build_timer.cancel()
        self._publish(state="stopping", elapsed_s=elapsed)
        fed_by_scene = getattr(self.recorder, "fed_by_scene", False)
        if self.scene is not None and fed_by_scene:
            self.scene.stop()  # no more frames can come / the build closes its file; then the recorder finishes
        if self.recorder is not None:
            self.recorder.stop()
        if self.scene is not None and not fed_by_scene:
            self.scene.stop()
        last = self.recorder.progress() if self.recorder is not None else CaptureProgress()
        result = self._finish(last)
        release(self._held)
        self._stopped = result
        self._publish(state="failed" if result.error else "done", path=str(result.path or ""), error=result.error)
        return result

    def _finish(self, last: CaptureProgress) -> RecordingResult:
        assert self.paths is not None
        binary = self.plan.ffmpeg.path
        live = self.recorder.output if self.recorder is not None else self.paths.recording
        if isinstance(self.recorder, FramePipeRecorder) and self.recorder.frames_in == 0 and not self._error:
            self._error = "The scene sent no images: give it a camera (avatar), or record the screen (video mode) instead."
        if not _decodable(live, binary):
            live.unlink(missing_ok=True)  # no partial garbage: nothing playable was recorded
            if self.paths.recording.exists() and not self.paths.recording.stat().st_size:
                self.paths.recording.unlink()  # the reserved name, when the recorder wrote elsewhere
            for made in self._made_folders:  # deepest first; one that is not empty stays
                try:
                    made.rmdir()
                except OSError:
                    break
            return RecordingResult(None, 0.0, 0, 0, 0, 0, False, self._error or "Nothing was recorded.")
        path, finalised = live, False
        if self.plan.settings.finalise:
            self._publish(state="finalising")
            path, finalised = self._finalise(live, binary)
        else:  # keep the crash-safe file, under its final name (a backend may write another format: keep its suffix)
            target = unused(self.paths.final.with_suffix(live.suffix))
            os.replace(live, target)
            path = target
        if self._error:
            self._error += f" What was recorded is kept in {path.name}."
        duration = media_duration(binary, str(path)) or 0.0
        return RecordingResult(
            path, duration, last.frames, last.dropped, last.duplicated, path.stat().st_size, finalised, self._error,
            self.audio.note if self.audio else "",
        )

    def _finalise(self, live: Path, binary: str) -> tuple[Path, bool]:
        assert self.paths is not None
        target = unused(self.paths.final)
        s = self.plan.settings
        command = (audio_finalise_command(binary, str(live), str(target), s.audio_format) if s.mode == "audio"
                   else finalise_command(binary, str(live), str(target)))
        done = subprocess.run(
            command, capture_output=True, text=True,
            stdin=subprocess.DEVNULL, timeout=600,
        )
        if done.returncode == 0 and _decodable(target, binary):
            live.unlink()
            return target, True
        log.warning("finalising %s failed: %s", live, done.stderr.strip()[-500:])
        target.unlink(missing_ok=True)
        self._error = (self._error + " " if self._error else "") + (
            f"The {target.suffix[1:].upper()} could not be written (`tdw-recorder recover` can finish it later)."
        )
        return live, False
