"""OBS choices checked before a recording, and the password file written by `obs-setup`."""

from __future__ import annotations

import os
from pathlib import Path

from app.errors import Problem, RecorderError
from app.model.settings import CaptureSettings
from app.model.obs import DEFAULT_PORT, OBS_BACKENDS, ObsSettings, read_password_file


def store_password(path: Path, password: str) -> None:
    """Write the password to a file only the user can read (created 0600, never wider)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    os.chmod(path, 0o600)


def obs_problems(obs: ObsSettings, backend: str, mode: str, container: str, finalise: bool) -> list[Problem]:
    """Static problems with the OBS choices (none unless an OBS backend is chosen)."""
    if backend not in OBS_BACKENDS:
        return []
    problems: list[Problem] = []
    if mode == "audio":  # (video-frames is refused for every backend but ffmpeg already)
        problems.append(Problem("backend", "OBS records the screen (video or audio + video): for audio only, use the ffmpeg backend."))
    if container != "mkv" and not finalise:
        problems.append(Problem("container", "OBS records MKV (crash-safe): choose the mkv container, or let it be finalised to MP4."))
    if backend == "obs-websocket":
        if not str(obs.host).strip():
            problems.append(Problem("obs_host", "The OBS host is empty: use localhost, or the machine OBS runs on."))
        if not isinstance(obs.port, int) or not 0 < obs.port < 65536:
            problems.append(Problem("obs_port", f"OBS WebSocket port {obs.port!r} is not a port: use 1-65535 (OBS's default is {DEFAULT_PORT})."))
    if obs.password_file:
        try:
            read_password_file(Path(obs.password_file).expanduser())
        except RecorderError as exc:
            problems.append(Problem("obs_password_file", exc.message))
    return problems


def settings_problems(settings: CaptureSettings) -> list[Problem]:
    s = settings
    return obs_problems(s.obs, s.backend, s.mode, s.encoding.container, s.finalise)
