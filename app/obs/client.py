"""One obs-websocket (v5) session through obsws-python; every failure becomes one sentence with its fix.

obsws-python logs its connection parameters, password included, at INFO, and a traceback for every
refused connection: its logger is silenced here, and we probe the TCP port before creating a client.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass
from typing import Callable

from app.errors import RecorderError
from app.model.obs import note_secret

log = logging.getLogger(__name__)
logging.getLogger("obsws_python").setLevel(logging.CRITICAL + 1)  # it would log the password

MIN_WEBSOCKET = (5, 0)


@dataclass(frozen=True)
class RecordStatus:
    active: bool
    paused: bool = False
    duration_ms: int = 0
    bytes: int = 0

    @classmethod
    def of(cls, data: dict) -> "RecordStatus":
        return cls(bool(data.get("outputActive")), bool(data.get("outputPaused")),
                   int(data.get("outputDuration") or 0), int(data.get("outputBytes") or 0))


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in str(text).split(".")[:3]:
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def resolvable(host: str) -> bool:
    try:
        socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        return False
    return True


class ObsConnection:
    """An identified websocket session; `call` is thread-safe (one request at a time)."""

    def __init__(self, client, host: str, port: int) -> None:
        self._client = client
        self._lock = threading.Lock()
        self.where = f"{host}:{port}"
        self.obs_version = ""
        self.websocket_version = ""

    def call(self, request: str, data: dict | None = None) -> dict:
        """Send one request; a failure raises RecorderError naming the request and OBS's own comment."""
        from obsws_python.error import OBSSDKRequestError

        with self._lock:
            try:
                return self._client.send(request, data, raw=True) or {}
            except OBSSDKRequestError as exc:
                comment = str(exc).split("With message:", 1)[1].strip() if "With message:" in str(exc) else ""
                raise RecorderError(f"OBS refused {request} (code {exc.code}{': ' + comment if comment else ''}).")
            except Exception as exc:  # a closed socket, a timeout, garbage: websocket-client and json errors alike
                raise RecorderError(f"The connection to OBS at {self.where} was lost during {request} "
                                    f"({type(exc).__name__}): is OBS still running?")

    def record_status(self) -> RecordStatus:
        return RecordStatus.of(self.call("GetRecordStatus"))

    def close(self) -> None:
        with self._lock:
            try:
                self._client.disconnect()
            except Exception:  # already gone
                pass


def unreachable_message(host: str, port: int, installed: bool, running: bool) -> str:
    local = host in ("localhost", "127.0.0.1", "::1", socket.gethostname())
    if local and not installed:
        from app.obs.install import not_installed_message

        return not_installed_message()
    if local and running:
        return (f"OBS is running but its WebSocket server is off or not on port {port}: enable it in OBS under "
                "Tools → WebSocket Server Settings (and check the port).")
    return (f"Nothing answers on {host}:{port}: start OBS Studio with its WebSocket server enabled "
            "(Tools → WebSocket Server Settings), or fix --obs-host/--obs-port.")


def connect(host: str, port: int, password: str, timeout: float = 5.0, *,
            installed: Callable[[], bool] = lambda: True, running: Callable[[], bool] = lambda: False,
            client_factory: Callable[..., object] | None = None) -> ObsConnection:
    """Connect, identify and check the version; raise one-line RecorderErrors for every usual failure."""
    note_secret(password)  # whichever way it came (a file, the environment, the window, one we made): never logged
    if not port_open(host, port, timeout=min(timeout, 2.0)):
        if not resolvable(host):
            raise RecorderError(f"The OBS host {host!r} cannot be found (no such name on this network): "
                                "fix the OBS host (--obs-host), e.g. localhost.")
        raise RecorderError(unreachable_message(host, port, installed(), running()))
    if client_factory is None:
        try:
            import obsws_python
        except ImportError:
            raise RecorderError("obsws-python is missing: pip install obsws-python (the OBS WebSocket client).")
        client_factory = obsws_python.ReqClient
    from obsws_python.error import OBSSDKError

    try:
        client = client_factory(host=host, port=port, password=password, timeout=timeout)
    except OBSSDKError as exc:
        if "no password" in str(exc):
            raise RecorderError("OBS asks for a WebSocket password: give it with --obs-password-file or "
                                "TDW_RECORDER_OBS_PASSWORD (OBS shows it under Tools → WebSocket Server Settings).")
        raise RecorderError(f"OBS at {host}:{port} refused the WebSocket password: copy it from OBS "
                            "(Tools → WebSocket Server Settings → Show Connect Info) into your password file.")
    except (TimeoutError, socket.timeout):
        raise RecorderError(f"OBS at {host}:{port} does not answer: is OBS busy or frozen? Restart it and try again.")
    except Exception as exc:  # not a websocket server, or it closed the connection at once
        raise RecorderError(f"{host}:{port} is not an OBS WebSocket server ({type(exc).__name__}): check --obs-port "
                            "(OBS shows it under Tools → WebSocket Server Settings).")
    connection = ObsConnection(client, host, port)
    version = connection.call("GetVersion")
    connection.obs_version = str(version.get("obsVersion", ""))
    connection.websocket_version = str(version.get("obsWebSocketVersion", ""))
    if _version(connection.websocket_version)[:2] < MIN_WEBSOCKET:
        connection.close()
        raise RecorderError(f"OBS's WebSocket server is version {connection.websocket_version}; version 5 or later is "
                            "needed: update OBS Studio to 28 or later.")
    log.info("connected to OBS %s (obs-websocket %s) at %s", connection.obs_version, connection.websocket_version,
             connection.where)
    return connection


def wait_for_port(host: str, port: int, timeout: float, alive: Callable[[], bool] = lambda: True) -> bool:
    """Poll until something listens on the port (while `alive()`), without noisy client attempts."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        if port_open(host, port, timeout=0.2):
            return True
        time.sleep(0.1)
    return False
