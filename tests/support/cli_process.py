"""The real CLI recording in a process of its own, for tests that kill it or look at its live file."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.support.media import wait_for_frames

ROOT = Path(__file__).resolve().parents[2]


def start_cli_recording(env: dict[str, str], region: str, folder: Path,
                        at_least: int = 30) -> tuple[subprocess.Popen, Path, int]:
    """`main.py record --region REGION --out FOLDER` until killed: (process, its live file, frames decodable in it)."""
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "record", "--region", region, "--out", str(folder)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while not list(folder.glob("*.recording.mkv")) and time.monotonic() < deadline:
        time.sleep(0.1)
    [live] = list(folder.glob("*.recording.mkv"))
    return proc, live, wait_for_frames(live, at_least)
