"""app.obs.orphan, what the process guard runs for an OBS whose recorder was killed: where it finds OBS, and its
one-line answer when it cannot stop it (the guard then stops OBS with a signal). Its StopRecord against a real OBS
is tests/obs/test_gui_kill_obs.py::test_kill_9_of_the_window_recording_with_obs_launch."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from app.obs.config import Websocket, write_config
from app.obs.orphan import websocket_of
from tests.obs.test_config import setup as recording_setup

ROOT = Path(__file__).parent.parent.parent


def orphan(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app.obs.orphan", str(config)], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)


def test_the_websocket_is_read_from_the_private_config_we_wrote(tmp_path):
    root = tmp_path / "obs-studio"
    write_config(root, recording_setup(tmp_path), Websocket(4567, "pw-123"))
    assert websocket_of(root) == (4567, "pw-123")


def test_an_obs_that_no_longer_answers_is_one_line_and_exit_1(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = tmp_path / "obs-studio"
    write_config(root, recording_setup(tmp_path), Websocket(port, "secret-pw-9"))
    done = orphan(root)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "could not stop OBS's recording" in done.stderr and "secret-pw-9" not in done.stderr


def test_a_folder_without_our_config_is_one_line_and_exit_1(tmp_path):
    done = orphan(tmp_path / "nothing-here")
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
