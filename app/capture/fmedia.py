"""Backend: fmedia records the sound (audio only), the way TDW's AudioUtils does.

AudioUtils finds the capture device's number by name in `fmedia --list-dev`, runs
`fmedia --record --dev-capture=N --out=FILE.wav --globcmd=listen` and ends it by killing it. Here the same
recording is ended politely: `fmedia --globcmd=stop` (fmedia closes the WAV, writing its real sizes), then
`--globcmd=quit`, then the process tree if it is still there. Each recording has its own command pipe
(`--globcmd.pipe-name`), so two recordings, or the user's own fmedia, never stop each other.

With PulseAudio, fmedia numbers the server's sources in the server's order and names them by their
description: the number is that of the source the session chose (the build's monitor, the default
output's, or the user's), checked against fmedia's own list. The live WAV becomes the chosen audio format
when the recording stops, as ffmpeg's live FLAC does (app.audio.formats).
"""

from __future__ import annotations

import collections
import itertools
import logging
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable, Sequence, TYPE_CHECKING

from app.model.progress import Progress
from app.audio.pulse import PulseAudio
from app.errors import RecorderError
from app.processes import run_text, spawn, stop_tree

if TYPE_CHECKING:
    from app.capture.base import CaptureContext

log = logging.getLogger(__name__)

_DEVICE = re.compile(r"^device #(?P<number>\d+): (?P<name>.*?)(?: - Default)?\s*$")
_pipes = itertools.count(1)
STOP_TIMEOUT_S = 10.0


def find_fmedia(which: Callable[[str], str | None] = shutil.which) -> str | None:
    return which("fmedia")


def not_installed_message() -> str:
    return ("fmedia is not installed: get it from https://stsaz.github.io/fmedia/ (the recorder TDW's AudioUtils "
            "uses) and put it on PATH, or use the ffmpeg backend.")


# -- command lines (pure) -----------------------------------------------------------------------------
def list_devices_command(binary: str) -> list[str]:
    return [binary, "--list-dev"]


def record_command(binary: str, out_path: str, device: int, pipe_name: str) -> list[str]:
    """AudioUtils' recording command, with a command pipe of its own."""
    return [binary, "--record", f"--dev-capture={device}", f"--out={out_path}", "--globcmd=listen",
            f"--globcmd.pipe-name={pipe_name}"]


def control_command(binary: str, pipe_name: str, command: str) -> list[str]:
    """Send `stop` (end the recording, close the file) or `quit` to the fmedia listening on `pipe_name`."""
    return [binary, f"--globcmd={command}", f"--globcmd.pipe-name={pipe_name}"]


# -- device numbers (pure) ----------------------------------------------------------------------------
def parse_capture_devices(text: str) -> list[str]:
    """The capture device names of `fmedia --list-dev`, device #1 first."""
    names: list[str] = []
    in_capture = False
    for line in text.splitlines():
        if line.strip().endswith(":") and not line.startswith("device #"):
            in_capture = line.strip() == "Capture:"
            continue
        match = _DEVICE.match(line.strip())
        if match and in_capture:
            names.append(match.group("name"))
    return names


def capture_device_number(devices: Sequence[str], sources: Sequence[tuple[str, str]], source: str) -> int | None:
    """fmedia's number for `source` (a PulseAudio source name, or a device name as fmedia lists it)."""
    names = [n for n, _ in sources]
    if source in names:
        i = names.index(source)
        description = sources[i][1]
        if i < len(devices) and devices[i] == description:
            return i + 1  # same place in both lists, same name: fmedia lists the server's sources
        same = [k for k, d in enumerate(devices) if d == description]
        if len(same) == 1:
            return same[0] + 1
    if source in devices:
        return list(devices).index(source) + 1
    return None


# -- the recorder -------------------------------------------------------------------------------------
class FmediaRecorder:
    def __init__(self, source: str, output: Path, duration: float | None = None, env: dict[str, str] | None = None,
                 binary: str | None = None, run: Callable[[Sequence[str]], str] | None = None) -> None:
        self.source = source
        self._reserved = output
        self.output = output.with_suffix(".wav")  # NAME.recording.wav: fmedia writes WAV
        self._duration = duration
        self._env = dict(env if env is not None else os.environ)
        self._binary = binary or find_fmedia() or "fmedia"
        self._run = run or (lambda cmd: run_text(cmd, env=self._env, timeout=10))
        self._pipe = f"tdwrec-{os.getpid()}-{next(_pipes)}"
        self.command: list[str] = []
        self._proc: subprocess.Popen | None = None
        self._tail: collections.deque[str] = collections.deque(maxlen=20)
        self._stop_requested = threading.Event()
        self._started_at = 0.0

    def device_number(self) -> int:
        try:
            devices = parse_capture_devices(self._run(list_devices_command(self._binary)))
        except (OSError, subprocess.SubprocessError) as exc:
            raise RecorderError(f"fmedia could not list the sound devices ({exc}): check that fmedia runs.")
        try:  # through libpulse: `pactl list sources` prints its field names in the desktop's language
            sources = PulseAudio(env=self._env).descriptions()
        except RecorderError:
            sources = []  # no PulseAudio (Windows, macOS): the source is a device name
        number = capture_device_number(devices, sources, self.source)
        if number is None:
            raise RecorderError(f"fmedia lists no capture device for {self.source}: run `fmedia --list-dev`, "
                                "and choose one of its capture devices as the audio source.")
        return number

    def start(self, on_progress: Callable[[Progress], None], on_ended: Callable[[str | None], None]) -> None:
        try:
            self.command = record_command(self._binary, str(self.output), self.device_number(), self._pipe)
            if self.output.exists():
                raise RecorderError(f"{self.output.name} exists already: move it away, or record again.")
        except RecorderError as exc:
            on_ended(exc.message)
            return
        if self._reserved.exists() and self._reserved.stat().st_size == 0:
            self._reserved.unlink()  # the session's placeholder: fmedia writes the WAV beside it
        log.info("starting: %s", " ".join(self.command))
        self._started_at = time.monotonic()
        self._proc = spawn(self.command, env=self._env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        threading.Thread(target=self._watch, args=(on_ended,), name="fmedia-watch", daemon=True).start()
        threading.Thread(target=self._report, args=(on_progress,), name="fmedia-progress", daemon=True).start()

    def _watch(self, on_ended: Callable[[str | None], None]) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for raw in iter(self._proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").strip()
            if line:
                self._tail.append(line)
        code = self._proc.wait()
        if self._stop_requested.is_set():
            on_ended(None)
        else:
            last = self._tail[-1] if self._tail else f"exit code {code}"
            on_ended(f"fmedia stopped unexpectedly ({last}).")

    def _report(self, on_progress: Callable[[Progress], None]) -> None:
        """Size twice a second; the duration, if any, is kept here (AudioUtils' --until counts whole seconds)."""
        assert self._proc is not None
        while self._proc.poll() is None:
            on_progress(self.progress())
            if self._duration and time.monotonic() - self._started_at >= self._duration:
                threading.Thread(target=self.stop, name="fmedia-duration", daemon=True).start()
                return
            time.sleep(0.5)

    def stop(self) -> None:
        """`stop` (fmedia closes its WAV), `quit`, then the process tree if fmedia is still there."""
        self._stop_requested.set()
        if self._proc is None or self._proc.poll() is not None:
            return
        for command in ("stop", "quit"):
            try:
                subprocess.run(control_command(self._binary, self._pipe, command), env=self._env, timeout=5,
                               stdin=subprocess.DEVNULL, capture_output=True)
            except (OSError, subprocess.SubprocessError) as exc:
                log.warning("fmedia --globcmd=%s failed: %s", command, exc)
        try:
            self._proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            log.warning("fmedia did not quit within %.0f s; stopping its process tree", STOP_TIMEOUT_S)
            stop_tree(self._proc.pid, timeout=5)

    def progress(self) -> Progress:
        try:
            size = self.output.stat().st_size
        except OSError:
            size = 0
        return Progress(size_bytes=size)

    def pids(self) -> list[int]:
        return [self._proc.pid] if self._proc is not None else []


def create(context: CaptureContext) -> FmediaRecorder:
    plan = context.plan
    return FmediaRecorder(plan.audio_source or "", context.output, duration=plan.settings.duration, env=context.env)


def unavailable() -> str | None:
    return None if find_fmedia() else not_installed_message()
