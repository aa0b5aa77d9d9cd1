"""What a capture backend declares about itself, as data: the registry lists these, preflight and the window read them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

Hook = str | Callable[..., Any]  # "module:function" (imported when used), or the function itself (plug-ins, tests)

ALL_MODES = frozenset({"video", "video-frames", "av", "audio"})
ALL_REGIONS = frozenset({"screen", "monitor", "rect", "window", "tdw"})
# The jobs ffmpeg may do for a backend (app.preflight checks the chosen ffmpeg can do each one it needs).
FFMPEG_ROLES = ("screen", "sound", "video_encoder", "audio_encoder", "live_audio_encoder", "final_audio_encoder")


@dataclass(frozen=True)
class BackendInfo:
    """One capture backend. `factory` and the optional hooks are "module:function" paths, imported only when used
    (so listing backends never loads OBS's client or a platform's libraries), or functions."""

    name: str  # what --backend takes
    label: str  # what the window shows
    factory: Hook  # (CaptureContext) -> Recorder
    modes: frozenset[str] = ALL_MODES
    platforms: tuple[str, ...] = ("linux", "win32", "darwin")  # sys.platform prefixes it runs on
    display_servers: frozenset[str] = frozenset({"x11", "xwayland"})  # where it records (app.screen.display kinds)
    region_kinds: frozenset[str] = ALL_REGIONS
    # On Xwayland (a Wayland session) the root window is empty, so a grab of the screen records black: the region
    # kinds it still records there (e.g. windows grabbed by id), and one sentence on what to do instead.
    wayland_region_kinds: frozenset[str] = frozenset()
    wayland_advice: str = ""
    ffmpeg_roles: tuple[str, ...] = ()  # what it asks of our ffmpeg (FFMPEG_ROLES); finishing a file needs none
    needs_scene: bool = False  # records only while a TDW scene runs (the build's own ffmpeg)
    mode_advice: str = ""  # one sentence for a mode it cannot record
    unavailable: Hook = ""  # () -> str | None: why it cannot be used on this machine
    checks: Hook = ""  # (CaptureSettings) -> list[Problem]: its own static checks
    # A backend that records a Wayland compositor's own outputs (not X's screen) resolves the region there:
    # (RegionSpec, env, round_odd) -> Region, raising a one-line RecorderError; preflight asks it instead of the X display.
    resolve_region: Hook = ""
    # Pause/resume (app.session): whether its Recorder has pause()/resume(), and else one sentence saying why not.
    can_pause: bool = False
    pause_advice: str = ""

    def records(self, mode: str) -> bool:
        return mode in self.modes

    def runs_on(self, platform: str) -> bool:
        return any(platform.startswith(p) for p in self.platforms)

    def region_kinds_on(self, display_kind: str) -> frozenset[str]:
        """The region kinds it records on this kind of display (app.screen.display's `kind`)."""
        return self.region_kinds & self.wayland_region_kinds if display_kind == "xwayland" else self.region_kinds
