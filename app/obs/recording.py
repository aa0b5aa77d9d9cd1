"""One recording made by OBS over its websocket: aim it, start it, watch it, stop it, put things back.

obs-websocket 5.1 (OBS 29) has no SetRecordDirectory: the folder and the file name go through
SetProfileParameter, in both output modes (Simple: FilePath; Advanced: RecFilePath), and the user's
values are put back when the recording ends. Progress comes from GetRecordStatus (bytes, and a duration
that OBS computes from the recording's own frame count, so frames = duration x fps is a count, not a
guess) and GetStats (frames skipped for encoder lag = dropped, for render lag = duplicated). After a
SetVideoSettings, OBS 29 reports durations of hours (checked): frames are then estimated from our clock
since the recording began x fps. (GetStats' outputTotalFrames counts ~0.6 s of frames the muxer never
writes, so it is not used as the frame count.)
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Callable

from app.model.progress import Progress
from app.errors import RecorderError
from app.obs.client import ObsConnection, RecordStatus
from app.obs.config import SCREEN_SOURCE, Crop, file_name_format

log = logging.getLogger(__name__)

POLL_S = 0.25  # 4 status polls a second

ALREADY_RECORDING = ("OBS is already recording: stop that recording in OBS first "
                     "(TDW Recorder never touches a recording it did not start).")


def output_parameters(folder: Path, name: str) -> list[tuple[str, str, str]]:
    """(category, name, value): where OBS records, under which name, in MKV, never overwriting."""
    return [
        ("SimpleOutput", "FilePath", str(folder)),
        ("AdvOut", "RecFilePath", str(folder)),
        ("Output", "FilenameFormatting", file_name_format(name)),
        ("Output", "OverwriteIfExists", "false"),
        ("SimpleOutput", "RecFormat", "mkv"),
        ("SimpleOutput", "RecFormat2", "mkv"),
        ("AdvOut", "RecFormat", "mkv"),
        ("AdvOut", "RecFormat2", "mkv"),
    ]


class ObsRecording:
    def __init__(self, connection: ObsConnection, fps: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.obs = connection
        self.fps = fps
        self._clock = clock
        self._sleep = sleep
        self._saved_parameters: list[tuple[str, str, str | None]] = []
        self._saved_input: dict | None = None
        self._saved_video: dict | None = None
        self._base: dict = {}
        self.active_since: float | None = None  # our clock when OBS's recording began
        self.stopped_at: float | None = None  # ... and when we asked it to stop (what it records ends there)
        self.last = Progress()
        self.output_path: str | None = None
        self._paused_at: float | None = None
        self._paused_total = 0.0  # OBS leaves paused stretches out of its file (and of outputDuration)

    # -- before ---------------------------------------------------------------------------------
    def ensure_idle(self) -> None:
        if self.obs.record_status().active:
            raise RecorderError(ALREADY_RECORDING)

    def point_output(self, folder: Path, name: str) -> None:
        for category, key, value in output_parameters(folder, name):
            old = self.obs.call("GetProfileParameter", {"parameterCategory": category, "parameterName": key})
            self._saved_parameters.append((category, key, old.get("parameterValue")))
            self.obs.call("SetProfileParameter", {"parameterCategory": category, "parameterName": key,
                                                  "parameterValue": value})

    def aim_screen(self, crop: Crop, width: int, height: int, fps: float) -> bool:
        """Crop our own screen source (written by obs-setup) to the region; False when OBS has none."""
        try:
            found = self.obs.call("GetInputSettings", {"inputName": SCREEN_SOURCE})
        except RecorderError:
            return False
        if found.get("inputKind") != "xshm_input":
            return False
        video = self.obs.call("GetVideoSettings")
        self._saved_input = {k: found.get("inputSettings", {}).get(k, 0) for k in crop.settings()}
        self._saved_video = {k: video[k] for k in ("baseWidth", "baseHeight", "outputWidth", "outputHeight",
                                                    "fpsNumerator", "fpsDenominator")}
        self.obs.call("SetInputSettings", {"inputName": SCREEN_SOURCE, "inputSettings": crop.settings(), "overlay": True})
        numerator, denominator = (int(fps), 1) if float(fps).is_integer() else (int(round(fps * 1000)), 1000)
        self.obs.call("SetVideoSettings", {"baseWidth": width, "baseHeight": height, "outputWidth": width,
                                           "outputHeight": height, "fpsNumerator": numerator,
                                           "fpsDenominator": denominator})
        self.fps = fps
        return True

    def start(self, timeout: float = 15.0) -> None:
        self._base = self._stats()
        self.obs.call("StartRecord")
        self.wait_active(timeout)

    def wait_active(self, timeout: float = 15.0) -> None:
        """Until OBS records; notes when it began (OBS's own duration lags by its encoder's delay)."""
        video = self.obs.call("GetVideoSettings")
        self.fps = video.get("fpsNumerator", self.fps) / max(video.get("fpsDenominator", 1), 1)
        deadline = self._clock() + timeout
        while True:
            status = self.obs.record_status()
            if status.active:
                break
            if self._clock() > deadline:
                raise RecorderError(f"OBS did not start recording within {timeout:.0f} s: check its log "
                                    "(Help → Log Files) for an encoder or disk error.")
            self._sleep(0.05)
        if not self._base:
            self._base = self._stats()
        lag = status.duration_ms / 1000.0  # recording for this long already (e.g. OBS started with --startrecording)
        self.active_since = self._clock() - (lag if lag < 2.0 else 0.0)
        log.info("OBS records (for %.2f s already)", lag)

    def elapsed(self) -> float:
        """Seconds recorded into the file so far (paused stretches left out)."""
        if self.active_since is None:
            return 0.0
        end = self.stopped_at if self.stopped_at is not None else self._clock()
        paused = self._paused_total + (end - self._paused_at if self._paused_at is not None else 0.0)
        return end - self.active_since - paused

    def pause(self, timeout: float = 5.0) -> None:
        """PauseRecord, then until OBS says it is paused (obs-websocket 5)."""
        self._switch("PauseRecord", True, timeout)
        self._paused_at = self._clock()

    def resume(self, timeout: float = 5.0) -> None:
        self._switch("ResumeRecord", False, timeout)
        if self._paused_at is not None:
            self._paused_total += self._clock() - self._paused_at
        self._paused_at = None

    def _switch(self, request: str, paused: bool, timeout: float) -> None:
        self.obs.call(request)
        deadline = self._clock() + timeout
        while self.obs.record_status().paused != paused:
            if self._clock() > deadline:
                raise RecorderError(f"OBS did not {'pause' if paused else 'resume'} its recording within "
                                    f"{timeout:.0f} s: check OBS's window.")
            self._sleep(0.02)

    # -- during ---------------------------------------------------------------------------------
    def _stats(self) -> dict:
        try:
            return self.obs.call("GetStats")
        except RecorderError:
            return {}

    def poll(self) -> RecordStatus:
        status = self.obs.record_status()
        stats = self._stats()
        base = self._base

        def delta(key: str) -> int:
            return max(int(stats.get(key, 0)) - int(base.get(key, 0)), 0)

        if not status.active and not status.duration_ms:
            return status  # finished: keep the last figures
        seconds = status.duration_ms / 1000.0
        if seconds <= self.elapsed() + 2.0:
            # OBS computes outputDuration as the recording's own frame count x frame time: a count, not a guess
            frames = int(round(seconds * self.fps))
        else:  # OBS 29 reports nonsense durations (hours) once SetVideoSettings has run: estimate instead
            seconds = self.elapsed()
            frames = int(round(seconds * self.fps))
        # a count never goes back: a stray reading as OBS stops (seen: 0) is not the recording's length
        self.last = Progress(
            frames=max(frames, self.last.frames), fps=float(stats.get("activeFps", 0.0)), dropped=delta("outputSkippedFrames"),
            duplicated=delta("renderSkippedFrames"), size_bytes=status.bytes,
            bitrate_kbps=status.bytes * 8 / 1000.0 / seconds if seconds > 0 else 0.0,
        )
        return status

    # -- after ----------------------------------------------------------------------------------
    def stop(self, timeout: float = 30.0) -> str | None:
        """StopRecord, then wait until OBS has closed the file (its output is inactive again)."""
        self.stopped_at = self._clock()
        try:
            reply = self.obs.call("StopRecord")
            self.output_path = reply.get("outputPath") or self.output_path
        except RecorderError as exc:
            log.info("StopRecord: %s", exc)
        deadline = self._clock() + timeout
        while self._clock() < deadline:
            try:
                if not self.poll().active:
                    break
            except RecorderError:
                break
            self._sleep(0.1)
        return self.output_path

    def restore(self) -> None:
        """Put back the user's folder, name and format, and our source's crop; never raises."""
        calls: list[tuple[str, dict]] = []
        for category, key, value in reversed(self._saved_parameters):
            calls.append(("SetProfileParameter", {"parameterCategory": category, "parameterName": key,
                                                  "parameterValue": value}))
        if self._saved_input is not None:
            calls.append(("SetInputSettings", {"inputName": SCREEN_SOURCE, "inputSettings": self._saved_input,
                                               "overlay": True}))
        if self._saved_video is not None:
            calls.append(("SetVideoSettings", self._saved_video))
        for request, data in calls:
            try:
                self.obs.call(request, data)
            except RecorderError as exc:
                log.info("could not restore OBS setting (%s): %s", request, exc)
        self._saved_parameters, self._saved_input, self._saved_video = [], None, None


class Watcher:
    """Polls OBS 4 times a second: progress out; says when the recording ended by itself or ran its time."""

    def __init__(self, recording: ObsRecording, on_progress: Callable[[Progress], None],
                 on_gone: Callable[[str], None], on_time_up: Callable[[], None], duration: float | None) -> None:
        self._recording = recording
        self._on_progress = on_progress
        self._on_gone = on_gone
        self._on_time_up = on_time_up
        self._duration = duration
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._run, name="obs-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def halt(self) -> None:
        self._halt.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(5)

    def _pause(self) -> float:
        if self._duration is None:
            return POLL_S
        return min(POLL_S, max(self._duration - self._recording.elapsed(), 0.0))

    def _run(self) -> None:
        while not self._halt.wait(self._pause()):
            try:
                status = self._recording.poll()
            except RecorderError as exc:
                if not self._halt.is_set():
                    self._on_gone(f"{exc.message}")
                return
            if self._halt.is_set():
                return
            self._on_progress(self._recording.last)
            if not status.active:
                self._on_gone("OBS stopped recording by itself (stopped in its window, or out of disk space?).")
                return
            if self._duration is not None and self._recording.elapsed() >= self._duration:
                self._on_time_up()
                return
