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
        host = str(obs.host).strip()
        if not host:
            problems.append(Problem("obs_host", "The OBS host is empty: use localhost, or the machine OBS runs on."))
        elif not _host_name(host):
            problems.append(Problem("obs_host", f"The OBS host {host!r} is not a host name or address: use localhost, "
                                                "an address such as 192.168.1.20, or a name such as obs-pc.local."))
        if not isinstance(obs.port, int) or not 0 < obs.port < 65536:
            problems.append(Problem("obs_port", f"OBS WebSocket port {obs.port!r} is not a port: use 1-65535 (OBS's default is {DEFAULT_PORT})."))
    if obs.password_file:
        path = Path(obs.password_file).expanduser()
        try:
            read_password_file(path)
        except RecorderError as exc:
            problems.append(Problem("obs_password_file", exc.message))
        except UnicodeDecodeError as exc:  # OBS takes its password as UTF-8 text: another byte cannot be typed there
            problems.append(Problem("obs_password_file", f"The OBS password file {path} is not UTF-8 text (byte "
                                                         f"{exc.start}): write the password in it again."))
    return problems


def _host_name(host: str) -> bool:
    """A name the resolver can be asked for: no spaces or control characters, and encodable as IDNA (socket's own
    encoding: 'héllo' is, while bytes that are not UTF-8 from argv, an empty label or one over 63 characters make
    getaddrinfo raise UnicodeError)."""
    if any(c.isspace() or not c.isprintable() for c in host):
        return False
    try:
        host.encode("idna")
    except UnicodeError:
        return False
    return True


def settings_problems(settings: CaptureSettings) -> list[Problem]:
    s = settings
    return obs_problems(s.obs, s.backend, s.mode, s.encoding.container, s.finalise)
