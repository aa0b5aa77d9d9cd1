"""The PyInstaller bundle's entry: the window on double-click, the CLI with arguments (as main.py), and
`-m MODULE ARGS` as Python would run it.

In a bundle `sys.executable` is this program, so the engine's helper processes come back here:
`sys.executable -u -m app.scene.child CONFIG` (the scene process) and `-m app.sync.source` (the sync-check
test window). It also gives programs the bundle starts (ffmpeg, the TDW build, OBS, xwininfo...) the
environment the user had, not the bundle's library and Qt plugin paths.
"""

from __future__ import annotations

import os
import runpy
import sys

INTERPRETER_FLAGS = {"-u", "-B", "-E", "-s", "-S", "-I", "-O", "-OO"}
BUNDLE_ONLY = ("QT_PLUGIN_PATH", "QML2_IMPORT_PATH")  # set by PyInstaller's PySide6 hook, for Qt in here


def outside_environment(env: dict[str, str], bundle: str) -> dict[str, str]:
    """`env` without what the bootloader and its hooks added for the bundle itself."""
    env = dict(env)
    for name in ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH"):
        original = env.pop(f"{name}_ORIG", None)
        if original is not None:
            env[name] = original
        elif env.get(name, "").split(os.pathsep)[0] == bundle:
            env.pop(name)
    for name in BUNDLE_ONLY:
        if env.get(name, "").startswith(bundle):
            env.pop(name)
    return env


def python_module(argv: list[str]) -> tuple[str, list[str], bool] | None:
    """(module, its args, unbuffered) when argv is `[flags...] -m MODULE ARGS`, else None."""
    flags = 0
    while flags < len(argv) and argv[flags] in INTERPRETER_FLAGS:
        flags += 1
    if flags + 1 < len(argv) and argv[flags] == "-m":
        return argv[flags + 1], argv[flags + 2:], "-u" in argv[:flags]
    return None


def run_module(module: str, args: list[str], unbuffered: bool) -> None:
    if unbuffered:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.reconfigure(write_through=True)
    extra = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[:0] = [os.getcwd(), *extra]  # as `python -m`; bundled modules are still found first
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


def main() -> int:
    if getattr(sys, "frozen", False):
        cleaned = outside_environment(dict(os.environ), sys._MEIPASS)  # type: ignore[attr-defined]
        os.environ.clear()
        os.environ.update(cleaned)
    asked = python_module(sys.argv[1:])
    if asked:
        run_module(*asked)
        return 0
    from app.entry import gui_main, main as cli_main

    return cli_main() if len(sys.argv) > 1 else gui_main([])


if __name__ == "__main__":
    sys.exit(main())
