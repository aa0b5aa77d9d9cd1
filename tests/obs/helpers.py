"""Helpers for the OBS tests (and benchmarks/obs.py): a user's OBS started for real, frame colours."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.obs.client import connect, wait_for_port
from app.obs.config import Crop, RecordingSetup, Websocket, free_port, new_password, write_config
from app.obs.install import find_obs, needs_software_gl, private_env
from app.obs.launched import LaunchedObs

needs_obs = pytest.mark.skipif(find_obs() is None, reason="OBS Studio is not installed (sudo apt install obs-studio)")


@dataclass
class RunningObs:
    port: int
    password: str
    obs: LaunchedObs
    home: Path

    def connect(self, password: str | None = None):
        return connect("127.0.0.1", self.port, self.password if password is None else password)

    def stop(self) -> None:
        self.obs.stop()
        shutil.rmtree(self.home, ignore_errors=True)


def start_user_obs(binary: str, env: dict[str, str]) -> RunningObs:
    """An OBS the user would run: our config written to a private HOME, websocket on a known password, idle."""
    home = Path(tempfile.mkdtemp(prefix="tdwrec-obs-test-"))
    websocket = Websocket(free_port(), new_password())
    setup = RecordingSetup(home / "Videos", "user-clip", 640, 400, 30.0, Crop(0, 0, 640, 400))
    write_config(home / ".config" / "obs-studio", setup, websocket)
    setup.folder.mkdir()
    obs = LaunchedObs(binary, setup.profile, setup.collection, setup.scene,
                      private_env(env, home, needs_software_gl(env)), home / "obs.log", start_recording=False)
    obs.start()
    running = RunningObs(websocket.port, websocket.password, obs, home)
    if not wait_for_port("127.0.0.1", websocket.port, 40, obs.alive):
        tail = obs.log_tail()
        running.stop()
        raise RuntimeError(f"OBS's websocket never opened: {tail}")
    return running


def mean_rgb(path: Path, at: float, width: int, height: int) -> tuple[float, float, float]:
    """Average colour around `at` seconds (to tell the test window from OBS's own window): the median of three
    frames 0.1 s apart, so the test window's one-frame white flash cannot be the one sampled."""
    samples = []
    for when in (at - 0.1, at, at + 0.1):
        raw = subprocess.run(["ffmpeg", "-v", "error", "-ss", f"{when:.2f}", "-i", str(path), "-frames:v", "1", "-f",
                              "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
        assert len(raw) == width * height * 3
        pixels = width * height
        samples.append(tuple(sum(raw[c::3]) / pixels for c in range(3)))
    samples.sort(key=sum)
    return samples[1]  # type: ignore[return-value]
