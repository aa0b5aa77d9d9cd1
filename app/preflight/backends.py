"""Checks of the chosen backend against what it declares in the registry (modes, platforms, regions, needs)."""

from __future__ import annotations

from typing import Iterable

from app.capture import registry
from app.errors import Problem
from app.model.region import parse_region
from app.model.settings import MODES, CaptureSettings
from app.errors import RecorderError

REGION_WORDS = {"screen": "the screen", "monitor": "a monitor", "rect": "a rectangle of the screen"}
FRAMES_ADVICE = "Video from TDW frames is encoded by {names}: choose the {first} backend."


def backend(s: CaptureSettings) -> Iterable[Problem]:
    info = registry.BACKENDS.get(s.backend)
    if info is None:
        yield Problem("backend", f"Backend {s.backend!r} is unknown: use one of {', '.join(registry.names())}.")
        return
    reason = registry.unavailable(s.backend)
    if reason:
        yield Problem("backend", reason)
    if not info.runs_on(s.platform):
        yield Problem("backend", f"The {info.label} backend does not run on {s.platform}: choose another backend.")
    if s.mode in MODES and (not info.records(s.mode) or (info.needs_scene and not s.scene)):
        yield Problem("backend", _mode_advice(s.mode, info.mode_advice))
    if s.wants_screen and info.records(s.mode):
        kind = _region_kind(s.region)
        if kind is not None and kind not in info.region_kinds:
            yield Problem("region", f"The {info.label} backend cannot record a {kind} region: choose another region or backend.")
    yield from registry.own_problems(s)


def wayland_problem(s: CaptureSettings, display_kind: str) -> Problem | None:
    """The region on this kind of display: on Xwayland (a Wayland session) the screen around the X11 windows is
    not X's, so only the region kinds the backend records there (windows grabbed by id) are allowed."""
    info = registry.BACKENDS.get(s.backend)
    kind = _region_kind(s.region)
    if info is None or kind is None or kind not in info.region_kinds or kind in info.region_kinds_on(display_kind):
        return None
    instead = _wayland_native(s, kind, display_kind)
    if instead:
        return Problem("region", f"This is a Wayland session: the {info.label} backend cannot record {REGION_WORDS.get(kind, kind)} "
                                 f"there, and this desktop can be recorded by the {instead} backend: add --backend {instead}.")
    advice = info.wayland_advice or (f"the {info.label} backend cannot record a {kind} region there: choose another "
                                     "backend or region, or log in to an X11 session.")
    return Problem("region", f"This is a Wayland session: {advice}")


def _wayland_native(s: CaptureSettings, kind: str, display_kind: str) -> str | None:
    """A backend that records this Wayland compositor's own outputs (it resolves the region there), can record this
    region and mode, and can run here now (e.g. wf-recorder on sway: wlr-screencopy is offered)."""
    for other in registry.BACKENDS.values():
        if (other.resolve_region and other.name != s.backend and display_kind in other.display_servers
                and kind in other.region_kinds_on(display_kind) and other.records(s.mode) and other.runs_on(s.platform)
                and not registry.unavailable(other.name)):
            return other.name
    return None


def _mode_advice(mode: str, advice: str) -> str:
    if mode == "video-frames":
        able = [b.name for b in registry.BACKENDS.values() if b.records("video-frames")]
        return FRAMES_ADVICE.format(names=" or ".join(able), first=able[0] if able else "ffmpeg")
    return advice or f"This backend cannot record {mode}: choose another backend or mode."


def _region_kind(text: str) -> str | None:
    try:
        return parse_region(text).kind
    except RecorderError:
        return None  # reported by the region check
