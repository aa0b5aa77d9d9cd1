"""The test side of `tests.support.gui_driver`: preset the window's settings, run it in its own process,
read what it reports, kill it with SIGKILL at a known point, and check what it left behind."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

import psutil
from PySide6.QtCore import QSettings

from app.model.settings import CaptureSettings
from app.ui.settings_store import SettingsStore

ROOT = Path(__file__).resolve().parents[2]


def preset_settings(config: Path, settings: CaptureSettings) -> None:
    """Write the settings where the window reads them from when XDG_CONFIG_HOME is `config`."""
    store = SettingsStore(QSettings(str(config / "TDW Recorder" / "TDW Recorder.conf"), QSettings.IniFormat))
    store.save(settings)
    store.sync()


class GuiProcess:
    """`python -m tests.support.gui_driver ACTION` with its JSON events collected as they come."""

    def __init__(self, action: str, config: Path, env: dict[str, str]) -> None:
        self.events: list[dict] = []
        self.output: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.gui_driver", action], cwd=ROOT,
            env={**env, "XDG_CONFIG_HOME": str(config), "QT_QPA_PLATFORM": "xcb"},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.output.append(line)
            if line.startswith("{"):
                self.events.append(json.loads(line))

    def wait_for(self, predicate: Callable[[dict], bool], timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((e for e in reversed(list(self.events)) if predicate(e)), None)
            if found is not None:
                return found
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        if self.proc.poll() is None:  # a failed test leaves no window recording on (its children die with it)
            self.proc.kill()
            self.proc.wait(10)
        raise AssertionError(f"timed out waiting for {what}; the window said:\n{''.join(self.output)[-3000:]}")

    def last(self, event: str) -> dict | None:
        return next((e for e in reversed(list(self.events)) if e["event"] == event), None)

    def kill(self) -> list[psutil.Process]:
        """SIGKILL the window; returns the processes it had started (all of them, however deep)."""
        descendants = psutil.Process(self.proc.pid).children(recursive=True)
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._reader.join(10)
        return descendants

    def finish(self, timeout: float = 60) -> int:
        try:
            code = self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(10)
        return code


def survivors(processes: list[psutil.Process], timeout: float = 20) -> list[str]:
    """Which of `processes` are still alive after `timeout` (zombies count as gone)."""
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    left = []
    for proc in alive:
        try:
            if proc.status() != psutil.STATUS_ZOMBIE:
                left.append(f"{proc.pid} {' '.join(proc.cmdline())[:120]}")
        except psutil.NoSuchProcess:
            pass
    return left


def playable_frames(path: Path) -> int:
    """Frames a player decodes from the start (0 when it cannot open the file at all)."""
    from tests.support.media import decoded_frames

    try:
        return decoded_frames(path)
    except subprocess.CalledProcessError:
        return 0


def record_then_kill(config: Path, env: dict[str, str], source: str, frames: int, timeout: float = 90) -> tuple[int, list[str]]:
    """Press Record in a window with these settings; once it reports `frames` (from its `status` or its
    `scene` events), SIGKILL it. Returns (the frames it last reported, what it started that survived)."""
    gui = GuiProcess("record", config, env)
    try:
        gui.wait_for(lambda e: e["event"] == source and e.get("frames", 0) >= frames and
                     (source == "scene" or e["state"] == "recording"), timeout, f"{frames} frames reported")
        reported = int(gui.last(source)["frames"])
        started = gui.kill()
    finally:
        if gui.proc.poll() is None:
            gui.proc.kill()
            gui.proc.wait()
    assert not any(e["event"] in ("failed", "finished") for e in gui.events), "".join(gui.output)
    return reported, survivors(started)


def next_start_finishes(config: Path, env: dict[str, str]) -> tuple[dict, dict]:
    """Start the window again and press Finish on its unfinished-recordings notice: (offer, result) events."""
    again = GuiProcess("unfinished", config, env)
    code = again.finish(90)
    offered, done = again.last("unfinished"), again.last("finished")
    assert code == 0 and offered and done, "".join(again.output)
    return offered, done

