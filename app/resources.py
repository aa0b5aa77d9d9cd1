"""Files from resources/ (the icons), wherever the app runs from.

- a source checkout: `<repo>/resources/NAME`;
- a PyInstaller bundle: `sys._MEIPASS/resources/NAME` (packaging/tdw-recorder.spec puts them there);
- an installed wheel: pyproject.toml's `data-files` put them in `<prefix>/share/tdw-recorder/NAME`, found
  through the distribution's file list, so venvs, `--user` and `--prefix` installs all work.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

APP_ID = "io.github.tdw_recorder.TDWRecorder"  # reverse-DNS id: .desktop, metainfo and icon names
ICON_SIZES = (16, 32, 48, 64, 128, 256)
DATA_DIR = "share/tdw-recorder"  # where a wheel installs resources/, under the install prefix
DISTRIBUTION = "tdw-recorder"


def _frozen_dir() -> Path | None:
    bundle = getattr(sys, "_MEIPASS", None)
    return Path(bundle) / "resources" if bundle else None


def _source_dir() -> Path | None:
    root = Path(__file__).resolve().parent.parent
    return root / "resources" if (root / "pyproject.toml").is_file() else None


def _installed(name: str) -> Path | None:
    try:
        files = metadata.distribution(DISTRIBUTION).files or []
    except metadata.PackageNotFoundError:
        return None
    wanted = f"{DATA_DIR}/{name}"
    for file in files:
        if file.as_posix().endswith(wanted):
            path = Path(str(file.locate())).resolve()
            if path.is_file():
                return path
    return None


def resource_path(name: str) -> Path:
    """The absolute path of resources/NAME; FileNotFoundError says where it was looked for."""
    looked = []
    for folder in (_frozen_dir(), _source_dir()):
        if folder is not None:
            if (folder / name).is_file():
                return folder / name
            looked.append(str(folder))
    installed = _installed(name)
    if installed is not None:
        return installed
    looked.append(f"the {DISTRIBUTION} installation's {DATA_DIR}")
    raise FileNotFoundError(f"TDW Recorder's resource {name!r} is missing (looked in {', '.join(looked)}): reinstall it.")


def icon_svg() -> Path:
    return resource_path("tdw-recorder.svg")


def icon_png(size: int) -> Path:
    """The PNG icon of this size (one of ICON_SIZES)."""
    if size not in ICON_SIZES:
        raise ValueError(f"no {size} px icon; sizes: {ICON_SIZES}")
    return resource_path(f"tdw-recorder-{size}.png")


def icon_pngs() -> dict[int, Path]:
    """Every PNG size that can be found (an incomplete install yields fewer, never an error)."""
    found = {}
    for size in ICON_SIZES:
        try:
            found[size] = icon_png(size)
        except FileNotFoundError:
            continue
    return found
