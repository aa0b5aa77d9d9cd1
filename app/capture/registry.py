"""The capture backends, as data: what each can record, where, and what it needs; one factory each.

Everything that offers or checks a backend asks here (preflight, the CLI's --backend, the window's list, `doctor`),
and the session only ever calls `create(name, context)`. Adding a backend is its own module (a Recorder and a
`create(context)` function) plus one `BackendInfo` below: see docs/architecture.md.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Mapping

from app.capture.base import CaptureContext, Recorder
from app.errors import Problem, RecorderError
from app.model.backend import ALL_REGIONS, FFMPEG_ROLES, BackendInfo, Hook
from app.model.region import Region, RegionSpec
from app.model.settings import CaptureSettings

OBS_ADVICE = "OBS records the screen (video or audio + video): for audio only, use the ffmpeg backend."
OBS_WAYLAND_ADVICE = ("OBS's X11 screen capture (xshm) sees an empty screen there, so every region records black. Use "
                      "OBS's own Screen Capture (PipeWire) by hand, record with the ffmpeg backend (--region tdw or "
                      "window:<title>), or log in to an X11 session (\"GNOME on Xorg\").")

BACKENDS: dict[str, BackendInfo] = {}


def register(info: BackendInfo) -> None:
    """Add (or replace) a backend; a module of a plug-in or a test may call this too."""
    BACKENDS[info.name] = info


def names() -> list[str]:
    return list(BACKENDS)


def info(name: str) -> BackendInfo:
    backend = BACKENDS.get(name)
    if backend is None:
        raise RecorderError(f"Backend {name!r} is unknown: use one of {', '.join(BACKENDS)}.")
    return backend


def label(name: str) -> str:
    """What the user knows the backend as (its label), or its name when it is unknown."""
    backend = BACKENDS.get(name)
    return backend.label if backend is not None else name


def _load(hook: Hook) -> Callable[..., Any]:
    if callable(hook):
        return hook
    module, _, function = hook.partition(":")
    return getattr(importlib.import_module(module), function)


def create(name: str, context: CaptureContext) -> Recorder:
    return _load(info(name).factory)(context)


def unavailable(name: str) -> str | None:
    """Why this backend cannot be used on this machine (one sentence), or None when it can."""
    backend = info(name)
    return _load(backend.unavailable)() if backend.unavailable else None


def resolve_region(name: str, spec: RegionSpec, env: Mapping[str, str], round_odd: bool = False) -> Region:
    """The region on the backend's own screen (its `resolve_region`: e.g. a Wayland compositor's outputs)."""
    return _load(info(name).resolve_region)(spec, env, round_odd)


def own_problems(settings: CaptureSettings) -> list[Problem]:
    """The chosen backend's own static checks (e.g. what the build's ffmpeg cannot be given)."""
    backend = BACKENDS.get(settings.backend)
    return list(_load(backend.checks)(settings)) if backend is not None and backend.checks else []


register(BackendInfo(
    "ffmpeg", "ffmpeg", "app.capture.ffmpeg_routes:create",
    ffmpeg_roles=FFMPEG_ROLES, can_pause=True,  # the screen and sound: parts; TDW's frames: frames left out
    wayland_region_kinds=frozenset({"window", "tdw"}),  # grabbed by X window id (x11grab -window_id)
    wayland_advice="x11grab sees only X11 windows there, so the screen records black. Record the TDW window "
                   "(--region tdw) or an X11 window (--region window:<title>), or log in to an X11 session (\"GNOME on Xorg\").",
))
register(BackendInfo(
    "tdw-build", "TDW build's own ffmpeg (TDW 1.10.4+)", "app.capture.build_ffmpeg:create",
    modes=frozenset({"video", "av"}), region_kinds=ALL_REGIONS, needs_scene=True,
    mode_advice="The TDW build's own ffmpeg records a scene's window: choose a scene (--scene) and a video or audio + video mode.",
    wayland_advice="the TDW build's own ffmpeg grabs its window's place on the screen, which is black there. Record with "
                   "the ffmpeg backend (--backend ffmpeg --region tdw), or log in to an X11 session (\"GNOME on Xorg\").",
    checks="app.scene.build_capture:settings_problems",
    can_pause=True,  # stop_video_capture with the scene's next frame; resume starts a next part (joined at the end)
))
register(BackendInfo(
    "obs-websocket", "OBS Studio you run (over its WebSocket)", "app.capture.obs_websocket:create",
    modes=frozenset({"video", "av"}), mode_advice=OBS_ADVICE,
    unavailable="app.capture.obs_websocket:unavailable", checks="app.obs.settings:settings_problems",
    wayland_advice=OBS_WAYLAND_ADVICE, can_pause=True,  # PauseRecord / ResumeRecord
))
register(BackendInfo(
    "obs-launch", "OBS Studio, started for the recording", "app.capture.obs_launch:create",
    modes=frozenset({"video", "av"}), mode_advice=OBS_ADVICE,
    unavailable="app.capture.obs_launch:unavailable", checks="app.obs.settings:settings_problems",
    wayland_advice=OBS_WAYLAND_ADVICE, can_pause=True,  # over the WebSocket of the OBS it started
))
register(BackendInfo(
    "fmedia", "fmedia, as TDW's AudioUtils (audio only)", "app.capture.fmedia:create",
    modes=frozenset({"audio"}), region_kinds=frozenset(), ffmpeg_roles=("final_audio_encoder",),
    mode_advice="fmedia records sound only: choose audio only (--mode audio), or the ffmpeg backend.",
    unavailable="app.capture.fmedia:unavailable",
    pause_advice="fmedia cannot pause here: record sound with the ffmpeg backend to pause.",
))
register(BackendInfo(
    "wf-recorder", "wf-recorder (sway and other wlroots desktops)", "app.capture.wf_recorder:create",
    modes=frozenset({"video", "av"}), platforms=("linux",),
    display_servers=frozenset({"xwayland"}),  # a Wayland session only (app.screen.display: its X server is Xwayland)
    # screen: the one output (-o NAME); monitor:<n or name>: that output; X,Y,WxH: -g "X,Y WxH" inside one output
    region_kinds=frozenset({"screen", "monitor", "rect"}), wayland_region_kinds=frozenset({"screen", "monitor", "rect"}),
    mode_advice="wf-recorder records the screen (video, or audio + video): for audio only or TDW's frames, use the ffmpeg backend.",
    unavailable="app.capture.wf_recorder:unavailable", checks="app.capture.wf_recorder:settings_problems",
    resolve_region="app.capture.wf_recorder:resolve_region",
    pause_advice="wf-recorder cannot pause: stop and record again.",
))
