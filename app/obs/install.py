"""Where OBS Studio is, how to start and stop it: pure command builders plus a few look-ups.

Command lines are built by pure functions (tested as exact lists); the binary, platform and environment
are parameters, so Windows and macOS lines are checked on Linux too.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Callable, Mapping

import psutil

from app.processes import run_text

Which = Callable[..., "str | None"]

WINDOWS_BINARY = r"C:\Program Files\obs-studio\bin\64bit\obs64.exe"
MAC_BINARY = "/Applications/OBS.app/Contents/MacOS/OBS"
_NAMES = {"obs", "obs64.exe", "obs32.exe", "obs.exe", "OBS"}


def not_installed_message(platform: str = sys.platform) -> str:
    if platform == "win32":
        how = "install it from obsproject.com (or winget install OBSProject.OBSStudio)"
    elif platform == "darwin":
        how = "install it from obsproject.com (or brew install --cask obs)"
    else:
        how = "sudo apt install obs-studio"
    return f"OBS Studio is not installed: {how}, or record with the ffmpeg backend."


def find_obs(env: Mapping[str, str] | None = None, platform: str = sys.platform, which: Which = shutil.which,
             exists: Callable[[str], bool] = os.path.exists) -> str | None:
    """The OBS executable: on PATH, else where its installer puts it; None when there is none."""
    path = (env if env is not None else os.environ).get("PATH", os.defpath)
    names = {"win32": ("obs64.exe", "obs64"), "darwin": ("obs", "OBS")}.get(platform, ("obs",))
    for name in names:
        found = which(name, path=path)
        if found:
            return found
    fallback = {"win32": WINDOWS_BINARY, "darwin": MAC_BINARY}.get(platform)
    return fallback if fallback and exists(fallback) else None


@dataclass(frozen=True)
class LaunchCommand:
    argv: list[str]
    cwd: str | None  # Windows: OBS only finds its data files when started from its bin folder


def launch_command(binary: str, profile: str, collection: str, scene: str, platform: str = sys.platform,
                   start_recording: bool = True) -> LaunchCommand:
    """OBS started minimized, recording at once, with no prompts, beside any OBS the user runs."""
    argv = [binary]
    if start_recording:
        argv.append("--startrecording")
    argv += ["--minimize-to-tray", "--disable-shutdown-check", "--disable-missing-files-check"]
    for flag, value in (("--profile", profile), ("--collection", collection), ("--scene", scene)):
        if value:
            argv += [flag, value]
    argv.append("--multi")
    cwd = str(PureWindowsPath(binary).parent) if platform == "win32" else None
    return LaunchCommand(argv, cwd)


def kill_command(pid: int, platform: str = sys.platform) -> list[str] | None:
    """The last resort that takes OBS and its muxer down on Windows; None where signals do it."""
    return ["taskkill", "/F", "/T", "/PID", str(pid)] if platform == "win32" else None


def needs_software_gl(env: Mapping[str, str], runner: Callable[..., str] = run_text, dri: Path = Path("/dev/dri")) -> bool:
    """True under Xvfb-like servers (no DRI) or with no GPU render node: OBS then needs llvmpipe."""
    if not any(dri.glob("renderD*")):
        return True
    try:
        extensions = runner(["xdpyinfo", "-queryExtensions"], env=env)
    except Exception:  # no xdpyinfo, or no display: OBS will say so itself
        return False
    return "DRI3" not in extensions and "DRI2" not in extensions


def private_env(base: Mapping[str, str], home: Path, software_gl: bool) -> dict[str, str]:
    """OBS's environment with its own HOME/XDG_CONFIG_HOME, still reaching the user's X and sound servers."""
    env = dict(base)
    real_home = Path(base.get("HOME") or Path.home())
    real_config = Path(base.get("XDG_CONFIG_HOME") or real_home / ".config")
    if "XAUTHORITY" not in env and (real_home / ".Xauthority").exists():
        env["XAUTHORITY"] = str(real_home / ".Xauthority")
    if "PULSE_COOKIE" not in env and (real_config / "pulse" / "cookie").exists():
        env["PULSE_COOKIE"] = str(real_config / "pulse" / "cookie")
    env["HOME"] = str(home)
    env["XDG_CONFIG_HOME"] = str(home / ".config")
    if software_gl:
        env["LIBGL_ALWAYS_SOFTWARE"] = "1"
    return env


def running_obs(config_dir: Path | None = None) -> list[int]:
    """Pids of OBS Studio instances running now; with `config_dir`, only those using that config folder
    (read from their environment; one whose environment we cannot read counts, to be safe)."""
    found = []
    for proc in psutil.process_iter(["pid", "name"]):
        if proc.info["name"] not in _NAMES:
            continue
        if config_dir is not None:
            try:
                theirs = _config_dir_of(proc.environ())
            except psutil.Error:
                theirs = None
            if theirs is not None and theirs != config_dir:
                continue
        found.append(proc.info["pid"])
    return found


def _config_dir_of(env: Mapping[str, str]) -> Path | None:
    if not env.get("XDG_CONFIG_HOME") and not env.get("HOME"):
        return None
    return Path(env.get("XDG_CONFIG_HOME") or Path(env["HOME"]) / ".config") / "obs-studio"


def listening_pid(port: int) -> int | None:
    """The process listening on a local TCP port (ours to see: same user), or None."""
    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
                return conn.pid
    except psutil.Error:
        return None
    return None
