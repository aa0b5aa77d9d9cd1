"""Turn settings into a concrete plan (binary, region, audio source), or into a list of problems."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

from app.audio.formats import LIVE_CODEC as AUDIO_LIVE_CODEC
from app.audio.formats import finalise_encoder
from app.errors import Problem, RecorderError, ValidationError
from app.ffmpeg.capabilities import Capabilities
from app.ffmpeg.locate import FfmpegBinary
from app.machine import Machine
from app.screen.region import Region, parse_region
from app.settings import CaptureSettings, region_problems


@dataclass(frozen=True)
class RecordingPlan:
    settings: CaptureSettings
    ffmpeg: FfmpegBinary
    capabilities: Capabilities
    region: Region | None  # None for audio only
    display: str
    audio_source: str | None
    window_id: int | None = None


def _needed_features(settings: CaptureSettings) -> list[tuple[str, str]]:
    needs = []
    by_fmedia = settings.backend == "fmedia"  # fmedia records the sound itself; ffmpeg only finishes the file
    if settings.wants_screen and settings.platform.startswith("linux"):
        needs.append(("x11grab", "screen capture (x11grab)"))
    if settings.wants_audio and settings.platform.startswith("linux") and not by_fmedia:
        needs.append(("pulse", "PulseAudio input"))
    if settings.wants_video:
        needs.append((settings.encoding.video_codec, f"the {settings.encoding.video_codec} encoder"))
    if settings.wants_audio and settings.mode == "audio":  # live FLAC (app.audio.formats), then the chosen format
        if not by_fmedia:
            needs.append((AUDIO_LIVE_CODEC, f"the {AUDIO_LIVE_CODEC} encoder"))
        final = finalise_encoder(settings.audio_format, "pcm" if by_fmedia else AUDIO_LIVE_CODEC)
        if final and settings.finalise and (final, f"the {final} encoder") not in needs:
            needs.append((final, f"the {final} encoder"))
    elif settings.wants_audio:
        needs.append((settings.encoding.audio_codec, f"the {settings.encoding.audio_codec} encoder"))
    return needs


def validate(settings: CaptureSettings, machine: Machine | None = None) -> list[Problem]:
    """Every problem with these settings on this machine, each one sentence with its fix."""
    try:
        _build_plan(settings, machine or Machine(platform=settings.platform))
    except ValidationError as exc:
        return exc.problems
    return []


def plan(settings: CaptureSettings, machine: Machine | None = None) -> RecordingPlan:
    """The resolved plan; raises ValidationError listing every problem found."""
    return _build_plan(settings, machine or Machine(platform=settings.platform))


def _build_plan(settings: CaptureSettings, machine: Machine) -> RecordingPlan:
    problems = settings.static_problems()
    binary = caps = None
    try:
        binary, caps = machine.ffmpeg(settings.ffmpeg_path)
    except RecorderError as exc:
        problems.append(Problem("ffmpeg", exc.message))
    if caps is not None:
        lacks = [what for name, what in _needed_features(settings) if not caps.can(name)]
        if lacks:
            problems.append(Problem(
                "ffmpeg", f"The ffmpeg at {binary.path} lacks {' and '.join(lacks)}: install Debian's ffmpeg or clear the ffmpeg setting to use the embedded one."
            ))

    region, window_id = None, None
    if settings.wants_screen and settings.platform.startswith("linux") and not any(p.field == "region" for p in problems):
        region, window_id = _resolve_region(settings, machine, problems)
    if settings.scene:
        _check_scene(settings, problems)

    audio_source = None
    if settings.wants_audio and settings.platform.startswith("linux"):
        try:
            audio_source = machine.pulse.resolve(settings.audio if settings.audio not in ("", "none") else "default")
        except RecorderError as exc:
            problems.append(Problem("audio", exc.message))
    elif settings.wants_audio:
        audio_source = settings.audio

    if problems:
        raise ValidationError(problems)
    assert binary is not None and caps is not None
    return RecordingPlan(settings, binary, caps, region, machine.x11.display, audio_source, window_id)


def _check_scene(settings: CaptureSettings, problems: list[Problem]) -> None:
    from app.scene.build import find_build
    from app.scene.runner import resolve_script

    try:
        script = resolve_script(settings.scene)
    except RecorderError as exc:
        problems.append(Problem("scene", exc.message))
    else:
        message = python_problem(script)
        if message:
            problems.append(Problem("scene", message))
    try:
        find_build(settings.build or None)
    except RecorderError as exc:
        problems.append(Problem("build", exc.message))
    if isinstance(settings.port, int) and 0 < settings.port <= 65535 and not port_free(settings.port):
        problems.append(Problem("port", f"Port {settings.port} is in use (another recording or TDW build?): "
                                        "leave the port out to use a free one, or pick another."))


def python_problem(script: Path) -> str | None:
    """Why a controller script cannot run at all (unreadable, or not Python); None when it compiles."""
    try:
        source = script.read_bytes()
    except OSError as exc:
        return f"Scene script {script} cannot be read ({exc.strerror}): check its permissions."
    try:
        compile(source, str(script), "exec", dont_inherit=True)
    except SyntaxError as exc:
        return f"Scene script {script.name} is not valid Python (line {exc.lineno}: {exc.msg}): fix it or choose your controller's .py file."
    except ValueError:  # e.g. null bytes: a binary file named .py
        return f"Scene script {script.name} is not a Python file: choose your controller's .py file."
    return None


def port_free(port: int) -> bool:
    """True when the controller could bind `port` now (it binds tcp://*:port, as tdw's Controller does)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("", port))
        except OSError:
            return False
    return True


def _resolve_region(settings: CaptureSettings, machine: Machine, problems: list[Problem]):
    if machine.xpra_running():
        problems.append(Problem("region", "xpra is running, and x11grab cannot record under it: stop xpra (xpra stop) and try again."))
        return None, None
    try:
        screen = machine.x11.size()
    except RecorderError as exc:
        problems.append(Problem("region", exc.message))
        return None, None
    spec = parse_region(settings.region)
    window_id = None
    if spec.kind == "tdw":
        return None, None  # found by the session once the build's window opens
    if spec.kind == "screen":
        region = Region(0, 0, *screen)
    elif spec.kind == "window":
        try:
            window = machine.x11.find_window(spec.query)
        except RecorderError as exc:
            problems.append(Problem("region", exc.message))
            return None, None
        window_id, region = window.window_id, window.region.clamped(*screen)
    else:
        assert spec.region is not None
        region = spec.region
    if settings.round_odd_size or spec.kind != "rect":
        region = region.rounded_even()  # whole screens and windows are rounded silently
    found = region_problems(region, screen, settings, parity=False)  # parity: checked statically / rounded
    problems.extend(found)
    return (None, None) if found else (region, window_id)
