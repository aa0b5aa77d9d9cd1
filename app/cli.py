"""The command line: the same sessions as the GUI, without Qt. Errors are one line, never a traceback."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from typing import Sequence

from app import __version__, desktop
from app.audio.formats import AUDIO_FORMATS
from app.batch import command as batch_command
from app.capture.registry import BACKENDS
from app.doctor import run_checks
from app.errors import RecorderError, ValidationError
from app.ffmpeg.commands import Encoding
from app.headless import headless_for
from app.machine import Machine
from app.preflight import plan as make_plan
from app.session import RecordingStatus, Session
from app.obs import setup as obs_setup
from app.obs.settings import DEFAULT_PORT, PASSWORD_ENV, ObsSettings
from app.settings import CaptureSettings

log = logging.getLogger("tdw-recorder")


def _positive_float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number")


class _Parser(argparse.ArgumentParser):
    """Usage mistakes are one line too (which option, what is wrong, where the help is), exit code 2."""

    def error(self, message: str):
        self.exit(2, f"tdw-recorder: {message[0].upper()}{message[1:]}: see `{self.prog} --help`.\n")


def _join_dash_values(argv: list[str]) -> list[str]:
    """`--region -10,0,320x240`: argparse would read the value as an option; pass it as --region=VALUE."""
    joined: list[str] = []
    for i, arg in enumerate(argv):
        if arg == "--":  # the scene script's own arguments follow, untouched
            return joined + argv[i:]
        if joined and joined[-1] in ("--region", "--screen-size") and arg[:1] == "-" and arg[1:2].isdigit():
            joined[-1] = f"{joined[-1]}={arg}"
        else:
            joined.append(arg)
    return joined


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tdw-recorder", description="Record video and audio of TDW scenes.")
    parser.add_argument("--version", action="version", version=f"tdw-recorder {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens (ffmpeg commands, ...)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    rec = sub.add_parser("record", help="record a screen region (and audio) until Ctrl+C or --duration")
    defaults = CaptureSettings()
    rec.add_argument("--mode", choices=["video", "video-screen", "video-frames", "av", "audio"], default="video",
                     help="video (= video-screen), video-frames (TDW's own images), av, audio (default video)")
    rec.add_argument("--region", default=None,
                     help="X,Y,WxH | screen | window:<id or title> | tdw (default: tdw with --scene, else screen)")
    rec.add_argument("--backend", default="ffmpeg", help="what records: " + ", ".join(BACKENDS) + " (default ffmpeg)")
    rec.add_argument("--fps", type=_positive_float, default=None, help="framerate (default 30, 60 with audio)")
    rec.add_argument("--audio", default="none", help="none | default (what the computer plays) | a PulseAudio source")
    rec.add_argument("--out", default=defaults.output_dir, help=f"output folder (default {defaults.output_dir})")
    rec.add_argument("--name", default=defaults.name_pattern, help="file name pattern, strftime codes allowed")
    rec.add_argument("--duration", type=_positive_float, default=None, help="stop after this many seconds")
    rec.add_argument("--crf", type=int, default=18, help="quality, 0-51, lower is better (default 18)")
    rec.add_argument("--preset", default="veryfast", help="x264 preset (default veryfast)")
    rec.add_argument("--container", choices=["mkv", "mp4"], default="mkv", help="crash-safe recording container")
    rec.add_argument("--no-finalise", action="store_true", help="keep the crash-safe file; do not remux to MP4")
    rec.add_argument("--round-even", action="store_true", help="shrink odd sizes by a pixel (yuv420p needs even)")
    rec.add_argument("--no-mouse", action="store_true", help="do not draw the mouse pointer")
    rec.add_argument("--ffmpeg", default="", help="path of the ffmpeg to use (default: PATH, then embedded)")
    rec.add_argument("--audio-format", choices=list(AUDIO_FORMATS), default=defaults.audio_format,
                     help=f"audio mode: the file written (default {defaults.audio_format})")
    rec.add_argument("--audio-offset", type=float, default=None, metavar="MS",
                     help="shift the sound by MS milliseconds (negative = earlier; default: the sync-check calibration)")
    rec.add_argument("--headless", action="store_true",
                     help="Linux with no display or sound server: use a private Xvfb + PulseAudio (--screen-size sizes it)")
    scene = rec.add_argument_group("TDW scene")
    scene.add_argument("--scene", default="", help="your controller script (run unmodified) or demo:<name>")
    scene.add_argument("--build", default="", help="the TDW build (default: where tdw installs it)")
    scene.add_argument("--port", type=int, default=0, help="the build's port (default: a free one)")
    scene.add_argument("--screen-size", default="", help="WxH sent to the build with set_screen_size")
    scene.add_argument("--keep-frames", default="", help="video-frames: also save each frame in this folder")
    scene.add_argument("--connect-timeout", type=_positive_float, default=60.0, help="seconds to wait for the build")
    scene.add_argument("scene_args", nargs="*", help="arguments for the scene script (after --)")
    obs = rec.add_argument_group("OBS Studio (--backend obs-websocket | obs-launch)")
    obs.add_argument("--obs-host", default="localhost", help="where OBS runs (obs-websocket; default localhost)")
    obs.add_argument("--obs-port", type=int, default=DEFAULT_PORT, help=f"its WebSocket port (default {DEFAULT_PORT})")
    obs.add_argument("--obs-password-file", default="", help=f"file holding the WebSocket password, chmod 600 (else ${PASSWORD_ENV})")
    obs.add_argument("--obs-profile", default="", help="OBS profile to use (obs-launch default: a private one made for the recording)")
    obs.add_argument("--obs-collection", default="", help="OBS scene collection to use")
    obs.add_argument("--obs-scene", default="", help="OBS scene to record")

    sync = sub.add_parser("sync-check", help="measure the A/V offset with a flashing, beeping test window")
    sync.add_argument("--seconds", type=_positive_float, default=8.0, help="how long to record (default 8)")
    sync.add_argument("--fps", type=_positive_float, default=60.0, help="framerate (default 60)")
    sync.add_argument("--save", action="store_true", help="store the offset; later recordings correct it")
    sync.add_argument("--headless", action="store_true", help="on a private Xvfb + PulseAudio")
    sync.add_argument("--keep", default="", help="also keep the test recording in this folder")
    sync.add_argument("--ffmpeg", default="", help="path of the ffmpeg to use")
    sync.add_argument("--shift-audio", type=float, default=0.0, metavar="MS", help=argparse.SUPPRESS)  # self-test
    obs_setup.add_parser(sub)
    batch_command.add_parser(sub)
    desktop.add_parser(sub)
    sub.add_parser("sources", help="list audio sources and windows")
    sub.add_parser("demos", help="list the built-in demo scenes (use with --scene demo:<name>)")
    rec_cmd = sub.add_parser("recover", help="finish recordings a crash or kill left unfinished (remux to MP4)")
    rec_cmd.add_argument("--out", default=defaults.output_dir, help="the folder to look in")
    rec_cmd.add_argument("--list", action="store_true", help="only list them")
    rec_cmd.add_argument("--ffmpeg", default="", help="path of the ffmpeg to use")
    doc = sub.add_parser("doctor", help="check this machine and say what to fix")
    doc.add_argument("--out", default=defaults.output_dir, help="output folder to check")
    doc.add_argument("--ffmpeg", default="", help="path of the ffmpeg to check")
    return parser


def settings_from_args(args: argparse.Namespace) -> CaptureSettings:
    mode = "video" if args.mode == "video-screen" else args.mode
    audio = args.audio
    region = args.region or ("tdw" if args.scene else "screen")
    if mode == "video" and audio not in ("", "none"):
        mode = "av"  # asking for audio with video means audio + video
    if mode in ("av", "audio") and audio in ("", "none"):
        audio = "default"
    fps = args.fps if args.fps is not None else (60.0 if mode == "av" else 30.0)
    return CaptureSettings(
        mode=mode, region=region, fps=fps, backend=args.backend, audio=audio, output_dir=args.out, name_pattern=args.name,
        duration=args.duration, finalise=not args.no_finalise, round_odd_size=args.round_even,
        draw_mouse=not args.no_mouse, ffmpeg_path=args.ffmpeg,
        encoding=Encoding(preset=args.preset, crf=args.crf, container=args.container),
        scene=args.scene, scene_args=list(args.scene_args), build=args.build, port=args.port,
        screen_size=args.screen_size, keep_frames=args.keep_frames, connect_timeout=args.connect_timeout,
        obs=ObsSettings(host=args.obs_host, port=args.obs_port, password_file=args.obs_password_file,
                        profile=args.obs_profile, collection=args.obs_collection, scene=args.obs_scene),
        audio_format=args.audio_format, headless=args.headless,
        audio_offset=args.audio_offset / 1000.0 if args.audio_offset is not None else None,
    )


def _status_line(status: RecordingStatus) -> str:
    return (
        f"\r● REC {status.elapsed_s:7.1f} s  {status.frames:6d} frames  {status.fps:5.1f} fps  "
        f"dropped {status.dropped}  {status.size_bytes / 1048576:7.1f} MB "
    )


def cmd_record(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    if settings.headless:  # the private servers outlive the session, and stop even when it fails
        with headless_for(settings) as servers:
            return _record(settings, Machine(env=servers.env(), platform=settings.platform))
    return _record(settings, Machine(platform=settings.platform))


def _record(settings: CaptureSettings, machine: Machine) -> int:
    plan = make_plan(settings, machine)
    show = sys.stderr.isatty()
    session = Session(plan, on_status=(lambda s: print(_status_line(s), end="", file=sys.stderr, flush=True)) if show else None,
                      env=machine.env)

    def ask_stop(_signum, _frame) -> None:
        session.request_stop()  # wakes wait(); stop() below ends the capture gracefully

    previous = {sig: signal.signal(sig, ask_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    _mention_unfinished(settings.output_dir)
    try:
        session.start()
        sound = "the TDW build's sound" if settings.scene and settings.audio in ("", "none", "default") else plan.audio_source
        where = (f"TDW's frames{f' + {sound}' if plan.audio_source else ''}" if settings.mode == "video-frames"
                 else f"audio ({sound})" if settings.mode == "audio" else f"region {plan.region}" if plan.region
                 else "the TDW window" if settings.region == "tdw" else "audio")
        print(f"Recording {where} at {settings.fps:g} fps to {session.paths.recording} — Ctrl+C stops.", file=sys.stderr)
        session.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        result = session.stop() if session.paths else None
    if show:
        print(file=sys.stderr)
    if result is None:
        return 1
    print(result.summary())
    return 0 if result.error is None else 1


def cmd_sources(_args: argparse.Namespace) -> int:
    machine = Machine()
    print("Audio sources (use with --audio):")
    try:
        for source in machine.pulse.sources():
            print(f"  {source.describe()}")
        print(f"  default = {machine.pulse.default_sink()}.monitor (what the computer plays)")
    except RecorderError as exc:
        print(f"  {exc.message}")
    print("Windows (use with --region window:<id or title>):")
    try:
        for window in machine.x11.windows():
            print(f"  {window.describe()}")
    except RecorderError as exc:
        print(f"  {exc.message}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    checks = run_checks(Machine(), args.out, args.ffmpeg)
    for check in checks:
        print(f"{'ok  ' if check.ok else 'FIX '} {check.name:16} {check.detail}")
    bad = [c for c in checks if not c.ok]
    print("All good: ready to record." if not bad else f"{len(bad)} thing(s) to fix before recording everything.")
    return 0 if not bad else 1


def cmd_recover(args: argparse.Namespace) -> int:
    from app.ffmpeg.locate import find_ffmpeg
    from app.output import expand_folder
    from app.recovery import recover, unfinished

    folder = expand_folder(args.out)
    found = unfinished(folder)
    if not found:
        print(f"No unfinished recordings in {folder}.")
        return 0
    if args.list:
        for path in found:
            print(f"  {path}")
        return 0
    binary = find_ffmpeg(args.ffmpeg or None).path
    results = [recover(binary, path) for path in found]
    for done in results:
        print(f"  {done.message}")
    return 0 if all(r.result for r in results) else 1


def _mention_unfinished(folder_text: str) -> None:
    from app.output import expand_folder
    from app.recovery import unfinished

    found = unfinished(expand_folder(folder_text))
    if found:
        print(f"Note: {len(found)} unfinished recording(s) from an earlier crash are in {found[0].parent}: "
              f"`tdw-recorder recover --out {folder_text}` finishes them.", file=sys.stderr)


def cmd_demos(_args: argparse.Namespace) -> int:
    from app.scene.runner import demos

    for name, path in demos().items():
        doc = (path.read_text().split('"""')[1].strip().splitlines() or [""])[0]
        print(f"  demo:{name:16} {doc}")
    return 0


def cmd_sync_check(args: argparse.Namespace) -> int:
    from app.sync.check import run_sync_check
    from app.sync.config import save_offset_ms

    print(f"Recording a flashing, beeping window for {args.seconds:g} s at {args.fps:g} fps...", file=sys.stderr)
    report = run_sync_check(args.seconds, args.fps, args.shift_audio, args.headless, args.ffmpeg,
                            Path(args.keep).expanduser() if args.keep else None)
    print("Offsets (ms, + = sound late): " + " ".join(f"{o:+.0f}" for o in report.offsets_ms))
    print(report.summary())
    if args.save:
        path = save_offset_ms(report.mean_ms, {"spread_ms": round(report.spread_ms, 1), "events": len(report.offsets_ms)})
        print(f"Saved to {path}: audio + video recordings now shift the sound by {-report.mean_ms:+.0f} ms.")
    return 0


COMMANDS = {"record": cmd_record, "sources": cmd_sources, "doctor": cmd_doctor, "demos": cmd_demos,
            "sync-check": cmd_sync_check, "recover": cmd_recover}

COMMANDS["obs-setup"] = obs_setup.run
COMMANDS["batch"] = batch_command.run
COMMANDS["install-desktop-entry"] = desktop.run


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_join_dash_values(list(sys.argv[1:] if argv is None else argv)))
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not args.command:
        parser.print_help()
        return 0
    try:
        return COMMANDS[args.command](args)
    except ValidationError as exc:
        for problem in exc.problems:
            print(f"tdw-recorder: {problem.message}", file=sys.stderr)
        return 2
    except RecorderError as exc:
        print(f"tdw-recorder: {exc.message}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"tdw-recorder: {exc.strerror or exc} ({exc.filename or 'system'}): check the path and permissions.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl+C outside a recording (e.g. while --headless servers start): no traceback
        print("tdw-recorder: stopped (Ctrl+C).", file=sys.stderr)
        return 130
