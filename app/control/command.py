"""`tdw-recorder ctl start|stop|pause|resume|status [--id ID]`: one command to one running recorder, one answer."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import Iterator

from app.control.answers import Controllable, session_handler, starting
from app.control.client import choose, send
from app.control.place import COMMANDS, UNSUPPORTED, supported
from app.control.server import ControlServer
from app.errors import RecorderError


class _Parser(argparse.ArgumentParser):
    """Usage mistakes in one line, as the rest of the CLI says them (exit code 2)."""

    def error(self, message: str):
        self.exit(2, f"tdw-recorder: {message[0].upper()}{message[1:]}: see `tdw-recorder ctl --help`.\n")


def add_parser(sub) -> None:
    ctl = sub.add_parser("ctl", help="control a running recorder (CLI or window): start, stop, pause, resume, status")
    ctl.add_argument("action", choices=COMMANDS, help="what to do")
    ctl.add_argument("--id", default="", help="which recorder, when several run (its pid, or its --control-id)")


def add_record_arguments(rec) -> None:
    """`record`'s own options for ctl."""
    rec.add_argument("--control-id", default="", help="the id `tdw-recorder ctl --id` knows this recording by (default: its pid)")
    rec.add_argument("--no-control", action="store_true", help="do not answer `tdw-recorder ctl`")


class RecordControl:
    """The CLI `record`'s control socket: it answers "starting" until `serve(session)`, and goes with the block."""

    def __init__(self, server: ControlServer | None) -> None:
        self.server = server

    def serve(self, session: Controllable) -> str:
        """Answer for this session from now on; returns the line that tells the user how (empty when not served)."""
        if self.server is None:
            return ""
        self.server.serve(session_handler(session))
        note = f"{self.server.note}\n" if self.server.note else ""
        return f"{note}Control: `tdw-recorder ctl pause|resume|status|stop --id {self.server.ident}`."


@contextlib.contextmanager
def record_control(args: argparse.Namespace) -> Iterator[RecordControl]:
    """For as long as `record` runs; a --control-id another recorder answers to refuses it before anything starts."""
    ident = None if args.no_control else args.control_id or str(os.getpid())
    if ident and not supported():
        print(f"tdw-recorder: note: {UNSUPPORTED}", file=sys.stderr)
        ident = None
    server = ControlServer(starting, ident).start() if ident else None
    try:
        yield RecordControl(server)
    finally:
        if server is not None:
            server.close()


def describe(reply: dict) -> str:
    """`ctl status`'s line: which recorder, state, elapsed, paused, frames and file."""
    who = f"{reply.get('id')} ({'window' if reply.get('kind') == 'window' else 'tdw-recorder record'})"
    if "elapsed_s" not in reply:  # idle, or starting: nothing to count yet
        return f"{who}: {reply['state']}" if "state" in reply else who
    text = (f"{who}: {reply['state']}, {float(reply.get('elapsed_s', 0)):.1f} s elapsed, "
            f"{float(reply.get('paused_s', 0)):.1f} s paused, {int(reply.get('frames', 0))} frames")
    text += f", file {reply['file']}" if reply.get("file") else ""
    return text + (f"\n  {reply['failure']}" if reply.get("failure") else "")


def main(argv: list[str]) -> int:
    """`tdw-recorder ctl ...` on its own, light path (app.entry): no heavy imports, and no log file of its own (a
    shortcut pressed often would push the recordings' logs out of the last ten kept)."""
    parser = _Parser(prog="tdw-recorder")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["ctl", *argv])
    try:
        return run(args)
    except RecorderError as exc:
        print(f"tdw-recorder: {exc.message}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    target = choose(args.id or None)
    reply = send(target, args.action)
    if not reply.get("ok"):
        raise RecorderError(str(reply.get("error") or "The recorder refused without saying why."))
    if reply.get("message"):
        print(f"{reply['message']}")
    print(describe(reply))
    sys.stdout.flush()
    return 0
