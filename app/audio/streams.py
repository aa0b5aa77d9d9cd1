"""Which sink a process plays to, and which processes record: libpulse's streams matched on their process id.

A desktop may have several outputs (speakers, HDMI, a headset); "what the computer plays" is only
the default sink's monitor. Recording the monitor of the sink the TDW build actually plays to gets
its sound wherever the user routed it: the session asks `monitor_of_processes` with the build's pids when
the capture starts (app.audio.build_source). `recording_processes` tells when a recorder's own recording
stream (a source output) is open, i.e. when it hears. The process id is the stream's
`application.process.id` property, set by libpulse in the client that opened it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.audio.pulse import connection
from app.errors import RecorderError

PROCESS_ID = "application.process.id"


@dataclass(frozen=True)
class SinkInput:
    """One stream: which sink it plays to (for a recording stream: which source), and which process opened it."""

    index: int
    sink: int
    pid: int | None
    application: str


def _pid(proplist: Mapping[str, str]) -> int | None:
    value = proplist.get(PROCESS_ID, "")
    return int(value) if value.isdigit() else None


def monitor_of_processes(pids: Iterable[int], env: Mapping[str, str] | None = None) -> str | None:
    """The monitor source of the sink one of `pids` plays to, or None when none of them plays yet."""
    wanted = set(pids)
    try:
        with connection(env if env is not None else os.environ) as pulse:
            sinks = [i.sink for i in pulse.sink_input_list() if _pid(i.proplist) in wanted]
            if not sinks:
                return None
            return pulse.sink_info(sinks[0]).monitor_source_name or None
    except RecorderError:  # no sound server: the caller falls back to the default output
        return None


def recording_processes(env: Mapping[str, str] | None = None) -> set[int]:
    """Ids of the processes that have a recording stream open now (empty when the sound server cannot tell)."""
    try:
        with connection(env if env is not None else os.environ) as pulse:
            pids = {_pid(o.proplist) for o in pulse.source_output_list()}
    except RecorderError:
        return set()
    return {pid for pid in pids if pid is not None}


def parse_source_outputs(text: str) -> list[SinkInput]:
    """Parse English `pactl list source-outputs` text. Unused by the app (it asks libpulse); kept only while
    tests/audio/test_build_source.py still tests it: delete both together."""
    found: list[SinkInput] = []
    current: dict[str, str] = {}

    def flush() -> None:
        if "index" in current and current.get("source", "").isdigit():
            pid = current.get(PROCESS_ID, "")
            found.append(SinkInput(int(current["index"]), int(current["source"]), int(pid) if pid.isdigit() else None,
                                   current.get("application.name", "")))

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("Source Output #"):
            flush()
            current = {"index": line.split("#", 1)[1].strip()}
        elif line.startswith("Source:"):
            current["source"] = line.split(":", 1)[1].strip()
        elif " = " in line:
            key, value = line.split(" = ", 1)
            current[key.strip()] = value.strip().strip('"')
    flush()
    return found
