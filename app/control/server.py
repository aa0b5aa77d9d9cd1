"""Serves one recorder's control socket: each connection is one request line and one reply line.

The handler decides what a command means (the CLI's `record` and the window each have their own); it runs on this
server's thread, and a window hands it on to its GUI thread. Only this user's processes are answered: the socket is
mode 0600 in a 0700 folder, and each peer's uid is checked (SO_PEERCRED).
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import threading
from pathlib import Path
from typing import Callable, Mapping

from app.control.place import (
    COMMANDS, UNSUPPORTED, Folder, check_id, connect_error, decode, encode, folder, peer_uid, read_line, socket_path, supported,
)
from app.errors import RecorderError
from app.unix_socket import fits, too_long

log = logging.getLogger(__name__)

Handler = Callable[[str], dict]  # command -> reply fields ({"error": "..."} when it cannot be done)
READ_TIMEOUT_S = 2.0


def _alive(path: Path) -> bool:
    """Something answers at this socket (a running recorder); a file no one listens at is stale."""
    return connect_error(path) == 0


class ControlServer:
    """Listens at `<folder>/<id>.sock` on a thread of its own until close()."""

    def __init__(self, handler: Handler, ident: str | None = None, env: Mapping[str, str] | None = None,
                 kind: str = "cli") -> None:
        self.ident = check_id(ident) if ident else str(os.getpid())
        self.kind = kind  # "cli" or "window": said in replies, so `ctl` can say which it talks to
        self._handler = handler
        self._env = env
        self._folder: Folder = folder(env) if supported() else Folder(Path("."))
        self.path = socket_path(self._folder.path, self.ident)
        self._sock: socket.socket | None = None
        self._bound_ino = 0
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="control-server", daemon=True)

    @property
    def note(self) -> str:
        return self._folder.note

    def start(self) -> "ControlServer":
        """Bind the socket (a stale one of a dead recorder is removed; a live one with this id is refused)."""
        if not supported():
            raise RecorderError(UNSUPPORTED)
        if self.path.is_socket() or self.path.exists():
            if _alive(self.path):
                raise RecorderError(f"Another recorder already answers as {self.ident!r}: choose another --control-id.")
            self.path.unlink(missing_ok=True)
        if not fits(self.path):
            raise RecorderError(f"{too_long(self.path)}: choose a shorter --control-id, or set XDG_RUNTIME_DIR to a "
                                "shorter folder.")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # born 0600: no moment when another user could connect
        try:
            try:
                sock.bind(str(self.path))
            except FileNotFoundError:  # the last recorder removed the empty folder just now: make it again
                self._folder = folder(self._env)
                sock.bind(str(self.path))
        except OSError as exc:
            sock.close()
            raise RecorderError(f"The control socket {self.path} cannot be made ({exc.strerror or exc}).") from exc
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        self._bound_ino = self.path.stat().st_ino
        sock.listen(8)
        sock.settimeout(0.2)  # so close() is seen promptly
        self._sock = sock
        self._thread.start()
        log.info("control socket %s (id %s)", self.path, self.ident)
        return self

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError as exc:
                if exc.errno in (errno.EBADF, errno.EINVAL) or self._closed.is_set():
                    return
                continue
            with conn:
                self._answer(conn)

    def _answer(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(READ_TIMEOUT_S)
            if peer_uid(conn) != os.getuid():
                conn.sendall(encode({"ok": False, "error": "Only the user who runs the recorder may control it."}))
                return
            request = decode(read_line(conn))
            command = str(request.get("command", ""))
            reply: dict[str, object]
            if command not in COMMANDS:
                reply = {"error": f"Unknown command {command!r}: use one of {', '.join(COMMANDS)}."}
            else:
                reply = self._handle(command)
            reply.setdefault("ok", "error" not in reply)
            conn.sendall(encode({"id": self.ident, "kind": self.kind, "pid": os.getpid(), **reply}))
        except RecorderError as exc:
            self._send(conn, {"ok": False, "error": exc.message})
        except OSError as exc:  # the client went away or never wrote: nothing to answer
            log.debug("control connection dropped: %s", exc)

    def serve(self, handler: Handler) -> None:
        """Answer with this handler from now on (the socket exists before the recording it controls)."""
        self._handler = handler

    def _handle(self, command: str) -> dict:
        try:
            return self._handler(command)
        except RecorderError as exc:
            return {"error": exc.message}
        except Exception as exc:  # noqa: BLE001 - a bug in a handler must not end the server
            log.exception("control command %s failed", command)
            return {"error": f"The recorder could not {command} ({type(exc).__name__}): see its log."}

    @staticmethod
    def _send(conn: socket.socket, message: dict) -> None:
        try:
            conn.sendall(encode(message))
        except OSError:
            pass

    def close(self) -> None:
        """Stop answering and remove the socket (only ours: a recorder that took the id since keeps its own)."""
        self._closed.set()
        if self._sock is not None:
            self._sock.close()
            if self._thread.is_alive() and self._thread is not threading.current_thread():
                self._thread.join(2)
            try:
                if self.path.stat().st_ino == self._bound_ino:
                    self.path.unlink()
            except OSError:
                pass
            try:
                self.path.parent.rmdir()  # the last recorder leaves no folder behind
            except OSError:
                pass  # others' sockets are in it
