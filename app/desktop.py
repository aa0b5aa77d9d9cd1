"""`tdw-recorder install-desktop-entry`: put TDW Recorder in the Linux desktop's application menu.

Writes `$XDG_DATA_HOME/applications/<APP_ID>.desktop` (default ~/.local/share) whose Exec is the
`tdw-recorder-gui` installed for this Python (or the bundle itself), and the icon into the user's hicolor
theme. A manifest of what was written (path -> sha256) lets a later run replace its own files and
`--uninstall` remove them, while a file it did not write, or one changed since, is never touched. A link at
one of these names is never ours (we write files only): it is never followed, replaced or removed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

from app.errors import RecorderError
from app.output import replace_atomically
from app.paths import xdg_data_home
from app.resources import APP_ID, icon_pngs, icon_svg

GUI_SCRIPT = "tdw-recorder-gui"
MANIFEST = Path("tdw-recorder") / "desktop-entry.json"


def data_home() -> Path:
    """$XDG_DATA_HOME if set to an absolute path (as the spec says), else ~/.local/share (app.paths)."""
    return xdg_data_home()


def gui_executable() -> Path:
    """The absolute path that starts the window: this bundle, or the gui script of this Python's install."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve()
    folders = [sysconfig.get_path("scripts"), sysconfig.get_path("scripts", f"{os.name}_user"), str(Path(sys.executable).parent)]
    for folder in dict.fromkeys(f for f in folders if f):  # in order, once each
        candidate = Path(folder) / GUI_SCRIPT
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate.absolute()
    raise RecorderError(f"{GUI_SCRIPT} is not installed for this Python ({sys.executable}): run `pip install .` "
                        "(or ./run.sh once), then install-desktop-entry again.")


def _exec_quote(path: str) -> str:
    """An Exec argument as the Desktop Entry spec asks: % doubled, quoted if needed, then escaped as a string."""
    path = path.replace("%", "%%")
    if not any(c in path for c in " \t\n\"'\\><~|&;$*?#()`"):
        return path
    inner = "".join("\\" + c if c in '"`$\\' else c for c in path)
    return _string('"' + inner + '"')


def _string(value: str) -> str:
    """A Desktop Entry string value: backslashes escaped."""
    return value.replace("\\", "\\\\")


def desktop_entry(executable: str, try_exec: bool = True) -> str:
    """The .desktop file text; `executable` is an absolute path, or a command name for packagers."""
    lines = [
        "[Desktop Entry]",
        "Type=Application",
        "Name=TDW Recorder",
        "GenericName=Simulation Recorder",
        "Comment=Record video and audio of ThreeDWorld (TDW) simulation scenes",
        f"Exec={_exec_quote(executable)}",
        *([f"TryExec={_string(executable)}"] if try_exec else []),
        f"Icon={APP_ID}",
        "Terminal=false",
        "Categories=AudioVideo;Video;Recorder;",
        "Keywords=TDW;ThreeDWorld;screen;recorder;capture;video;audio;ffmpeg;",
        "StartupNotify=true",
        "StartupWMClass=TDW Recorder",
    ]
    return "\n".join(lines) + "\n"


def planned_files(home: Path, executable: str) -> dict[Path, bytes]:
    """Every file install() writes, with its content."""
    icons = home / "icons" / "hicolor"
    files = {home / "applications" / f"{APP_ID}.desktop": desktop_entry(executable).encode()}
    for size, png in icon_pngs().items():
        files[icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png"] = png.read_bytes()
    files[icons / "scalable" / "apps" / f"{APP_ID}.svg"] = icon_svg().read_bytes()
    return files


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _load_manifest(home: Path) -> dict[str, str]:
    path = home / MANIFEST
    if path.is_symlink():
        raise RecorderError(f"{path} is a link that TDW Recorder did not make: move it away, then run "
                            "install-desktop-entry again (nothing was changed).")
    try:
        files = json.loads(_read(path)).get("files", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def _save_manifest(home: Path, files: dict[str, str]) -> None:
    path = home / MANIFEST
    if not files:
        path.unlink(missing_ok=True)
        try:
            path.parent.rmdir()
        except OSError:
            pass
        return
    replace_atomically(path, (json.dumps({"files": files}, indent=1, sort_keys=True) + "\n").encode())


def _ours(path: Path, expected: bytes | None, manifest: dict[str, str]) -> bool:
    """May we replace or remove `path`? Yes if absent, identical, or unchanged since we wrote it; never a link."""
    try:
        current = _read(path)
    except FileNotFoundError:
        return not path.is_symlink()  # a dangling link is not ours either
    except OSError:
        return False
    return current == expected or manifest.get(str(path)) == _digest(current)


def _read(path: Path) -> bytes:
    """The file's bytes; OSError for a link (never followed) or anything but a file."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as source:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a file")
        return source.read()


def _refresh_caches(home: Path) -> None:
    """Tell menus and icon caches (best effort: the entry works without it after the next login)."""
    tool = shutil.which("update-desktop-database")
    if tool:
        subprocess.run([tool, "-q", str(home / "applications")], capture_output=True, check=False, timeout=30)
    hicolor = home / "icons" / "hicolor"
    if hicolor.is_dir():
        os.utime(hicolor)  # icon theme caches are rechecked when the theme folder changes


def install(home: Path, executable: str) -> list[Path]:
    """Write the entry and icons; raise (having written nothing) if a file there is not ours."""
    planned = planned_files(home, executable)
    manifest = _load_manifest(home)
    foreign = [path for path, data in planned.items() if not _ours(path, data, manifest)]
    if foreign:
        raise RecorderError(f"{foreign[0]} already exists and was not written by TDW Recorder (or was changed since): "
                            "move it away, then run install-desktop-entry again (nothing was changed).")
    for path, data in planned.items():
        replace_atomically(path, data)
        manifest[str(path)] = _digest(data)
    for stale in [p for p in manifest if Path(p) not in planned]:  # left by an older version
        if _ours(Path(stale), None, manifest):
            Path(stale).unlink(missing_ok=True)
            del manifest[stale]
    _save_manifest(home, manifest)
    _refresh_caches(home)
    return list(planned)


def uninstall(home: Path) -> tuple[list[Path], list[Path]]:
    """Remove what install() wrote: (removed, kept because changed since)."""
    manifest = _load_manifest(home)
    removed, kept = [], []
    for name in sorted(manifest):
        path = Path(name)
        if not os.path.lexists(path):
            del manifest[name]
        elif _ours(path, None, manifest):
            path.unlink()
            removed.append(path)
            del manifest[name]
        else:
            kept.append(path)
    _save_manifest(home, manifest)
    if removed:
        _refresh_caches(home)
    return removed, kept


def add_parser(sub) -> None:
    entry = sub.add_parser("install-desktop-entry", help="add TDW Recorder to the desktop's application menu (Linux)")
    entry.add_argument("--uninstall", action="store_true", help="remove the menu entry and icons it installed")


def run(args: argparse.Namespace) -> int:
    if sys.platform in ("win32", "darwin"):
        raise RecorderError("install-desktop-entry is for Linux desktops; see packaging/README.md for Windows and macOS.")
    home = data_home()
    if args.uninstall:
        removed, kept = uninstall(home)
        print(f"Removed {len(removed)} file(s) installed by install-desktop-entry." if removed else "Nothing to remove.")
        for path in kept:
            print(f"Kept {path}: it was changed after install-desktop-entry wrote it.")
        return 0
    executable = str(gui_executable())
    written = install(home, executable)
    print(f"Installed {written[0]}: 'TDW Recorder' in the application menu, runs {executable}.")
    print(f"Icons: {len(written) - 1} file(s) under {home / 'icons' / 'hicolor'}. Undo with --uninstall.")
    return 0
