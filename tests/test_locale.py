"""A German desktop: sound and window queries answer in data, whatever language the tools would print in.

`pactl info` says "Standard-Ziel:" instead of "Default Sink:" under de_DE.UTF-8; the app used to parse that
text and found no default output on every non-English desktop.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.media import mean_volume_db, probe, stream

ROOT = Path(__file__).parent.parent
GERMAN = {"LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8", "LANGUAGE": "de"}


@pytest.fixture
def german(env):
    german = {**env, **GERMAN}
    info = subprocess.run(["pactl", "info"], env=german, capture_output=True, text=True).stdout
    # the test means something only if the tools really speak German here
    assert "Standard-Ziel" in info, "no de_DE.UTF-8 locale: run scripts/bootstrap.sh (it runs locale-gen)"
    return german


def cli(env, *args):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=env, capture_output=True, text=True,
                          timeout=60, cwd=ROOT)


def test_sources_lists_the_default_output_and_windows_in_german(german, pulse, anim_window):
    anim_window("Fenster für Größe", 320, 240, 100, 80)
    done = cli(german, "sources")
    assert done.returncode == 0, done.stderr
    assert f"  {pulse.sink}.monitor  (what a sink plays)" in done.stdout
    assert f"default = {pulse.sink}.monitor" in done.stdout
    assert "'Fenster für Größe'  320x240" in done.stdout


def test_recording_the_default_output_in_german(german, tone, tmp_path):
    tone(10)
    done = cli(german, "record", "--mode", "audio", "--audio", "default", "--duration", "1", "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    saved = Path(done.stdout.split("Saved ", 1)[1].split("\n", 1)[0])
    assert saved.parent == tmp_path and saved.stat().st_size > 0
    assert stream(probe(saved), "audio") and mean_volume_db(saved) > -40  # the tone, from the default output
