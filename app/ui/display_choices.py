"""What each backend can record on this kind of display, for greying the window's choices before one is picked.

The decision is the backends' declared data (`BackendInfo.region_kinds`, `region_kinds_on(display kind)`) and the
words are preflight's own (`app.preflight.backends`), so the greyed choice's tooltip says exactly what the inline
check would say after it is picked. Both functions may ask the machine (whether another backend can run here), so
the window calls them off the GUI thread.
"""

from __future__ import annotations

import html

from app.capture import registry
from app.errors import Problem
from app.model.backend import BackendInfo
from app.model.settings import CaptureSettings
from app.preflight.backends import backend as backend_problems
from app.preflight.backends import wayland_problem

REGION_MODES = ("video", "av")  # the modes that record a region of the screen (the region panel is on for these)
# One region of each kind: preflight's words depend on the kind, never on the region's value.
SAMPLES = {"screen": "screen", "monitor": "monitor:1", "rect": "0,0,640x480", "window": "window:0x1", "tdw": "tdw"}

Reasons = dict[tuple[str, str], dict[str, str]]  # (backend, mode) -> {region kind: why it cannot be recorded}


def as_tooltip(text: str) -> str:
    """`text` as a tooltip shows it as written: a long sentence wraps (Qt wraps only rich text), and one naming
    `window:<title>` is not read as HTML (Qt would drop the '<title>' and all after it). Short plain ones are kept."""
    return f"<p>{html.escape(text, quote=False)}</p>" if "<" in text or len(text) > 100 else text


def region_reasons(display_kind: str, platform: str) -> Reasons:
    """For each backend and screen mode it records: the region kinds it cannot record on this display, with why."""
    table: Reasons = {}
    for info in list(registry.BACKENDS.values()):
        for mode in REGION_MODES:
            if info.records(mode):
                found = {kind: why for kind in SAMPLES if (why := _why_not(info, kind, mode, display_kind, platform))}
                table[(info.name, mode)] = found
    return table


def display_reason(name: str, display_kind: str, platform: str) -> str | None:
    """Why a backend that only records the screen can record nothing on this display (e.g. OBS in a Wayland
    session), or None. A backend that does not record this kind of display at all says so itself (preflight)."""
    info = registry.info(name)
    modes = [mode for mode in REGION_MODES if info.records(mode)]
    if (not modes or not info.modes <= set(REGION_MODES) or not info.region_kinds
            or display_kind not in info.display_servers or info.region_kinds_on(display_kind)):
        return None
    kind = next(kind for kind in SAMPLES if kind in info.region_kinds)
    return _message(wayland_problem(_settings(info, kind, modes[0], platform), display_kind))


def _why_not(info: BackendInfo, kind: str, mode: str, display_kind: str, platform: str) -> str | None:
    settings = _settings(info, kind, mode, platform)
    if kind not in info.region_kinds:  # on any display: preflight's backend check says so
        try:
            return next((p.message for p in backend_problems(settings) if p.field == "region"), None)
        except Exception:  # noqa: BLE001 - a backend's own broken check: preflight reports it once the region is picked
            return None
    if display_kind in info.display_servers and kind not in info.region_kinds_on(display_kind):
        return _message(wayland_problem(settings, display_kind))
    return None


def _settings(info: BackendInfo, kind: str, mode: str, platform: str) -> CaptureSettings:
    return CaptureSettings(backend=info.name, mode=mode, region=SAMPLES[kind], platform=platform)


def _message(problem: Problem | None) -> str | None:
    return problem.message if problem is not None else None
