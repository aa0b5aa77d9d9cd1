"""Console entry points: `tdw-recorder` (CLI, or the window with `gui`) and `tdw-recorder-gui`."""

from __future__ import annotations

import sys
from typing import Sequence


def gui_main(argv: Sequence[str] | None = None) -> int:
    if list(sys.argv[1:] if argv is None else argv)[:1] == ["--version"]:  # answers without a display
        from app import __version__

        print(f"tdw-recorder {__version__}")
        return 0
    try:
        from app.ui.main_window import run
    except ImportError as exc:
        print(f"tdw-recorder: the window cannot start ({exc}): reinstall with PySide6, or use the CLI.", file=sys.stderr)
        return 2
    from app import logs

    logs.start("window", list(sys.argv[1:] if argv is None else argv), console=True)  # its warnings were lost before
    return run(list(argv or []))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["gui"]:
        return gui_main(args[1:])
    if args[:1] == ["ctl"] and "-h" not in args and "--help" not in args:  # fast: bound to desktop shortcuts
        from app.control.command import main as ctl_main

        return ctl_main(args[1:])
    for stream in (sys.stdout, sys.stderr):  # a name from argv whose bytes are not UTF-8 (os.fsdecode's surrogates)
        reconfigure = getattr(stream, "reconfigure", None)  # prints as those bytes, as ls does: the line matches the file
        if reconfigure is not None:
            reconfigure(errors="surrogateescape")
    from app.cli import main as cli_main

    return cli_main(args)
