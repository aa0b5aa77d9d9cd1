"""Where TDW Recorder keeps its own files on this platform, through platformdirs (one place, every OS).

On Linux (and other XDG desktops) platformdirs follows the XDG base directory spec, so `$XDG_CONFIG_HOME`,
`$XDG_STATE_HOME` and `$XDG_DATA_HOME` are honoured (an absolute value; otherwise the default):

- `config_dir()`: the saved A/V calibration, the OBS password file. ~/.config/tdw-recorder on Linux,
  ~/Library/Application Support/tdw-recorder on macOS, %LOCALAPPDATA%\\tdw-recorder on Windows.
- `state_dir()`: ~/.local/state/tdw-recorder on Linux (what the app leaves behind between runs).
- `log_dir()`: platformdirs' user log folder: ~/.local/state/tdw-recorder/log on Linux (inside the state folder,
  since platformdirs 3), ~/Library/Logs/tdw-recorder on macOS (where Console.app looks), and
  %LOCALAPPDATA%\\tdw-recorder\\Logs on Windows. `$TDW_RECORDER_LOG_DIR` overrides it.
- `cache_dir()`: ~/.cache/tdw-recorder on Linux ($XDG_CACHE_HOME), ~/Library/Caches/tdw-recorder on macOS.
- `xdg_data_home()`: the XDG data folder itself (~/.local/share), where desktop entries and icons go.

Versions before this module built ~/.config/tdw-recorder by hand on every OS: `config_file` still finds a file
an earlier version left in such a folder, so nobody loses a calibration or a password file.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from platformdirs.unix import Unix

APP_NAME = "tdw-recorder"
LOG_DIR_ENV = "TDW_RECORDER_LOG_DIR"  # a log folder of the user's (or a test's) choosing


def _dirs() -> platformdirs.PlatformDirs:
    return platformdirs.PlatformDirs(APP_NAME, appauthor=False)


def config_dir() -> Path:
    return Path(_dirs().user_config_dir)


def state_dir() -> Path:
    return Path(_dirs().user_state_dir)


def cache_dir() -> Path:
    """~/.cache/tdw-recorder on Linux: what can be found again (the encoder probe's results)."""
    return Path(_dirs().user_cache_dir)


def log_dir() -> Path:
    override = os.environ.get(LOG_DIR_ENV, "").strip()
    return Path(override).expanduser() if override else Path(_dirs().user_log_dir)


def xdg_data_home() -> Path:
    """$XDG_DATA_HOME (absolute), else ~/.local/share: the XDG spec's own folder, whatever the platform."""
    return Path(Unix().user_data_dir)


def config_file(name: str, *earlier: Path) -> Path:
    """`name` in config_dir(), unless only one of the `earlier` folders (where a previous version wrote it) has it:
    then that one, so a file an earlier version left is still read (and rewritten in place)."""
    path = config_dir() / name
    if not path.exists():
        for folder in earlier:
            if (folder / name).exists():
                return folder / name
    return path
