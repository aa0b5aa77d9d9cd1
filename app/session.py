"""One recording end to end, in order: reserve a name -> scene and capture -> stop -> finish -> report.

Callers (CLI, GUI worker, tests) get frozen status snapshots through `on_status`; nothing here blocks
for longer than a bounded stop/finalise, and nothing imports Qt. The session keeps only the order of a
recording's life: backends come from app.capture.registry, the build's window from app.screen.resolve, and
the finished file from app.finalise.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Callable

from app.audio.build_source import AudioChoice, build_source, chosen, follows_build, with_descendants
from app.audio.formats import LIVE_EXTENSION as AUDIO_LIVE_EXTENSION
from app.audio.formats import final_extension
from app.capture.base import CaptureContext, FrameSink, Recorder
from app.capture.dataset import DatasetRecorder
from app.capture.duration import FrameLimit
from app.capture.preview import PreviewTap
from app.capture.registry import create as create_recorder
from app.capture.pausing import Pauser, steer_with_scene
from app.capture.registry import label as registry_label
from app.finalise import finish
from app.finalise_dataset import finish_dataset
from app.model.plan import RecordingPlan
from app.model.progress import Progress
from app.model.region import Region
from app.model.dataset import is_dataset, scene_cameras
from app.model.settings import screen_size_of
from app.model.status import RecordingResult, RecordingStatus, nothing_recorded
from app.output import OutputPaths, expand_folder, reserve
from app.recovery import hold, release
from app.scene.build_capture import BuildCapture, display_number
from app.scene.runner import SceneConfig, SceneEnd, SceneRunner
from app.screen.display import open_display
from app.screen.resolve import wait_for_window
from app.watchdog import Source, Watchdog, capture_source, scene_build_source

log = logging.getLogger(__name__)

RESIZE_WAIT_S = 2.0  # a size the window never takes (the screen is smaller) holds the scene no longer than this


class Session:
    def __init__(self, plan: RecordingPlan, on_status: Callable[[RecordingStatus], None] | None = None,
                 env: dict[str, str] | None = None, clock: Callable[[], float] = time.monotonic) -> None:
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
        self._stopped_by_user = False  # stop() came before the capture ended by itself (Stop, Ctrl+C, a batch's end)
        self.paths: OutputPaths | None = None
        self.recorder: Recorder | None = None
        self.scene: SceneRunner | None = None
        self.scene_log: list[str] = []
        self.audio: AudioChoice | None = None  # the sound source recorded, and why (None: no sound, or not yet)
        self._held: int | None = None
        self._made_folders: list[Path] = []
        self._frame_limit: FrameLimit | None = None  # --duration of a frame route (ffmpeg's -t cannot end it)
        self._limit_frame: int | None = None  # a dataset: the TDW frame --duration counted last
        self._build_timer: threading.Timer | None = None  # --duration of the build's own recording
        self._watchdog = Watchdog([], self._stalled)
        self.preview = PreviewTap()  # what the window's live preview may look at
        self._in_order = threading.RLock()  # statuses reach on_status in the order they were made
        self._pauser = Pauser(plan.settings.backend, lambda: self.status.state, lambda: self.recorder, self._publish, clock)

    # -- status -----------------------------------------------------------------------------------
    @property
    def status(self) -> RecordingStatus:
        with self._lock:
            return self._status

    def _publish(self, **changes) -> None:
        with self._in_order:  # in order: a progress figure never lands after "paused" saying "recording"
            with self._lock:
                if self._started_at and changes.get("state", self._status.state) in ("recording", "paused"):
                    changes.setdefault("elapsed_s", self._clock() - self._started_at)
                    changes.setdefault("paused_s", self._pauser.time.seconds())
                self._status = replace(self._status, **changes)
                status = self._status
            self._on_status(status)

    def _progress(self, p: Progress) -> None:
        if self.scene is not None and (p.frames or p.size_bytes):
            self.scene.release()  # the capture is really running: the held scene may render its first frame
            self._time_build_capture()
        self._publish(**{f.name: getattr(p, f.name) for f in fields(Progress)})

    def _end(self) -> None:
        self.ended.set()
        self._wake.set()

    def _image(self, head: dict, data: bytes) -> None:
        """One frame of TDW's image output for the frame route, kept unless --duration already has its frames."""
        assert isinstance(self.recorder, FrameSink)
        self.preview.image(head, data)
        if self._pauser.time.paused:
            return  # rendered while paused: not recorded (--keep-frames still keeps it; the next frame follows on)
        limit = self._frame_limit
        if "passes" in head:  # a dataset: one camera's passes; --duration counts TDW frames, whatever the cameras
            self._dataset_frame(head, data)
            return
        if limit is None or limit.take(self.recorder.fps, head.get("t") if self.recorder.stamped else None):
            self.recorder.add_image(head["ext"], data, head.get("t"))
        if limit is not None and limit.full:
            self._end()

    def _dataset_frame(self, head: dict, data: bytes) -> None:
        recorder, limit = self.recorder, self._frame_limit
        assert isinstance(recorder, DatasetRecorder)
        frame = int(head["frame"])
        if limit is not None and frame != self._limit_frame:
            if not limit.take(recorder.fps, None):
                self._end()
                return
            self._limit_frame = frame
        recorder.add_frame(head, data)

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
        dataset = s.mode == "video-frames" and is_dataset(s.cameras, s.passes)  # NAME.<camera>.mkv, NAME.frames.jsonl
        self.paths = reserve(folder, s.name_pattern, live_ext, final_ext if s.finalise else live_ext,
                             also=(".*.mkv", ".*.mp4", ".frames.jsonl") if dataset else ())
        self._started_at = self._clock()
        self._held = hold(self.paths.recording)  # "being recorded": `recover` leaves it alone while we live
        self._publish(state="recording", path=str(self.paths.recording), encoder=self.plan.encoder_note)
        log.info("recording to %s: %s, backend %s, region %s, %g fps, sound %s", self.paths.recording, s.mode, s.backend,
                 self.plan.region or s.region or "-", s.fps, ", ".join(filter(None, (self.plan.audio_source, *self.plan.more_audio)))
                 or "none")
        self._watchdog.start()
        if not s.scene:
            self._choose_audio()
            self._start_capture(self.plan.region, self.plan.window_id)
            return self.status
        frames = s.mode == "video-frames"
        sink: FrameSink | None = None
        by_build = s.backend == "tdw-build"
        self._frame_limit = FrameLimit(float(s.duration)) if frames and s.duration else None
        if frames:  # the frame routes start now: the scene feeds them from its first image
            self._start_capture(self.plan.region, None)
            assert isinstance(self.recorder, FrameSink)
            sink = self.recorder
        elif by_build:
            self._choose_audio()  # the build's own ffmpeg is told its source before the build starts
            self._start_capture(self.plan.region, None)
        self.scene = SceneRunner(
            SceneConfig(
                s.scene, list(s.scene_args), s.build or None, s.port or None, s.target_framerate,
                screen_size_of(s), frames=frames, keep_frames=s.keep_frames or None, connect_timeout=s.connect_timeout,
                **scene_cameras(s.cameras, s.passes, s.frame_data),
                build_capture=self._build_capture() if by_build else None,
                # with sound, the frame route holds the frame after its first image until ffmpeg (started by that
                # image) records: no sound is lost while ffmpeg starts; the build's own ffmpeg likewise holds the
                # frame after the one that started it, until its file grows
                hold_until_recording=not frames or bool(self.plan.audio_source),
                hold_after_image=frames,
                hold_after_frame=not frames and not by_build,
                hold_on_resize=not frames and not by_build and s.region == "tdw",
                steer_capture=by_build or (not frames and s.region == "tdw"),
            ),
            env=self._env or dict(os.environ),
            on_image=self._image if frames else None,
            on_end=self._scene_ended, on_log=self.scene_log.append,
            on_framerate=sink.set_framerate if sink else None,
            on_resized=self._scene_resized,
            on_capture_part=self._build_capture_part,
        )
        self.scene.start()
        steer_with_scene(self.recorder, self.scene)  # the build's own ffmpeg pauses with the scene's frames
        self._watchdog.add(scene_build_source(self.scene))
        if not frames and not by_build:
            threading.Thread(target=self._capture_scene_window, name="scene-window", daemon=True).start()
        return self.status

    def _build_capture(self) -> dict:
        """The build's own capture; the scene aims it at the user's region, or at the build's window when found."""
        s, region = self.plan.settings, self.plan.region
        assert self.paths is not None
        capture = BuildCapture(str(self.paths.recording), s.target_framerate, display_number(self.plan.display),
                               self.plan.audio_source, s.encoding.pixel_format, s.encoding.crf)
        return {"capture": asdict(capture), "platform": s.platform,
                "region": [region.x, region.y, region.width, region.height] if region else None}

    def _start_capture(self, region: Region | None, window_id: int | None) -> None:
        """The chosen backend, from the registry, on the resolved picture source (every route starts here)."""
        with self._lock:  # a Stop pressed while the build's window was being looked for wins
            if self._stopping:
                return
            assert self.paths is not None
            plan = replace(self.plan, audio_source=self.audio.source) if self.audio else self.plan
            context = CaptureContext(plan, self.paths.recording, self._env, region, window_id,
                                     choose_audio=self._audio_for_frames, on_listening=self._release_scene)
            self.recorder = create_recorder(self.plan.settings.backend, context)
            if self.plan.settings.mode not in ("video-frames", "audio"):
                self.preview.grabbing(region, window_id)
            self.recorder.start(self._progress, self._capture_ended)
            self._watch(self.recorder)

    def _watch(self, recorder: Recorder) -> None:
        """A child that stops making progress without exiting ends the recording within seconds, named."""
        if self.plan.settings.backend != "tdw-build":  # the build's own ffmpeg: the build's answers are watched
            who = "ffmpeg" if self.plan.settings.backend == "ffmpeg" else registry_label(self.plan.settings.backend)
            self._watchdog.add(capture_source(recorder, lambda: self.status.state == "recording", who))

    def _stalled(self, source: Source) -> None:
        sound = self._sound_stalled(source)
        if not self._error:
            self._error = sound or source.message
        mark = getattr(self.recorder, "mark_stalled", None)
        if mark is not None and source.name == "capture":
            # its stop need not wait for a frozen process to finish its file; one waiting on a frozen sound server
            # hears neither `q` nor SIGTERM: it is ended at once
            mark(frozen_input=bool(sound))
        self._end()

    def _sound_stalled(self, source: Source) -> str | None:
        """When an ffmpeg that records picture and sound stalls because the sound server stopped answering, say so:
        its muxer holds the picture back while it waits for the sound, so the picture stops too."""
        s = self.plan.settings
        if source.name != "capture" or s.backend != "ffmpeg" or not s.wants_audio or not s.platform.startswith("linux"):
            return None
        from app.audio.pulse import server_answers

        if server_answers(self._env if self._env is not None else os.environ):
            return None
        name = self.audio.source if self.audio else self.plan.audio_source
        return (f"The sound from {name} stopped: the sound server (PulseAudio) does not answer. ffmpeg writes the sound "
                "and the picture into one file and holds the picture back while the sound is missing, so the recording "
                "was stopped.")

    def _release_scene(self) -> None:
        if self._frame_limit is not None:
            self._frame_limit.count_from(time.time())  # frames + sound: the first image is shown from now
        if self.scene is not None:
            self.scene.release()

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

    def _capture_scene_window(self) -> None:
        """Wait for the build's window (matched by _NET_WM_PID), then record exactly it."""
        assert self.scene is not None
        scene = self.scene
        if self.plan.region is not None or not self.plan.settings.wants_screen:  # a chosen region, or audio only
            if self.plan.audio_source and follows_build(self.plan.settings):
                scene.wait_until(scene.connected.is_set, lambda: self._stopping)  # its sound stream is open by then
            self._choose_audio()
            self._start_capture(self.plan.region, self.plan.window_id)
            return
        scene.wait_until(lambda: scene.frames > 0, lambda: self._stopping)  # its first commands sized the window
        target = wait_for_window(open_display(self._env), lambda: with_descendants(scene.pids()),
                                 self.plan.settings.connect_timeout, given_up=scene.ended.is_set)
        if target is not None:
            self._choose_audio()
            self._start_capture(target.region, target.window_id)
            steer_with_scene(self.recorder, scene)  # resume: the scene waits until the window is recorded again
        elif not scene.ended.is_set():
            self._error = "The TDW build never opened a window on this display: check DISPLAY, or record TDW's frames (video-frames mode) instead."
            scene.stop()

    def _scene_resized(self, width: int, height: int) -> None:
        """The script set a new screen size and waits: let it go on once the window's capture runs at that size."""
        def release_when_capturing() -> None:
            following = getattr(self.recorder, "capturing_at", None)
            deadline = time.monotonic() + RESIZE_WAIT_S
            while following is not None and not following(width, height) and time.monotonic() < deadline \
                    and not self._stopping:
                time.sleep(0.01)
            if self.scene is not None:
                self.scene.release_resize()

        threading.Thread(target=release_when_capturing, name="scene-resized", daemon=True).start()

    def _build_capture_part(self, path: Path) -> None:
        """The build's own capture went on in a new part (its window changed size): the recorder joins it."""
        add_part = getattr(self.recorder, "add_part", None)
        if add_part is not None:
            add_part(path)

    def _scene_ended(self, end: SceneEnd) -> None:
        if end.error and not self._error:
            self._error = end.error
        self._end()

    def pause(self) -> RecordingStatus:
        """Leave what follows out of the file until resume(); a one-line RecorderError when it cannot."""
        self._pauser.pause()
        return self.status

    def resume(self) -> RecordingStatus:
        """Record again after pause(): the file goes on with no gap."""
        self._pauser.resume()
        return self.status

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
        paused_s = self._pauser.stop()  # a pause or resume under way finishes first
        with self._lock:
            self._stopping = True
            self._stopped_by_user = not self.ended.is_set()
        self._watchdog.stop()
        elapsed = self._clock() - self._started_at
        if self._build_timer is not None:
            self._build_timer.cancel()
        self._publish(state="stopping", elapsed_s=elapsed, paused_s=paused_s)
        fed_by_scene = getattr(self.recorder, "fed_by_scene", False)
        if self.scene is not None and fed_by_scene:
            self.scene.stop()  # no more frames can come / the build closes its file; then the recorder finishes
        if self.recorder is not None:
            self.recorder.stop()
            self._error = self._error or getattr(self.recorder, "stop_failure", None)  # e.g. parts not joined
        if self.scene is not None and not fed_by_scene:
            self.scene.stop()
        last = self.recorder.progress() if self.recorder is not None else Progress()
        result = self._finish(last)
        log.info("recording ended: %s", "; ".join(line.strip() for line in result.summary().splitlines()))
        release(self._held)
        self._stopped = result
        self._publish(state="failed" if result.error else "done", path=str(result.path or ""), error=result.error)
        return result

    def _finish(self, last: Progress) -> RecordingResult:
        assert self.paths is not None
        nothing = nothing_recorded(self._stopped_by_user, dataset=isinstance(self.recorder, DatasetRecorder))
        if isinstance(self.recorder, DatasetRecorder):
            return finish_dataset(self.plan.ffmpeg.path, self.paths, self.recorder.files(), last, self._error,
                                  self._made_folders, nothing, self.recorder.resized, share=self.plan.settings.share_mp4)
        live = self.recorder.output if self.recorder is not None else self.paths.recording
        if isinstance(self.recorder, FrameSink) and self.recorder.frames_in == 0 and not self._error:
            self._error = nothing
        return finish(self.plan.settings, self.plan.ffmpeg.path, self.paths, live, last, self._error, self._made_folders,
                      self.audio.note if self.audio else "",
                      on_finalising=lambda percent: self._publish(state="finalising", finishing_pct=percent))
