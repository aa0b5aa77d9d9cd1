"""`tdw-recorder doctor`: check the machine and say what to fix, one line per check."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.capture import registry
from app.errors import RecorderError
from app.machine import Machine
from app.output import MIN_FREE_BYTES, expand_folder, folder_problem, free_bytes


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
    try:
        width, height = machine.display.size()
        checks.append(Check("display", True, f"DISPLAY={machine.display.display} ({machine.display.kind}) is {width}x{height}"))
    except RecorderError as exc:
        checks.append(Check("display", False, exc.message))
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
        checks.append(Check(f"backend {name}", reason is None, reason or registry.info(name).label, optional=True))
    return checks
