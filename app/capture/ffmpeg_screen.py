"""Backend: ffmpeg captures a screen region and/or an audio source into a crash-safe file."""

from __future__ import annotations

import threading
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
from app.screen.display import open_display


SOUND_STALL_S = 3.0  # no audio for this long while recording: check that the sound server is still there


class FfmpegScreenRecorder:
    def __init__(self, plan: RecordingPlan, output: Path, env: dict[str, str] | None = None,
                 region=None, window_id: int | None = None) -> None:
        self.plan = plan
        self.output = output
        s = plan.settings
        video = None
        region = region or plan.region
        if region is not None and s.wants_screen:
            video = ScreenInput(s.platform, region, float(s.fps), plan.display or ":0", s.draw_mouse,
                                window_id=window_id if s.region == "tdw" else None)
        self.meter = LevelMeter() if plan.audio_source else None
        self.command = record_command(
            plan.ffmpeg.path, str(output), s.encoding, video=video, audio_source=plan.audio_source,
            platform=s.platform, duration=s.duration, audio_offset=plan.audio_offset_s,
            levels_path=str(self.meter.path) if self.meter else None,
        )
        self._env = env
        self._proc: FfmpegProcess | None = None
        self._failure: str | None = None  # a cause found by us rather than by ffmpeg

    def start(self, on_progress: Callable[[Progress], None], on_ended: Callable[[str | None], None]) -> None:
        def progress(stats: Progress) -> None:
            on_progress(self._with_level(stats))
            self._check_sound_server()

        def ended(returncode: int) -> None:
            assert self._proc is not None
            if self.meter is not None:
                self.meter.close()
            planned = self._proc.stop_requested or (returncode == 0 and self.plan.settings.duration)
            on_ended(self._failure or (None if planned else self._cause(returncode)))

        if self.meter is not None:
            self.meter.start()
        self._proc = FfmpegProcess(self.command, on_progress=progress, on_exit=ended, env=self._env)
        self._proc.start()

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
        return describe_failure(self._proc, returncode)

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.stop()

    def wait(self, timeout: float | None = None) -> bool:
        return self._proc is not None and self._proc.wait(timeout) is not None

    def progress(self) -> Progress:
        return self._with_level(self._proc.last_stats) if self._proc else Progress()

    def pids(self) -> list[int]:
        return [self._proc.pid] if self._proc and self._proc.pid else []

    @property
    def disk_full(self) -> bool:
        return bool(self._proc and self._proc.disk_full)

