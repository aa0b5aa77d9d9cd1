"""Backend: TDW Recorder starts OBS Studio itself (`obs --startrecording ...`) and stops it afterwards.

Unless the user names an OBS profile/collection of their own, OBS runs on a private config written for
this recording (private HOME and XDG_CONFIG_HOME, so the user's OBS settings are never touched):
canvas = output = region size, an xshm_input cropped to the region, desktop audio from `<sink>.monitor`
when audio is wanted, MKV into our output folder under our reserved name, and its websocket on a free
port with a generated password (in 0600 files) so that we can stop it gracefully and read its progress.
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, TYPE_CHECKING

from app.model.progress import Progress
from app.model.region import Region
from app.capture.obs_common import ObsRecorderBase, free_reserved_name, settle_output
from app import reaper
from app.errors import RecorderError
from app.obs.client import connect, wait_for_port
from app.obs.config import (COLLECTION, PROFILE, SCENE, Crop, RecordingSetup, Websocket, free_port, new_password,
                            user_config_dir, write_config)
from app.obs.install import (find_obs, listening_pid, needs_software_gl, not_installed_message, private_env,
                             running_obs)
from app.obs.launched import LaunchedObs
from app.obs.orphan import STOP_TIMEOUT as ORPHAN_STOP_TIMEOUT
from app.obs.recording import POLL_S, ObsRecording, Watcher
from app.model.plan import RecordingPlan

if TYPE_CHECKING:
    from app.capture.base import CaptureContext

log = logging.getLogger(__name__)

START_TIMEOUT = 40.0  # OBS under software GL on 2 cores starts in ~1 s; a cold first start takes longer


class ObsLaunchRecorder(ObsRecorderBase):
    def __init__(self, plan: RecordingPlan, output: Path, env: dict[str, str] | None = None, region=None,
                 screen_size: Callable[[dict[str, str]], tuple[int, int]] | None = None) -> None:
        super().__init__(plan, output, env, region, screen_size)
        self._workdir: Path | None = None
        self.obs: LaunchedObs | None = None
        self._stopping = False
        self._stalled = False  # the watchdog saw OBS stop making progress (mark_stalled)
        self._last = Progress()
        self._websocket: Websocket | None = None
        self._shared_port = False
        self._file_since: float | None = None
        self._guarded = False  # the process guard finishes OBS's recording if we are killed

    # -- start ----------------------------------------------------------------------------------
    def start(self, on_progress: Callable[[Progress], None], on_ended: Callable[[str | None], None]) -> None:
        s = self.plan.settings
        binary = find_obs(self._env, s.platform)
        if binary is None:
            raise RecorderError(not_installed_message(s.platform))
        self._on_ended = on_ended
        self._workdir = Path(tempfile.mkdtemp(prefix="tdwrec-obs-"))
        try:
            self._launch(binary)
            self._wait_until_recording()
        except BaseException:
            self._teardown()
            raise
        if self._recording is not None:
            self._watcher = Watcher(self._recording, self._progress(on_progress), self._gone, self._time_up,
                                    s.duration)
            self._watcher.start()
        else:
            threading.Thread(target=self._watch_without_websocket, args=(on_progress,), name="obs-watch",
                             daemon=True).start()
        threading.Thread(target=self._watch_process, name="obs-exit", daemon=True).start()

    def _launch(self, binary: str) -> None:
        s = self.plan.settings
        assert self._workdir is not None
        chosen = bool(s.obs.profile or s.obs.collection)
        websocket: Websocket | None = None
        if not chosen and s.platform.startswith("linux"):
            websocket = Websocket(free_port(), new_password())
            write_config(self._workdir / ".config" / "obs-studio", self._setup(), websocket)
            env = private_env(self._env, self._workdir, needs_software_gl(self._env))
            names = (PROFILE, COLLECTION, SCENE)
        elif not chosen:  # Windows/macOS: OBS reads a fixed config folder, and its screen sources differ
            raise RecorderError("Here obs-launch records with an OBS profile and scene collection of yours: pass "
                                "--obs-profile and --obs-collection (a scene with a display capture).")
        else:
            if running_obs(user_config_dir(self._env, s.platform)):
                raise RecorderError("OBS Studio is already running: close it to record with your own OBS profile, "
                                    "or use the obs-websocket backend to record with the running OBS.")
            env = dict(self._env)
            if needs_software_gl(env):
                env["LIBGL_ALWAYS_SOFTWARE"] = "1"
            names = (s.obs.profile, s.obs.collection, s.obs.scene)
            if s.obs.port:  # if that profile's OBS has its websocket on: a graceful stop and OBS's own figures
                websocket = Websocket(int(s.obs.port), s.obs.resolve_password(self._env))
        free_reserved_name(self._reserved, self.output)
        # our own OBS, with our websocket: if we are killed, the guard stops its recording (a signal loses its end)
        self._guarded = websocket is not None and not chosen and reaper.running()
        self.obs = LaunchedObs(binary, *names, env, self._workdir / "obs-output.log", platform=s.platform,
                               die_with_us=not self._guarded)
        self.obs.start()
        if self._guarded and self.obs.pid is not None:
            config = self._workdir / ".config" / "obs-studio"
            reaper.watch_process(self.obs.pid, [sys.executable, "-m", "app.obs.orphan", str(config)],
                                 ORPHAN_STOP_TIMEOUT + 5, str(self._workdir))
        self._websocket = websocket
        self._shared_port = chosen  # the user's profile: its port may be another OBS's (ours is fresh, its password too)

    def _setup(self) -> RecordingSetup:
        s = self.plan.settings
        region = self._region
        screen = self._screen_size(self._env)
        if region is None:  # the whole screen, as app.screen.resolve gives it
            region = Region(0, 0, *screen).rounded_even()
        return RecordingSetup(
            self.output.parent, self.output.stem, region.width, region.height, float(s.fps), Crop.of(region, screen),
            self.plan.audio_source if s.wants_audio else None, int(s.encoding.crf), s.encoding.preset,
            show_cursor=s.draw_mouse,
        )

    def _wait_until_recording(self) -> None:
        """Until OBS's muxer runs (the file exists) and, when we have it, its websocket says recording."""
        assert self.obs is not None
        deadline = time.monotonic() + START_TIMEOUT
        while self.obs.recording_file() is None:
            if not self.obs.alive():
                raise RecorderError(f"OBS Studio could not start recording: {self.obs.describe_exit()}")
            if time.monotonic() > deadline:
                raise RecorderError(f"OBS Studio did not start recording within {START_TIMEOUT:.0f} s: "
                                    f"{self.obs.log_tail() or 'no log'}.")
            time.sleep(0.05)
        self.output = Path(self.obs.recording_file() or self.output)
        threading.Thread(target=self._note_first_frames, name="obs-file", daemon=True).start()
        ws = self._websocket
        # OBS listens long before it records: a port still closed now means its websocket is off
        if ws is not None and wait_for_port("127.0.0.1", ws.port, 2.0, self.obs.alive) \
                and (not self._shared_port or self._ours(ws.port)):
            try:
                self._connection = connect("127.0.0.1", ws.port, ws.password)
                self._recording = ObsRecording(self._connection, float(self.plan.settings.fps))
                self._recording.wait_active(max(deadline - time.monotonic(), 1))
            except RecorderError as exc:
                log.info("OBS's websocket is not usable (%s): stopping it with signals instead", exc)
                self._drop_connection()
        log.info("OBS records to %s", self.output)

    def _ours(self, port: int) -> bool:
        """Whether the websocket on `port` is our OBS's (another OBS may hold that port already)."""
        assert self.obs is not None
        owner = listening_pid(port)
        if owner is not None and owner not in self.obs.family():  # its muxer inherits the socket, too
            log.warning("port %s belongs to another program (pid %s): OBS is stopped with signals instead", port, owner)
            return False
        return True

    # -- while recording ------------------------------------------------------------------------
    def _progress(self, on_progress: Callable[[Progress], None]) -> Callable[[Progress], None]:
        def report(progress: Progress) -> None:
            self._last = progress
            on_progress(progress)

        return report

    def _note_first_frames(self) -> None:
        """When the file appears: OBS's muxer creates it with the first encoded frames, ~1 s after it starts."""
        deadline = time.monotonic() + START_TIMEOUT
        while self._file_since is None and not self._stopping and time.monotonic() < deadline:
            if self.output.exists():
                self._file_since = time.monotonic()
            time.sleep(0.05)

    def _watch_without_websocket(self, on_progress: Callable[[Progress], None]) -> None:
        """Figures from the file OBS writes: its size, and frames estimated from the time since it appeared."""
        assert self.obs is not None
        fps, duration = float(self.plan.settings.fps), self.plan.settings.duration
        while not self._stopping and self.obs.alive():
            since = self._file_since
            try:
                size = self.output.stat().st_size
            except OSError:
                size = 0
            elapsed = time.monotonic() - since if since is not None else 0.0
            self._last = Progress(frames=int(elapsed * fps), fps=fps, size_bytes=size,
                                         bitrate_kbps=size * 8 / 1000 / elapsed if elapsed else 0.0)
            on_progress(self._last)
            if duration and elapsed >= duration:
                self._time_up()
                return
            time.sleep(min(POLL_S, duration - elapsed) if duration and since is not None else POLL_S)

    def _watch_process(self) -> None:
        assert self.obs is not None and self.obs.proc is not None
        self.obs.proc.wait()
        if not self._stopping:
            self._ended_by_itself(self.obs.describe_exit())

    def _gone(self, reason: str) -> None:
        """The websocket says the recording ended: when OBS itself has died, say that instead."""
        assert self.obs is not None and self.obs.proc is not None
        try:
            self.obs.proc.wait(2)
        except Exception:  # still running: OBS stopped recording, or only its websocket went away
            pass
        self._ended_by_itself(reason if self.obs.alive() else self.obs.describe_exit())

    # -- stop -----------------------------------------------------------------------------------
    def stop(self) -> None:
        with self._lock:
            if self._stopping:
                return
            self._stopping = True
        self._teardown()

    def _teardown(self) -> None:
        self._stopping = True
        reported = None
        if self._watcher is not None:
            self._watcher.halt()
        stalled = self._stalled
        if self._recording is not None and self.obs is not None and self.obs.alive() and not stalled:
            reported = self._recording.stop()
            self._last = self._recording.last
        self._drop_connection()
        if self.obs is not None:
            self.obs.stop(timeout=2.0 if stalled else 10.0)  # a frozen OBS cannot close its file anyway
            if self._guarded and self.obs.pid is not None:
                reaper.forget(self.obs.pid)
        self.output = settle_output(reported, self.output)
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)  # the private config, password included

    def mark_stalled(self, frozen_input: bool = False) -> None:
        """The watchdog saw OBS stop making progress: stop() neither asks it to stop recording nor waits long."""
        self._stalled = True

    def _drop_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None

    @property
    def over_websocket(self) -> bool:
        """True when we talk to the OBS we started (graceful stop, OBS's own figures); else signals."""
        return self._recording is not None

    def progress(self) -> Progress:
        return self._last

    def pids(self) -> list[int]:
        pids = [self.obs.pid] if self.obs is not None and self.obs.pid else []
        muxer = self.obs.muxer() if self.obs is not None else None
        return pids + ([muxer.pid] if muxer is not None else [])


def create(context: CaptureContext) -> ObsLaunchRecorder:
    return ObsLaunchRecorder(context.plan, context.output, env=context.env, region=context.region)


def unavailable() -> str | None:
    from app.obs.install import find_obs, not_installed_message

    return None if find_obs() else not_installed_message()
