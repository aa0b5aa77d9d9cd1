"""`tdw-recorder doctor`: check the machine and say what to fix, one line per check."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app import logs
from app.capture import registry
from app.errors import RecorderError
from app.ffmpeg import encoders
from app.model.encoding import AUTO, Encoding
from app.machine import Machine
from app.model.backend import BackendInfo
from app.output import MIN_FREE_BYTES, expand_folder, folder_problem, free_bytes
from app.screen.display import XWAYLAND

SCREEN_MODES = frozenset({"video", "av"})  # the modes that grab the screen (the others record sound or TDW's frames)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str  # what was found, or what to do when not ok
    optional: bool = False  # a route this machine may lack (e.g. a Windows-only backend): reported, never "to fix"

    @property
    def needs_fixing(self) -> bool:
        return not self.ok and not self.optional


def run_checks(machine: Machine, output_dir: str, ffmpeg_path: str = "") -> list[Check]:
    checks: list[Check] = []
    try:
        binary, caps = machine.ffmpeg(ffmpeg_path)
    except RecorderError as exc:
        checks.append(Check("ffmpeg", False, exc.message))
    else:
        checks.append(Check("ffmpeg", True, f"{caps.version} ({binary.origin}: {binary.path})"))
        for feature, why in (("x11grab", "screen capture"), ("pulse", "PulseAudio audio"), ("libx264", "H.264 encoding"), ("aac", "AAC audio")):
            checks.append(Check(
                f"ffmpeg {feature}", caps.can(feature),
                f"supported ({why})" if caps.can(feature) else f"missing, so no {why}: install Debian's ffmpeg (sudo apt install ffmpeg).",
            ))
        checks.append(_encoder_check(binary.path, caps.encoders, machine.platform))
    checks.extend(_display_checks(machine))
    xpra = machine.xpra_running()
    checks.append(Check("xpra", not xpra, "xpra is running: stop it (xpra stop), x11grab fails under it." if xpra else "not running"))
    try:
        sources = machine.pulse.sources()
        default = machine.pulse.default_sink()
        checks.append(Check("sound server", True, f"{len(sources)} sources; default output {default} (record it with --audio default)"))
    except RecorderError as exc:
        checks.append(Check("sound server", False, exc.message))
    folder: Path = expand_folder(output_dir)
    problem = folder_problem(folder)
    checks.append(Check("output folder", problem is None, problem or f"{folder} is writable"))
    if problem is None:
        free = free_bytes(folder)
        enough = free >= MIN_FREE_BYTES
        checks.append(Check(
            "free disk", enough,
            f"{free / 1024 ** 3:.1f} GB free" if enough else f"only {free // 1024 ** 2} MB free: free some space or choose another folder.",
        ))
    for name in registry.names():
        reason = registry.unavailable(name)
        checks.append(Check(f"backend {name}", False, reason, optional=True) if reason
                      else _route_check(registry.info(name), machine.display.kind))
    checks.append(Check("log file", *logs.status(), optional=True))  # where this run logs: informational
    return checks


def _encoder_check(binary: str, listed: frozenset[str], platform: str) -> Check:
    """Which hardware encoders really encode here (a fresh one-frame test each, which also refreshes the cache
    `--encoder auto` reads): informational, since libx264 always records."""
    tried = encoders.candidates(listed, platform, every=True)
    results = encoders.probe(binary, tried, fresh=True) if tried else {}
    works = [name for name in tried if results[name].works]
    auto = encoders.choose(binary, listed, Encoding(video_codec=AUTO), platform).encoding.video_codec
    if works:
        return Check("hardware encoders", True, f"{', '.join(works)} work (--encoder auto picks {auto})", optional=True)
    tested = f"tested {', '.join(tried)}: none works on this machine" if tried else "this ffmpeg lists none"
    return Check("hardware encoders", False, f"{tested}; libx264 encodes (--encoder auto picks libx264)", optional=True)


def _display_checks(machine: Machine) -> list[Check]:
    display = machine.display
    try:
        width, height = display.size()
    except RecorderError as exc:
        return [Check("display", False, exc.message)]
    if display.kind != XWAYLAND:
        return [Check("display", True, f"DISPLAY={display.display} ({display.kind}) is {width}x{height}")]
    native = next((b.name for b in registry.BACKENDS.values()  # one that records the compositor's own outputs
                   if b.resolve_region and XWAYLAND in b.display_servers and not registry.unavailable(b.name)), None)
    return [
        Check("display", True, f"DISPLAY={display.display} is {width}x{height}; Wayland session (Xwayland {display.display}): "
                               "windows recorded by id; the screen cannot be recorded by x11grab"),
        Check("screen capture", True, f"this compositor's screen, monitors and rectangles are recorded by the {native} "
                                      f"backend (--backend {native}); x11grab sees only X11 windows here") if native else
        Check("screen capture", False, "x11grab sees only X11 windows in a Wayland session: record the TDW window (--region tdw) "
                                       "or an X11 window (--region window:<title>); for the whole screen, log in to an X11 "
                                       "session (\"GNOME on Xorg\").", optional=True),
    ]


def _route_check(info: BackendInfo, display_kind: str) -> Check:
    """A backend that can run here, and what of the screen it records on this display (Wayland: windows at most)."""
    name = f"backend {info.name}"
    if display_kind != XWAYLAND or not info.region_kinds or not info.modes & SCREEN_MODES:
        return Check(name, True, info.label, optional=True)
    kinds = sorted(info.region_kinds_on(display_kind))
    if kinds and set(kinds) == info.region_kinds:  # a backend that records the Wayland compositor itself
        return Check(name, True, f"{info.label}; on this Wayland session the {' and '.join(kinds)} regions", optional=True)
    if kinds:
        return Check(name, True, f"{info.label}; on this Wayland session only the {' and '.join(kinds)} regions", optional=True)
    return Check(name, False, f"{info.label}: cannot record this Wayland session: {info.wayland_advice}", optional=True)
