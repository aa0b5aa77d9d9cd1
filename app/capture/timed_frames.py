"""Backend: TDW's frames + live sound (video-frames mode with audio), lined up by the wall clock.

TDW renders frames in lockstep with the controller, but plays sound in real time (a Unity limit the TDW docs
warn about): a scene that renders slower than its framerate would, at 1/fps per frame, make the picture run
ahead of the sound. Here each frame keeps the wall-clock time at which it reached the controller (stamped by
the add-on), goes to ffmpeg wrapped in Matroska with that time (app.ffmpeg.matroska), and ffmpeg records
the sound in the same run, stamped with the same clock. The live file is the usual crash-safe Matroska
holding both streams; the picture has a variable frame rate, one video frame per rendered frame. The scene
waits after its first image until the sound flows; that image is stamped with the time it was let go.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

from app.audio.build_source import with_descendants
from app.ffmpeg.levels import LevelMeter
from app.audio.streams import recording_processes
from app.errors import RecorderError
from app.model.progress import Progress
from app.capture.frame_pipe import FramePipeRecorder
from app.ffmpeg.commands import timed_frames_command
from app.model.encoding import Encoding
from app.ffmpeg.matroska import frame_cluster, image_size, stream_header
from app.ffmpeg.process import FfmpegProcess


LISTEN_TIMEOUT_S = 10.0


class TimedFramePipeRecorder(FramePipeRecorder):
    stamped = True
    def __init__(self, ffmpeg_path: str, output: Path, encoding: Encoding, fps: float,
                 audio_source: Callable[[], str], env: dict[str, str] | None = None, platform: str = "linux",
                 audio_offset: float = 0.0, clock: Callable[[], float] = time.time,
                 on_listening: Callable[[], None] | None = None) -> None:
        super().__init__(ffmpeg_path, output, encoding, fps, env=env)
        self._on_listening = on_listening or (lambda: None)
        self._choose_source = audio_source  # asked once, when the first frame has arrived (the build runs)
        self._platform = platform
        self._audio_offset = audio_offset
        self._clock = clock
        self.audio_source: str | None = None
        self.listening = False  # ffmpeg's recording stream was seen open (else the scene went on after a timeout)
        self.meter: LevelMeter | None = None  # made with ffmpeg: the live level for a meter
        self._header_sent = False
        self._last_ms = 0

    def _ffmpeg(self) -> FfmpegProcess:
        self.audio_source = self._choose_source()
        self.meter = LevelMeter()
        self.command = timed_frames_command(self._binary, str(self.output), self._encoding, self._fps,
                                            self.audio_source, self._platform, self._audio_offset, str(self.meter.path))
        self.meter.start()
        return FfmpegProcess(self.command, on_progress=self._progress, on_exit=self._exited, env=self._env)

    def _wait_until_listening(self, timeout: float = LISTEN_TIMEOUT_S) -> None:
        """Return once the sound flows into ffmpeg: the scene waits after its first image until then.

        ffmpeg opens the sound first and reads the frames' pipe only once PulseAudio has sent its first block
        (app.ffmpeg.commands.timed_frames_command): our header left in the pipe means the sound is not flowing yet.
        A sound stream that merely shows on the server is not enough: its first block comes 0.5-2 s later, and a
        scene let go then lost that much of its sound (a 2 s recording kept none). Where the pipe cannot be
        measured, the stream showing on the sound server has to do.
        """
        assert self._proc is not None and self._proc.pid is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._proc.running():
            unread = self._proc.unread_input()
            if unread == 0 or (unread is None and with_descendants([self._proc.pid]) & recording_processes(self._env)):
                self.listening = True
                return
            time.sleep(0.02)

    def _payload(self, data: bytes, arrived: float | None) -> bytes:
        if not self._header_sent:  # the first image: the header goes alone, then the sound is waited for
            self._header_sent = True
            assert self._proc is not None
            self._proc.write(stream_header(self._ext, *image_size(self._ext, data)))
            self._proc.flush()
            self._wait_until_listening()
            arrived = None  # the scene waited since it rendered this image: it is shown from now on, with the sound
            self._on_listening()
        # Times must rise: two frames in the same millisecond (or a stamp missing) take the next one.
        ms = max(int(round((arrived if arrived is not None else self._clock()) * 1000)), self._last_ms + 1)
        self._last_ms = ms
        return frame_cluster(ms, data)

    def _progress(self, stats: Progress) -> None:
        self._on_progress(self._with_level(stats))

    def _with_level(self, progress: Progress) -> Progress:
        return replace(progress, audio_peak_db=self.meter.peak_db) if self.meter is not None else progress

    def _exited(self, returncode: int) -> None:
        self._close_meter()
        super()._exited(returncode)

    def _close_meter(self) -> None:
        if self.meter is not None:
            self.meter.close()

    def pause(self) -> None:
        raise RecorderError("TDW's frames with sound cannot pause (ffmpeg records the sound live, on the frames' "
                            "clock): record TDW's frames without sound, or the window (--mode av), to pause.")

    def progress(self) -> Progress:
        return self._with_level(super().progress())

    def stop(self) -> None:
        super().stop()
        self._close_meter()
