"""Find and launch the TDW build (the Unity player), exactly as tdw's Controller would launch it."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

from app.errors import RecorderError
from app.processes import spawn

GET_A_BUILD = (
    "get one from TDW's GitHub releases (or run a tdw Controller once with internet) and choose it as the build (--build PATH)"
)


def default_build_path() -> Path:
    """Where tdw itself installs and launches the build (~/tdw_build/TDW/TDW.x86_64 on Linux)."""
    try:
        from tdw.backend.paths import BUILD_PATH
    except Exception:  # tdw missing or an unsupported platform
        return Path.home() / "tdw_build" / "TDW" / "TDW.x86_64"
    return Path(BUILD_PATH)


def player_log_path() -> Path:
    """Where the Unity player writes its log on this platform (tdw knows; ~/.config/unity3d/... on Linux)."""
    try:
        from tdw.backend.paths import PLAYER_LOG_PATH
    except Exception:
        return Path.home() / ".config" / "unity3d" / "MIT" / "TDW" / "Player.log"
    return Path(PLAYER_LOG_PATH)


def find_build(path: str | None) -> Path:
    candidate = (Path(os.path.expanduser(path)) if path else default_build_path()).absolute()  # launched from its folder
    if not candidate.exists():
        where = f"at {candidate}" if path else f"at tdw's default place ({candidate})"
        raise RecorderError(f"No TDW build {where}: {GET_A_BUILD}.")
    if not candidate.is_file() or not os.access(candidate, os.X_OK):
        raise RecorderError(f"The TDW build {candidate} is not an executable file: chmod +x it or pick the build itself.")
    return candidate


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_command(build: Path, port: int, screen_size: tuple[int, int] | None = None) -> list[str]:
    """`-port N` as one argument, as tdw 1.13's Controller.launch_build passes it."""
    cmd = [str(build), f"-port {port}"]
    if screen_size:
        cmd += ["-screenWidth", str(screen_size[0]), "-screenHeight", str(screen_size[1])]
    return cmd


def launch_build(build: Path, port: int, env: dict[str, str], screen_size=None, log_path: Path | None = None) -> subprocess.Popen:
    log = open(log_path, "ab") if log_path else None
    try:
        return spawn(build_command(build, port, screen_size), env=env, stdout=log or subprocess.DEVNULL,
                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=str(build.parent))
    finally:
        if log is not None:
            log.close()
