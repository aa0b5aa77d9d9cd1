"""Backend: the OBS Studio the user runs records, driven over obs-websocket v5 (obsws-python).

OBS writes `<our reserved name>.mkv` in our output folder (set per recording through SetProfileParameter,
put back afterwards); when OBS is already recording we refuse and touch nothing. The file OBS really
wrote (StopRecord's outputPath) becomes `output`, which the session then remuxes to MP4.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, TYPE_CHECKING

from app.model.progress import Progress
from app.capture.obs_common import ObsRecorderBase, free_reserved_name, settle_output
from app.obs.client import ObsConnection, connect
from app.obs.config import Crop, user_config_dir
from app.obs.install import find_obs, running_obs
from app.obs.recording import ObsRecording, Watcher
from app.model.plan import RecordingPlan

if TYPE_CHECKING:
    from app.capture.base import CaptureContext

log = logging.getLogger(__name__)


class ObsWebsocketRecorder(ObsRecorderBase):
    def __init__(self, plan: RecordingPlan, output: Path, env: dict[str, str] | None = None, region=None,
                 connector: Callable[..., ObsConnection] = connect,
                 screen_size: Callable[[dict[str, str]], tuple[int, int]] | None = None) -> None:
        super().__init__(plan, output, env, region, screen_size)
        self._connector = connector
        self._stopped = False

    def start(self, on_progress: Callable[[Progress], None], on_ended: Callable[[str | None], None]) -> None:
        settings = self.plan.settings
        obs = settings.obs
        self._connection = self._connector(
            obs.host, int(obs.port), obs.resolve_password(self._env),
            installed=lambda: find_obs(self._env, settings.platform) is not None,
            # the user's own OBS (its config folder): a private one another recorder launched is not "OBS is running"
            running=lambda: bool(running_obs(user_config_dir(self._env, settings.platform))),
        )
        recording = ObsRecording(self._connection, float(settings.fps))
        try:
            recording.ensure_idle()  # before anything changes: a recording we did not start is left alone
            self._switch(obs)
            recording.point_output(self.output.parent, self.output.stem)
            if self._region is not None and settings.platform.startswith("linux"):
                crop = Crop.of(self._region, self._screen_size(self._env))
                if not recording.aim_screen(crop, self._region.width, self._region.height, float(settings.fps)):
                    log.info("OBS has no %r source: it records its current scene as it is", "TDW Recorder screen")
            free_reserved_name(self._reserved, self.output)
            recording.start()
        except BaseException:
            recording.restore()
            self._connection.close()
            raise
        self._recording = recording
        log.info("OBS %s records to %s", self._connection.obs_version, self.output)
        self._on_ended = on_ended
        self._watcher = Watcher(recording, on_progress, self._ended_by_itself, self._time_up, settings.duration)
        self._watcher.start()

    def _switch(self, obs) -> None:
        assert self._connection is not None
        if obs.collection:
            self._connection.call("SetCurrentSceneCollection", {"sceneCollectionName": obs.collection})
        if obs.profile:
            self._connection.call("SetCurrentProfile", {"profileName": obs.profile})
        if obs.scene:
            self._connection.call("SetCurrentProgramScene", {"sceneName": obs.scene})

    def stop(self) -> None:
        with self._lock:
            if self._stopped or self._recording is None:
                return
            self._stopped = True
        if self._watcher is not None:
            self._watcher.halt()
        reported = self._recording.stop()
        self._recording.restore()
        assert self._connection is not None
        self._connection.close()
        self.output = settle_output(reported, self.output)

    def progress(self) -> Progress:
        return self._recording.last if self._recording is not None else Progress()

    def pids(self) -> list[int]:
        return []  # OBS is the user's: we never start or stop it


def create(context: CaptureContext) -> ObsWebsocketRecorder:
    return ObsWebsocketRecorder(context.plan, context.output, env=context.env, region=context.region)


def unavailable() -> str | None:
    import importlib.util

    if importlib.util.find_spec("obsws_python") is None:
        return "obsws-python is missing: pip install obsws-python (the OBS WebSocket client)."
    return None
