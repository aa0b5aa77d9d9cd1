"""PulseAudio (and PipeWire's pulse server) discovery through pactl."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from typing import Mapping

from app.errors import RecorderError
from app.processes import run_text


@dataclass(frozen=True)
class AudioSource:
    name: str
    is_monitor: bool  # the monitor of a sink: "what the computer plays"

    def describe(self) -> str:
        return f"{self.name}  ({'what a sink plays' if self.is_monitor else 'input'})"


class PulseAudio:
    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env = dict(env if env is not None else os.environ)

    def _pactl(self, *args: str) -> str:
        try:
            return run_text(["pactl", *args], env=self.env, timeout=5)
        except FileNotFoundError:
            raise RecorderError("pactl is not installed: install pulseaudio-utils (sudo apt install pulseaudio-utils).")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            raise RecorderError(
                "No PulseAudio/PipeWire sound server answers: start one (pulseaudio --start), "
                "or record without audio."
            )

    def sources(self) -> list[AudioSource]:
        found = []
        for line in self._pactl("list", "short", "sources").splitlines():
            parts = line.split("\t")
            if len(parts) >= 2:
                found.append(AudioSource(parts[1], parts[1].endswith(".monitor")))
        return found

    def default_sink(self) -> str:
        for line in self._pactl("info").splitlines():
            if line.startswith("Default Sink:"):
                return line.split(":", 1)[1].strip()
        raise RecorderError("The sound server has no default output: create one, or choose an audio source (`tdw-recorder sources` lists them).")

    def resolve(self, choice: str) -> str:
        """`default` means what the computer plays (the default sink's monitor); else a source name."""
        if choice == "default":
            name = f"{self.default_sink()}.monitor"
        else:
            name = choice
        names = {s.name for s in self.sources()}
        if name not in names:
            raise RecorderError(
                f"Audio source {name!r} does not exist: run `tdw-recorder sources` to list them."
            )
        return name
