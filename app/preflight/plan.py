"""Turn settings into a concrete plan (binary, region, audio source, A/V offset), or into a list of problems."""

from __future__ import annotations

import logging
from dataclasses import replace

from app.audio.formats import LIVE_CODEC as AUDIO_LIVE_CODEC
from app.audio.formats import finalise_encoder
from app.calibration import audio_offset_s
from app.capture import registry
from app.errors import Problem, RecorderError, ValidationError
from app.ffmpeg import encoders
from app.model.encoding import AUTO
from app.machine import Machine
from app.model.backend import BackendInfo
from app.model.plan import RecordingPlan
from app.model.region import Region, parse_region
from app.model.settings import CaptureSettings
from app.preflight.backends import wayland_problem
from app.preflight.fields import region_problems
from app.preflight.scene import scene_problems
from app.preflight.static import static_problems
from app.screen import resolve

log = logging.getLogger(__name__)


def validate(settings: CaptureSettings, machine: Machine | None = None) -> list[Problem]:
    """Every problem with these settings on this machine, each one sentence with its fix."""
    try:
        _build_plan(settings, machine or Machine(platform=settings.platform))
    except ValidationError as exc:
        return exc.problems
    return []


def plan(settings: CaptureSettings, machine: Machine | None = None) -> RecordingPlan:
    """The resolved plan; raises ValidationError listing every problem found."""
    try:
        return _build_plan(settings, machine or Machine(platform=settings.platform))
    except ValidationError as exc:
        log.info("not recording: %s", "; ".join(f"{p.field}: {p.message}" for p in exc.problems))  # the run's log file
        raise


def needed_features(settings: CaptureSettings) -> list[tuple[str, str]]:
    """What our ffmpeg must be able to do for this recording: the roles the backend gives it, for this mode."""
    backend = registry.BACKENDS.get(settings.backend)
    roles = set(backend.ffmpeg_roles) if backend else set()
    linux = settings.platform.startswith("linux")
    needs: list[tuple[str, str]] = []

    def need(name: str, what: str) -> None:
        if (name, what) not in needs:
            needs.append((name, what))

    if "screen" in roles and settings.wants_screen and linux:
        need("x11grab", "screen capture (x11grab)")
    if "sound" in roles and settings.wants_audio and linux:
        need("pulse", "PulseAudio input")
    if "video_encoder" in roles and settings.wants_video and settings.encoding.video_codec != AUTO:
        need(settings.encoding.video_codec, f"the {settings.encoding.video_codec} encoder")
    if settings.wants_audio and settings.mode == "audio":  # live FLAC (app.audio.formats), then the chosen format
        if "live_audio_encoder" in roles:
            need(AUDIO_LIVE_CODEC, f"the {AUDIO_LIVE_CODEC} encoder")
        live = AUDIO_LIVE_CODEC if "live_audio_encoder" in roles else "pcm"
        final = finalise_encoder(settings.audio_format, live)
        if final and settings.finalise and "final_audio_encoder" in roles:
            need(final, f"the {final} encoder")
    elif settings.wants_audio and "audio_encoder" in roles:
        need(settings.encoding.audio_codec, f"the {settings.encoding.audio_codec} encoder")
    return needs


def _build_plan(settings: CaptureSettings, machine: Machine) -> RecordingPlan:
    problems = static_problems(settings)
    binary = caps = None
    try:
        binary, caps = machine.ffmpeg(settings.ffmpeg_path)
    except RecorderError as exc:
        problems.append(Problem("ffmpeg", exc.message))
    if binary is not None and caps is not None:
        lacks = [what for name, what in needed_features(settings) if not caps.can(name)]
        if lacks:
            problems.append(Problem(
                "ffmpeg", f"The ffmpeg at {binary.path} lacks {' and '.join(lacks)}: "
                          "install Debian's ffmpeg or clear the ffmpeg setting to use the embedded one."
            ))

    region, window_id = None, None
    if settings.wants_screen and settings.platform.startswith("linux") and not any(p.field == "region" for p in problems):
        region, window_id = _resolve_region(settings, machine, problems)
    if settings.scene:
        problems.extend(scene_problems(settings))

    audio_source, more_audio = None, []
    if settings.wants_audio and settings.platform.startswith("linux"):
        try:
            audio_source = machine.pulse.resolve(settings.audio if settings.audio not in ("", "none") else "default")
            more_audio = [machine.pulse.resolve(source) for source in settings.more_audio]
            if len({audio_source, *more_audio}) <= len(more_audio) and not any(p.field == "audio" for p in problems):
                problems.append(Problem("audio", f"Two of the audio sources are the same one ({audio_source}, "
                                                 f"{', '.join(more_audio)}): give each source once."))
        except RecorderError as exc:
            problems.append(Problem("audio", exc.message))
    elif settings.wants_audio:
        audio_source = settings.audio

    note = ""
    if binary is not None and caps is not None and not problems and _encodes_here(settings):
        choice = _encoder(settings, binary.path, caps.encoders, problems)
        settings, note = replace(settings, encoding=choice.encoding), choice.note
        log.info("%s", note)
    if problems:
        raise ValidationError(problems)
    assert binary is not None and caps is not None
    return RecordingPlan(settings, binary, caps, region, machine.display.display, audio_source, window_id,
                         audio_offset_s=audio_offset_s(settings), more_audio=tuple(more_audio), encoder_note=note)


def _encodes_here(settings: CaptureSettings) -> bool:
    """Our ffmpeg encodes the picture (the other backends encode with their own settings)."""
    backend = registry.BACKENDS.get(settings.backend)
    return settings.wants_video and backend is not None and "video_encoder" in backend.ffmpeg_roles


def _encoder(settings: CaptureSettings, binary: str, listed: frozenset[str], problems: list[Problem]) -> encoders.Choice:
    """`auto` resolved by a (cached) test encode; a hardware encoder asked for by name is tested the same way, so
    one this machine cannot run is refused in words before anything starts."""
    enc = settings.encoding
    if enc.lossless:
        if encoders.LOSSLESS_ENCODER not in listed:
            problems.append(Problem("encoder", f"This ffmpeg has no {encoders.LOSSLESS_ENCODER} encoder, which --lossless "
                                               "needs: use the embedded ffmpeg (leave --ffmpeg out) or leave out --lossless."))
        return encoders.Choice(replace(enc, video_codec="libx264"),
                               f"Encoder: {encoders.LOSSLESS_ENCODER}, lossless (every pixel of _img as the build sent it).")
    if enc.video_codec in encoders.SOFTWARE_ENCODERS + (AUTO,):
        return encoders.choose(binary, listed, enc, settings.platform)
    result = encoders.probe(binary, [enc.video_codec])[enc.video_codec]
    if not result.works:
        problems.append(Problem("encoder", f"The {enc.video_codec} encoder does not work on this machine ({result.detail}): "
                                           "choose auto or libx264 (`tdw-recorder doctor` lists the encoders that work)."))
    return encoders.Choice(enc, f"Encoder: {enc.video_codec}.")


def _resolve_region(settings: CaptureSettings, machine: Machine,
                    problems: list[Problem]) -> tuple[Region | None, int | None]:
    backend = registry.BACKENDS.get(settings.backend)
    if backend is not None and backend.resolve_region:
        return _own_region(settings, backend, machine, problems)
    if machine.xpra_running():
        problems.append(Problem("region", "xpra is running, and x11grab cannot record under it: stop xpra (xpra stop) and try again."))
        return None, None
    display = machine.display
    if backend is not None and display.kind not in backend.display_servers:
        problems.append(_display_problem(backend, display.kind))
        return None, None
    wayland = wayland_problem(settings, display.kind)
    if wayland is not None:
        problems.append(wayland)
        return None, None
    try:
        screen = display.size()
        target = resolve.resolve(parse_region(settings.region), display, settings.round_odd_size)
    except RecorderError as exc:
        problems.append(Problem("region", exc.message))
        return None, None
    if target is None:
        return None, None  # the TDW window: found by the session once the build opens it
    found = region_problems(target.region, screen, settings, parity=False)  # parity: checked statically / rounded
    problems.extend(found)
    return (None, None) if found else (target.region, target.window_id)


def _display_problem(backend: BackendInfo, kind: str) -> Problem:
    return Problem("region", f"The {backend.label} backend cannot record this display ({kind}): choose another backend.")


def _own_region(settings: CaptureSettings, backend: BackendInfo, machine: Machine,
                problems: list[Problem]) -> tuple[Region | None, int | None]:
    """A backend that records the compositor's own outputs (a Wayland one), not X's screen, resolves the region there."""
    if registry.unavailable(backend.name):
        return None, None  # its backend problem says why it cannot record here: where it would record is moot
    if machine.display.kind not in backend.display_servers:
        problems.append(_display_problem(backend, machine.display.kind))
        return None, None
    try:
        region = registry.resolve_region(backend.name, parse_region(settings.region), machine.env, settings.round_odd_size)
    except RecorderError as exc:
        problems.append(Problem("region", exc.message))
        return None, None
    found = region_problems(region, None, settings, parity=False)
    problems.extend(found)
    return (None, None) if found else (region, None)
