"""The capture backends the user can choose, by name: one factory each, behind the Recorder protocol.

A backend module adds itself here; the session only ever asks `create(name, context)`. `unavailable(name)`
says why a backend cannot be used on this machine (the GUI greys it out with that reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from app.capture.base import Recorder
from app.errors import RecorderError
from app.screen.region import Region

if TYPE_CHECKING:
    from app.preflight import RecordingPlan


@dataclass(frozen=True)
class CaptureContext:
    """What a backend needs to start: the plan, where to write, and the resolved picture source."""

    plan: "RecordingPlan"
    output: Path  # the reserved crash-safe file; a backend that writes elsewhere reports it in `Recorder.output`
    env: dict[str, str] | None
    region: Region | None
    window_id: int | None = None


@dataclass(frozen=True)
class Backend:
    name: str
    label: str
    create: Callable[[CaptureContext], Recorder]
    unavailable: Callable[[], str | None] = lambda: None  # None when usable, else why not (one sentence)


def _ffmpeg(context: CaptureContext) -> Recorder:
    from app.capture.ffmpeg_screen import FfmpegScreenRecorder

    return FfmpegScreenRecorder(context.plan, context.output, env=context.env, region=context.region,
                                window_id=context.window_id)


def _tdw_build(context: CaptureContext) -> Recorder:
    from app.capture.build_ffmpeg import BuildFfmpegRecorder

    return BuildFfmpegRecorder(context.output)


BACKENDS: dict[str, Backend] = {
    "ffmpeg": Backend("ffmpeg", "ffmpeg", _ffmpeg),
    "tdw-build": Backend("tdw-build", "TDW build's own ffmpeg (TDW 1.10.4+)", _tdw_build),
}


def register(backend: Backend) -> None:
    BACKENDS[backend.name] = backend


def create(name: str, context: CaptureContext) -> Recorder:
    backend = BACKENDS.get(name)
    if backend is None:
        raise RecorderError(f"Backend {name!r} is unknown: use one of {', '.join(BACKENDS)}.")
    return backend.create(context)


def _obs_websocket(context: CaptureContext) -> Recorder:
    from app.capture.obs_websocket import ObsWebsocketRecorder

    return ObsWebsocketRecorder(context.plan, context.output, env=context.env, region=context.region)


def _obs_websocket_unavailable() -> str | None:
    import importlib.util

    if importlib.util.find_spec("obsws_python") is None:
        return "obsws-python is missing: pip install obsws-python (the OBS WebSocket client)."
    return None


def _obs_launch(context: CaptureContext) -> Recorder:
    from app.capture.obs_launch import ObsLaunchRecorder

    return ObsLaunchRecorder(context.plan, context.output, env=context.env, region=context.region)


def _obs_launch_unavailable() -> str | None:
    from app.obs.install import find_obs, not_installed_message

    return None if find_obs() else not_installed_message()


register(Backend("obs-websocket", "OBS Studio you run (over its WebSocket)", _obs_websocket, _obs_websocket_unavailable))
register(Backend("obs-launch", "OBS Studio, started for the recording", _obs_launch, _obs_launch_unavailable))


def _fmedia(context: CaptureContext) -> Recorder:
    from app.capture.fmedia import FmediaRecorder

    plan = context.plan
    return FmediaRecorder(plan.audio_source or "", context.output, duration=plan.settings.duration, env=context.env)


def _fmedia_unavailable() -> str | None:
    from app.capture.fmedia import find_fmedia, not_installed_message

    return None if find_fmedia() else not_installed_message()


register(Backend("fmedia", "fmedia, as TDW's AudioUtils (audio only)", _fmedia, _fmedia_unavailable))
