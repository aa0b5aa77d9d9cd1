"""Unix socket paths past the kernel's 107 bytes: the places the app puts its sockets stay under it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from app.control import client
from app.control.place import folder
from app.control.server import ControlServer
from app.errors import RecorderError
from app.unix_socket import MAX_BYTES, fits, temp_root


def test_fits_counts_bytes_not_characters():
    assert fits("/tmp/" + "a" * (MAX_BYTES - 5)) and not fits("/tmp/" + "a" * (MAX_BYTES - 4))
    assert not fits("/tmp/" + "é" * 52)  # 52 characters, 104 bytes + 5


def test_temp_root_keeps_a_short_tmpdir_and_leaves_a_long_one(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert temp_root("x/native") == tmp_path
    deep = tmp_path / ("d" * 100)
    deep.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    assert temp_root("x/native") == Path("/tmp")


def test_a_recorder_under_a_long_runtime_folder_is_still_reached_by_ctl(tmp_path):
    """XDG_RUNTIME_DIR deep enough that <it>/tdw-recorder/<pid>.sock is past the limit: the socket goes to the
    private folder in /tmp, the recorder says so once, and `ctl`'s lookup (same rule) finds it."""
    runtime = tmp_path / ("run-" * 20)
    runtime.mkdir(mode=0o700)
    env = {"XDG_RUNTIME_DIR": str(runtime)}
    server = ControlServer(lambda command: {"state": f"did {command}"}, env=env).start()
    try:
        assert fits(server.path) and not server.path.is_relative_to(runtime)
        assert "XDG_RUNTIME_DIR is too long for a socket's path" in server.note
        assert folder(env, create=False).path == server.path.parent
        [found] = [one for one in client.running(env) if one.ident == str(os.getpid())]
        assert client.send(found, "status")["state"] == "did status"
    finally:
        server.close()


def test_an_id_too_long_for_the_socket_path_is_refused_in_one_line(tmp_path):
    runtime = tmp_path / "r"
    runtime.mkdir(mode=0o700)
    ident = "x" * 64
    place = folder({"XDG_RUNTIME_DIR": str(runtime)}).path
    assert not fits(place / f"{ident}.sock")  # pytest's folders are long enough
    with pytest.raises(RecorderError, match="more than the 107 a Unix socket allows: choose a shorter --control-id"):
        ControlServer(lambda command: {}, ident, env={"XDG_RUNTIME_DIR": str(runtime)}).start()
