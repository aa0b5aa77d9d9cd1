"""Connecting to OBS: each usual failure is one sentence with its fix (fake clients, real sockets)."""

import socket

import pytest
from obsws_python.error import OBSSDKError

from app.errors import RecorderError
from app.obs.client import connect, unreachable_message


@pytest.fixture
def listening():
    """A TCP port something listens on (the client factory below stands in for the websocket)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server.getsockname()[1]
    server.close()


class FakeClient:
    def __init__(self, version="5.1.0", **kwargs):
        self.version = version
        self.closed = False

    def send(self, request, data=None, raw=False):
        assert request == "GetVersion"
        return {"obsVersion": "29.0.2", "obsWebSocketVersion": self.version, "rpcVersion": 1}

    def disconnect(self):
        self.closed = True


def failing(error):
    def factory(**kwargs):
        raise error
    return factory


def test_unreachable_messages():
    assert unreachable_message("localhost", 4455, installed=False, running=False).startswith("OBS Studio is not installed")
    assert "WebSocket server is off or not on port 4455" in unreachable_message("127.0.0.1", 4455, True, True)
    far = unreachable_message("studio.lan", 4455, installed=False, running=False)
    assert far.startswith("Nothing answers on studio.lan:4455") and "--obs-host/--obs-port" in far


def test_password_failures(listening):
    with pytest.raises(RecorderError, match="asks for a WebSocket password"):
        connect("127.0.0.1", listening, "", client_factory=failing(OBSSDKError("authentication enabled but no password provided")))
    with pytest.raises(RecorderError, match="refused the WebSocket password"):
        connect("127.0.0.1", listening, "x", client_factory=failing(OBSSDKError("failed to identify client with the server")))


def test_not_a_websocket_server_and_silence(listening):
    with pytest.raises(RecorderError, match="is not an OBS WebSocket server"):
        connect("127.0.0.1", listening, "x", client_factory=failing(ConnectionResetError()))
    with pytest.raises(RecorderError, match="does not answer"):
        connect("127.0.0.1", listening, "x", client_factory=failing(TimeoutError()))


def test_version_check(listening):
    connection = connect("127.0.0.1", listening, "x", client_factory=FakeClient)
    assert (connection.obs_version, connection.websocket_version) == ("29.0.2", "5.1.0")
    with pytest.raises(RecorderError, match="version 4.9.1; version 5 or later is needed"):
        connect("127.0.0.1", listening, "x", client_factory=lambda **kw: FakeClient("4.9.1"))
