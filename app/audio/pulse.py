"""PulseAudio (and PipeWire's pulse server) discovery through libpulse (pulsectl).

libpulse answers in data; `pactl` prints translated text ("Standard-Ziel:" under a German locale), so
parsing it broke on every non-English desktop. Each query opens its own short connection: no state to go
stale when the server restarts, safe from any thread, and a dead server fails within CONNECT_TIMEOUT_S.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from app.errors import RecorderError

if TYPE_CHECKING:
    import pulsectl

CONNECT_TIMEOUT_S = 3.0
NO_SERVER = ("No PulseAudio/PipeWire sound server answers: start one (pulseaudio --start), "
             "or record without audio.")
NO_SINK = ("The sound server has no default output: create one, or choose an audio source "
           "(`tdw-recorder sources` lists them).")


@dataclass(frozen=True)
class AudioSource:
    name: str
    is_monitor: bool  # the monitor of a sink: "what the computer plays"

    def describe(self) -> str:
        return f"{self.name}  ({'what a sink plays' if self.is_monitor else 'input'})"


def server_address(env: Mapping[str, str]) -> str | None:
    """The server `env` points at (tests run a private one); None lets libpulse pick its usual default."""
    if env.get("PULSE_SERVER"):
        return env["PULSE_SERVER"]
    if env.get("XDG_RUNTIME_DIR"):
        return f"unix:{env['XDG_RUNTIME_DIR']}/pulse/native"
    return None


@contextmanager
def connection(env: Mapping[str, str], timeout: float = CONNECT_TIMEOUT_S) -> Iterator["pulsectl.Pulse"]:
    """A libpulse connection for one query; a missing, stuck or vanishing server becomes one RecorderError."""
    try:
        import pulsectl
    except (ImportError, OSError):  # OSError: pulsectl loads libpulse.so.0 when imported
        raise RecorderError("libpulse is not installed: install it (sudo apt install libpulse0).") from None
    pulse = _client_class()("tdw-recorder", server=server_address(env), connect=False)
    try:
        pulse.connect(autospawn=False, timeout=timeout)
        yield pulse
    except (pulsectl.PulseError, pulsectl.PulseDisconnected):
        raise RecorderError(NO_SERVER) from None
    finally:
        pulse.close()


def server_answers(env: Mapping[str, str], timeout: float = 1.0) -> bool:
    """Whether the sound server answers a query within `timeout` (a stopped or stuck one does not)."""
    try:
        with connection(env, timeout) as pulse:
            pulse.server_info()
        return True
    except RecorderError:
        return False


@lru_cache(maxsize=1)
def _client_class() -> type:
    import pulsectl

    class Client(pulsectl.Pulse):
        """pulsectl 24.12's connect(timeout=...) polls on until the deadline even once connected (3 s per
        query here); this stops its loop as soon as the context is ready. Harmless if pulsectl fixes it."""

        def _pulse_state_cb(self, ctx, userdata):  # type: ignore[no-untyped-def]
            super()._pulse_state_cb(ctx, userdata)
            if self.connected:
                self._loop_stop = True

    return Client


class PulseAudio:
    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env = dict(env if env is not None else os.environ)

    def sources(self) -> list[AudioSource]:
        with connection(self.env) as pulse:
            return _sources(pulse)

    def descriptions(self) -> list[tuple[str, str]]:
        """(name, description) of every source, in the server's order (the names other programs, e.g. fmedia,
        list sources by)."""
        with connection(self.env) as pulse:
            return [(s.name, s.description) for s in pulse.source_list()]

    def default_sink(self) -> str:
        with connection(self.env) as pulse:
            return _default_sink(pulse)

    def resolve(self, choice: str) -> str:
        """`default` means what the computer plays (the default sink's monitor); else a source name."""
        with connection(self.env) as pulse:
            name = f"{_default_sink(pulse)}.monitor" if choice == "default" else choice
            names = {s.name for s in _sources(pulse)}
        if name not in names:
            raise RecorderError(
                f"Audio source {name!r} does not exist: run `tdw-recorder sources` to list them."
            )
        return name


def _sources(pulse: "pulsectl.Pulse") -> list[AudioSource]:
    # monitor_of_sink is PA_INVALID_INDEX (0xffffffff) for a real input
    return [AudioSource(s.name, s.monitor_of_sink != 0xFFFFFFFF) for s in pulse.source_list()]


def _default_sink(pulse: "pulsectl.Pulse") -> str:
    name = pulse.server_info().default_sink_name
    if not name:
        raise RecorderError(NO_SINK)
    return name
