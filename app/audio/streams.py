"""Which sink a process plays to: `pactl list sink-inputs` matched on application.process.id.

A desktop may have several outputs (speakers, HDMI, a headset); "what the computer plays" is only
the default sink's monitor. Recording the monitor of the sink the TDW build actually plays to gets
its sound wherever the user routed it: the session asks `monitor_of_processes` with the build's pids when
the capture starts (app.audio.build_source). `recording_processes` tells when a recorder's own recording
stream is open (`pactl list source-outputs`), i.e. when it hears.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

from app.processes import run_text


@dataclass(frozen=True)
class SinkInput:
    """One stream: which sink it plays to (for a recording stream: which source), and which process opened it."""

    index: int
    sink: int
    pid: int | None
    application: str


def parse_sink_inputs(text: str) -> list[SinkInput]:
    """Parse `pactl list sink-inputs` (the long, human form: the short form lacks the process id)."""
    return _parse_streams(text, "Sink Input #", "Sink:")


def parse_source_outputs(text: str) -> list[SinkInput]:
    """Parse `pactl list source-outputs`: the recording streams, with the source each records."""
    return _parse_streams(text, "Source Output #", "Source:")


def _parse_streams(text: str, header: str, device: str) -> list[SinkInput]:
    found: list[SinkInput] = []
    current: dict[str, str] = {}

    def flush() -> None:
        if "index" in current and current.get("sink", "").isdigit():
            pid = current.get("application.process.id", "")
            found.append(SinkInput(int(current["index"]), int(current["sink"]), int(pid) if pid.isdigit() else None,
                                   current.get("application.name", "")))

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith(header):
            flush()
            current = {"index": line.split("#", 1)[1].strip()}
        elif line.startswith(device):
            current["sink"] = line.split(":", 1)[1].strip()
        elif " = " in line:
            key, value = line.split(" = ", 1)
            current[key.strip()] = value.strip().strip('"')
    flush()
    return found


def parse_short_sinks(text: str) -> dict[int, str]:
    """`pactl list short sinks`: index -> sink name."""
    sinks = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].isdigit():
            sinks[int(parts[0])] = parts[1]
    return sinks


def monitor_of_processes(pids: Iterable[int], env: Mapping[str, str] | None = None,
                         run: Callable[[Sequence[str]], str] | None = None) -> str | None:
    """The monitor source of the sink one of `pids` plays to, or None when none of them plays yet."""
    environment = dict(env if env is not None else os.environ)
    runner = run or (lambda cmd: run_text(cmd, env=environment, timeout=5))
    wanted = set(pids)
    try:
        inputs = [i for i in parse_sink_inputs(runner(["pactl", "list", "sink-inputs"])) if i.pid in wanted]
        if not inputs:
            return None
        sinks = parse_short_sinks(runner(["pactl", "list", "short", "sinks"]))
    except (OSError, ValueError, RuntimeError, subprocess.SubprocessError):
        return None
    name = sinks.get(inputs[0].sink)
    return f"{name}.monitor" if name else None


def recording_processes(env: Mapping[str, str] | None = None,
                        run: Callable[[Sequence[str]], str] | None = None) -> set[int]:
    """Ids of the processes that have a recording stream open now (empty when the sound server cannot tell)."""
    environment = dict(env if env is not None else os.environ)
    runner = run or (lambda cmd: run_text(cmd, env=environment, timeout=5))
    try:
        return {o.pid for o in parse_source_outputs(runner(["pactl", "list", "source-outputs"])) if o.pid is not None}
    except (OSError, ValueError, RuntimeError, subprocess.SubprocessError):
        return set()
