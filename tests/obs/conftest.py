"""Fixtures for the OBS backends: a real OBS Studio (29, software GL) on the test Xvfb, websocket enabled."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.obs.client import connect, wait_for_port
from app.obs.config import Crop, RecordingSetup, Websocket, free_port, new_password, write_config
from app.obs.install import find_obs, needs_software_gl, private_env
from app.obs.launched import LaunchedObs
from app.preflight import plan as make_plan
from app.screen.region import Region
from app.settings import CaptureSettings

@dataclass
class RunningObs:
    port: int
    password: str
    obs: LaunchedObs
    home: Path

    def connect(self, password: str | None = None):
        return connect("127.0.0.1", self.port, self.password if password is None else password)


@pytest.fixture(scope="module")
def running_obs(xserver, pulse):
    """An OBS the user would run: our config written to a private HOME, websocket on a known password."""
    binary = find_obs()
    if binary is None:
        pytest.skip("OBS Studio is not installed")
    env = pulse.env(xserver.env())
    home = Path(tempfile.mkdtemp(prefix="tdwrec-obs-test-"))
    websocket = Websocket(free_port(), new_password())
    setup = RecordingSetup(home / "Videos", "user-clip", 640, 400, 30.0, Crop(0, 0, 640, 400))
    write_config(home / ".config" / "obs-studio", setup, websocket)
    setup.folder.mkdir()
    obs = LaunchedObs(binary, setup.profile, setup.collection, setup.scene,
                      private_env(env, home, needs_software_gl(env)), home / "obs.log", start_recording=False)
    obs.start()
    assert wait_for_port("127.0.0.1", websocket.port, 40, obs.alive), obs.log_tail()
    yield RunningObs(websocket.port, websocket.password, obs, home)
    obs.stop()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def obs_plan(machine, tmp_path):
    """Plan a recording with an OBS backend: plan(backend, region, **settings)."""

    def make(backend: str, region: Region | str, **kw):
        kw.setdefault("output_dir", str(tmp_path))
        text = region if isinstance(region, str) else f"{region.x},{region.y},{region.width}x{region.height}"
        return make_plan(CaptureSettings(mode=kw.pop("mode", "video"), region=text, backend=backend, **kw), machine)

    return make
