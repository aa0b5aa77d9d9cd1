"""The command line: the same sessions as the GUI, without Qt. Errors are one line, never a traceback."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from typing import Sequence

from app import __version__, desktop, logs
from app.batch import command as batch_command
from app.control import command as ctl_command
from app.tools import command as tools_command
from app.doctor import run_checks
from app.errors import Problem, RecorderError, ValidationError
from app.headless import headless_for
from app.machine import Machine
from app.preflight import plan as make_plan
from app.session import Session
from app.model.status import RecordingStatus
from app.obs import setup as obs_setup
from app.options import add_record_arguments, number_arg, settings_from_options
from app.model.settings import CaptureSettings
from app.processes import keep_secrets_from_children
from app.signals import AGAIN_S, EndingSignals, Interrupted, cut_finishing, describe, detach_from_terminal, say_on

log = logging.getLogger("tdw-recorder")


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
    add_record_arguments(rec)
    ctl_command.add_record_arguments(rec)
    defaults = CaptureSettings()

    sync = sub.add_parser("sync-check", help="measure the A/V offset with a flashing, beeping test window")
    sync.add_argument("--seconds", type=number_arg, default=8.0, help="how long to record (default 8)")
    sync.add_argument("--fps", type=number_arg, default=60.0, help="framerate (default 60)")
    sync.add_argument("--save", action="store_true", help="store the offset; later recordings correct it")
    sync.add_argument("--headless", action="store_true", help="on a private Xvfb + PulseAudio")
    sync.add_argument("--keep", default="", help="also keep the test recording in this folder")
    sync.add_argument("--audio", action="append", default=[], metavar="SOURCE",
                      help="also record this source (e.g. a microphone that hears the beeps) as a track, and measure it")
    sync.add_argument("--ffmpeg", default="", help="path of the ffmpeg to use")
    sync.add_argument("--shift-audio", type=float, default=0.0, metavar="MS", help=argparse.SUPPRESS)  # self-test
    obs_setup.add_parser(sub)
    batch_command.add_parser(sub)
    ctl_command.add_parser(sub)
    tools_command.add_parsers(sub)
    desktop.add_parser(sub)
    sub.add_parser("sources", help="list audio sources, monitors and windows")
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
    return settings_from_options(vars(args))


def _status_line(status: RecordingStatus) -> str:
    paused = f"  paused {status.paused_s:.1f} s" if status.paused_s or status.paused else ""
    return (
        f"\r{'❚❚ PAUSED' if status.paused else '● REC'} {status.recorded_s:7.1f} s  {status.frames:6d} frames  "
        f"{status.fps:5.1f} fps  dropped {status.dropped}  {status.size_bytes / 1048576:7.1f} MB{paused} "
    )


class _StatusPrinter:
    """The live status line on a terminal; a capture's notes (e.g. the window changed size) on lines of their own,
    also when stderr is a file or a pipe."""

    def __init__(self, live: bool) -> None:
        self.live = live
        self.note = ""

    def __call__(self, status: RecordingStatus) -> None:
        try:
            if status.note and status.note != self.note:
                self.note = status.note
                print(("\n" if self.live else "") + f"tdw-recorder: {status.note}", file=sys.stderr, flush=True)
            if self.live and status.state == "finalising" and status.finishing_pct is not None:
                print(f"\r  finishing the file: {status.finishing_pct:3d} %" + " " * 40, end="", file=sys.stderr, flush=True)
            elif self.live:
                print(_status_line(status), end="", file=sys.stderr, flush=True)
        except (OSError, ValueError):  # the terminal went away (SIGHUP): the recording goes on and finishes
            self.live = False


class _Ending:
    """The signal policy (app.signals) for one `record`: SIGINT, SIGTERM and SIGHUP before the session exists
    unwind (stopping what started); after, they stop it as Stop does, and the rest of the policy follows."""

    def __init__(self, live: bool) -> None:
        self.session: Session | None = None
        self.say = say_on(newline_first=live)
        self.policy = EndingSignals(self._stop, self.say, lambda: cut_finishing())

    def _stop(self, signum: int) -> None:
        if signum == signal.SIGHUP:
            detach_from_terminal()
        if self.session is None:
            self.policy.still = "Still stopping what had started (a second or two)."
            raise Interrupted(signum)
        self.say(f"{describe(signum)}: stopping; finishing the recording (a few seconds).")
        self.session.request_stop()  # wakes wait(); stop() in _record ends the capture gracefully


def _write(stream, text: str, newline: bool = True) -> None:
    """print() that a closed terminal (SIGHUP) cannot turn into an error: the recording is finished by then."""
    try:
        print(text, file=stream, flush=True, end="\n" if newline else "")
    except UnicodeEncodeError:  # a stray byte the stream cannot encode: shown as \xNN, never a vanished line
        _write(stream, text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"), newline)
    except (OSError, ValueError):
        pass


def cmd_record(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    ending = _Ending(live=sys.stderr.isatty())
    restore = ending.policy.install()
    try:
        with ctl_command.record_control(args) as control:  # `tdw-recorder ctl` reaches this recording
            if settings.headless:  # the private servers outlive the session, and stop even when it fails
                with headless_for(settings) as servers:
                    return _record(settings, Machine(env=servers.env(), platform=settings.platform), ending, control)
            return _record(settings, Machine(platform=settings.platform), ending, control)
    finally:
        restore()


def _record(settings: CaptureSettings, machine: Machine, ending: _Ending, control: ctl_command.RecordControl) -> int:
    plan = make_plan(settings, machine)
    show = sys.stderr.isatty()
    session = Session(plan, on_status=_StatusPrinter(live=show), env=machine.env)
    ending.session = session  # from now on a signal stops the recording; the handlers stay until it is finished
    _mention_unfinished(settings.output_dir)
    try:
        session.start()
        assert session.paths is not None  # start() reserved the names
        sound = "the TDW build's sound" if settings.scene and settings.audio in ("", "none", "default") else plan.audio_source
        where = (f"TDW's frames{f' + {sound}' if plan.audio_source else ''}" if settings.mode == "video-frames"
                 else f"audio ({sound})" if settings.mode == "audio" else f"region {plan.region}" if plan.region
                 else "the TDW window" if settings.region == "tdw" else "audio")
        if plan.more_audio:
            where += f" + {len(plan.more_audio)} more sound track(s) ({', '.join(plan.more_audio)})"
        _write(sys.stderr, f"Recording {where} at {settings.fps:g} fps to {session.paths.recording} — Ctrl+C stops.")
        if plan.encoder_note:
            _write(sys.stderr, plan.encoder_note)
        if control.server is not None:
            _write(sys.stderr, control.serve(session))
        session.wait()
    finally:
        result = session.stop() if session.paths else None
    if show:
        _write(sys.stderr, "")
    if result is None:
        return 1
    _write(sys.stdout, result.summary())
    if ending.policy.now_requested and result.error:
        return 130  # stopped now: the crash-safe file is left for `recover`
    return 0 if result.error is None else 1


def cmd_sources(_args: argparse.Namespace) -> int:
    from app.screen.resolve import monitors

    machine = Machine()
    print("Audio sources (use with --audio):")
    try:
        for source in machine.pulse.sources():
            print(f"  {source.describe()}")
        print(f"  default = {machine.pulse.default_sink()}.monitor (what the computer plays)")
    except RecorderError as exc:
        print(f"  {exc.message}")
    print("Monitors (use with --region monitor:<number or name>):")
    try:
        for number, m in enumerate(monitors(machine.display), 1):
            primary = "  primary" if m.primary else ""
            print(f"  {number}  {m.name}  {m.width}x{m.height}+{m.x}+{m.y}{primary}  --region monitor:{number}")
    except RecorderError as exc:
        print(f"  {exc.message}")
    print("Windows (use with --region window:<id or title>):")
    try:
        for window in machine.display.windows():
            print(f"  {window.describe()}")
    except RecorderError as exc:
        print(f"  {exc.message}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    checks = run_checks(Machine(), args.out, args.ffmpeg)
    for check in checks:
        print(f"{'ok  ' if check.ok else '--  ' if check.optional else 'FIX '} {check.name:16} {check.detail}")
    bad = [c for c in checks if c.needs_fixing]
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
    ending = _RecoverEnding()
    restore = ending.policy.install()
    try:
        for path in found:
            if ending.stopping:
                break
            ending.current = path.name
            done = recover(binary, path, on_percent=_recover_progress(path.name))
            stopped = not done.ok and ending.policy.now_requested
            _write(sys.stdout, f"  {f'{path.name} stays unfinished (stopped)' if stopped else done.message}")
            ending.results.append(done.ok)
    finally:
        restore()
    if ending.stopping:
        left = len(found) - sum(ending.results)
        _write(sys.stderr, f"tdw-recorder: stopped ({describe(ending.stopping)}); {left} recording(s) stay unfinished: "
                           f"`tdw-recorder recover --out {args.out}` finishes them.")
        return 130
    return 0 if all(ending.results) else 1  # ok: finished (here or by another recover), or nothing to finish


def _recover_progress(name: str):
    """A live `NAME: 45 %` on a terminal (cleared before the file's own line); nothing when stderr is not one."""
    live = sys.stderr.isatty()

    def show(percent: int) -> None:
        if live:
            end = "\r" + " " * (len(name) + 12) + "\r" if percent >= 100 else ""
            _write(sys.stderr, f"\r  {name}: {percent:3d} %{end}", newline=False)
    return show


class _RecoverEnding:
    """The signal policy for `recover`: the first SIGINT, SIGTERM or SIGHUP lets the file being finished finish (a
    file is finished whole or not at all: never twice) and stops before the next; one more within 2 s of the note
    cuts that remux short, and the file stays unfinished, as it was, for a later `recover`."""

    def __init__(self) -> None:
        self.current = ""
        self.stopping = 0  # the first ending signal, once one came
        self.results: list[bool] = []
        self.policy = EndingSignals(self._stop, say_on(), lambda: cut_finishing(),
                                    stopping_now="Stopping now: the file being finished stays unfinished, as it was, "
                                                 "for a later `tdw-recorder recover`.")
        self.policy.still = (f"Still finishing one file (a few seconds); press Ctrl+C again within {AGAIN_S:g} s to stop "
                             "now and leave it for a later `tdw-recorder recover`.")

    def _stop(self, signum: int) -> None:
        if signum == signal.SIGHUP:
            detach_from_terminal()
        self.stopping = signum
        say_on()(f"{describe(signum)}: finishing {self.current}, then stopping; the others stay for a later "
                 "`tdw-recorder recover`.")


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


def _abort_on_signals(still: str) -> EndingSignals:
    """The signal policy for a command whose result is worthless when cut short (a measurement): the first
    SIGINT, SIGTERM or SIGHUP unwinds it (stopping what started, removing its files); later ones say `still`."""

    def stop(signum: int) -> None:
        if signum == signal.SIGHUP:
            detach_from_terminal()
        raise Interrupted(signum)

    return EndingSignals(stop, say_on(), still=still)


def cmd_sync_check(args: argparse.Namespace) -> int:
    from app.sync.check import number_problems, run_sync_check
    from app.calibration import save_offset_ms

    problems = number_problems(args.seconds, args.fps)
    if problems:  # before "Recording..." is said
        raise ValidationError([Problem("seconds", message) for message in problems])
    print(f"Recording a flashing, beeping window for {args.seconds:g} s at {args.fps:g} fps...", file=sys.stderr)
    restore = _abort_on_signals("Still stopping the sync check (a second or two); nothing is saved.").install()
    try:
        report = run_sync_check(args.seconds, args.fps, args.shift_audio, args.headless, args.ffmpeg,
                                Path(args.keep).expanduser() if args.keep else None, more_audio=tuple(args.audio))
    finally:
        restore()
    print("Offsets (ms, + = sound late): " + " ".join(f"{o:+.0f}" for o in report.offsets_ms))
    print(report.summary() if not report.tracks else f"Track 1 (what the computer plays): {report.summary()}")
    for number, (source, track) in enumerate(report.tracks, 2):
        print(f"Track {number} ({source}): {track if isinstance(track, str) else track.summary()}")
    if args.save:  # the first track's: what recordings of what the computer plays are shifted by
        path = save_offset_ms(report.mean_ms, {"spread_ms": round(report.spread_ms, 1), "events": len(report.offsets_ms)})
        print(f"Saved to {path}: audio + video recordings now shift the sound by {-report.mean_ms:+.0f} ms.")
    return 0


COMMANDS = {"record": cmd_record, "sources": cmd_sources, "doctor": cmd_doctor, "demos": cmd_demos,
            "sync-check": cmd_sync_check, "recover": cmd_recover}

COMMANDS["obs-setup"] = obs_setup.run
COMMANDS["batch"] = batch_command.run
COMMANDS["ctl"] = ctl_command.run
COMMANDS["install-desktop-entry"] = desktop.run
COMMANDS["stitch"] = tools_command.run_stitch
COMMANDS["convert"] = tools_command.run_convert
COMMANDS["frame"] = tools_command.run_frame


def main(argv: Sequence[str] | None = None) -> int:
    keep_secrets_from_children()  # the OBS password stays in this process: no child (build, scene, ffmpeg) sees it
    parser = build_parser()
    args = parser.parse_args(_join_dash_values(list(sys.argv[1:] if argv is None else argv)))
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not args.command:
        parser.print_help()
        return 0
    logs.start(args.command, sys.argv[1:] if argv is None else argv)  # this run's log file (app.logs), secrets redacted
    try:
        return COMMANDS[args.command](args)
    except ValidationError as exc:
        for problem in exc.problems:
            print(f"tdw-recorder: {problem.message}", file=sys.stderr)
        return 2
    except RecorderError as exc:
        print(f"tdw-recorder: {exc.message}", file=sys.stderr)
        logs.said(exc.message)  # and in this run's log file
        return 2
    except OSError as exc:
        print(f"tdw-recorder: {exc.strerror or exc} ({exc.filename or 'system'}): check the path and permissions.", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # a signal outside a recording (e.g. while --headless servers start): no traceback
        _write(sys.stderr, f"tdw-recorder: stopped ({describe(getattr(exc, 'signum', signal.SIGINT))}).")
        return 130
