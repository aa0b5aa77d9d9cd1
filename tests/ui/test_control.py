"""`tdw-recorder ctl` against the window (pytest-qt): start with the window's settings, pause, resume, status, stop.
The commands come from another thread, as from another process, and the window answers on its GUI thread."""

from __future__ import annotations

import threading

import pytest

from app.control import client
from app.machine import Machine
from tests.support.media import probe
from tests.ui.test_recording import ready_window


@pytest.fixture
def machine(env, tmp_path):
    """The test machine with a private runtime folder: no other recorder of this machine answers there."""
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    return Machine(env={**env, "XDG_RUNTIME_DIR": str(run)}, platform="linux")


def ctl(qtbot, machine, command: str) -> dict:
    """Send one command from another thread while the GUI thread runs its event loop."""
    replies: list[dict] = []
    target = client.choose(None, machine.env)  # the only one running: the window
    thread = threading.Thread(target=lambda: replies.append(client.send(target, command)))
    thread.start()
    qtbot.waitUntil(lambda: bool(replies), timeout=15000)
    return replies[0]


def test_ctl_starts_pauses_resumes_and_stops_the_window(no_orphans, make_window, anim_window, qtbot, machine):
    window = ready_window(make_window, anim_window, qtbot, "Ctl Source")
    assert window.control.server is not None and window.control.server.ident.isdigit()  # its pid
    idle = ctl(qtbot, machine, "status")
    assert (idle["state"], idle["kind"], idle["id"]) == ("idle", "window", window.control.server.ident)
    reply = ctl(qtbot, machine, "start")
    assert reply["ok"] and reply["kind"] == "window", reply
    qtbot.waitUntil(lambda: (window.worker.status is not None and window.worker.status.frames > 10), timeout=20000)
    assert "recording already" in ctl(qtbot, machine, "start")["error"]
    reply = ctl(qtbot, machine, "pause")
    assert reply["ok"] and reply["state"] == "paused", reply
    assert window.pause_button.text().endswith("Resume")
    qtbot.waitUntil(lambda: window.status_panel.state.text().startswith("Paused"), timeout=5000)
    qtbot.wait(1500)
    reply = ctl(qtbot, machine, "resume")
    assert reply["ok"] and reply["state"] == "recording" and reply["paused_s"] >= 1.4, reply
    qtbot.wait(1000)
    status = ctl(qtbot, machine, "status")
    assert status["state"] == "recording" and status["file"].endswith(".recording.mkv")
    assert ctl(qtbot, machine, "stop")["ok"]
    qtbot.waitUntil(lambda: not window.worker.busy and window.message.isVisible(), timeout=30000)
    assert window.message.property("kind") == "success", window.message.label.text()
    assert "not recording" in ctl(qtbot, machine, "stop")["error"]
    [path] = window.recordings.paths()
    recorded = status["elapsed_s"] - status["paused_s"]
    duration = float(probe(path)["format"]["duration"])
    # the 1.5 s paused are not in the file (with them it would last ~recorded + 1.5 s + the stop's few tenths)
    assert recorded - 1.0 < duration < recorded + 1.2, (duration, status)
    window.shutdown()
    assert client.running(machine.env) == []  # its socket is gone with it
