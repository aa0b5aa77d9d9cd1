"""Fixtures for the OBS backends: a real OBS Studio (29, software GL) on the test Xvfb, websocket enabled."""

from __future__ import annotations

import pytest

from app.obs.install import find_obs
from app.preflight import plan as make_plan
from app.model.region import Region
from app.model.settings import CaptureSettings
from tests.obs.helpers import start_user_obs


@pytest.fixture(scope="module")
def running_obs(xserver, pulse):
    """An OBS the user would run: our config written to a private HOME, websocket on a known password."""
    binary = find_obs()
    if binary is None:
        pytest.skip("OBS Studio is not installed")
    running = start_user_obs(binary, pulse.env(xserver.env()))
    yield running
    running.stop()


@pytest.fixture
def obs_plan(machine, tmp_path):
    """Plan a recording with an OBS backend: plan(backend, region, **settings)."""

    def make(backend: str, region: Region | str, **kw):
        kw.setdefault("output_dir", str(tmp_path))
        text = region if isinstance(region, str) else f"{region.x},{region.y},{region.width}x{region.height}"
        return make_plan(CaptureSettings(mode=kw.pop("mode", "video"), region=text, backend=backend, **kw), machine)

    return make
