"""The real entry point in its own process: Ctrl+R from the keyboard records, Ctrl+C in the terminal
(SIGINT) closes the window gracefully and leaves a finalised file, with no ffmpeg left behind."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
from PySide6.QtCore import QSettings

from app.ui.settings_store import SettingsStore
from tests.support.media import probe, stream

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_sigint_stops_the_recording_and_closes_the_window(env, tmp_path, qapp):
    config, out = tmp_path / "config", tmp_path / "out"
    out.mkdir()
    store = SettingsStore(QSettings(str(config / "TDW Recorder" / "TDW Recorder.conf"), QSettings.IniFormat))
    settings = store.load()
    settings.output_dir, settings.min_free_mb, settings.region = str(out), 10, "0,0,320x240"
    store.save(settings)
    store.sync()
    gui = subprocess.Popen(
        [sys.executable, "-c", "import sys; from app.entry import gui_main; sys.exit(gui_main([]))"],
        cwd=ROOT, env={**env, "XDG_CONFIG_HOME": str(config), "QT_QPA_PLATFORM": "xcb"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        def window_id():
            # polled, not `search --sync`: that exits with nothing when another window vanishes mid-search (BadWindow)
            found = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(gui.pid), "--name", "^TDW Recorder$"],
                                   env=env, capture_output=True, text=True, timeout=10)
            return found.stdout.split()[:1]

        [wid] = wait_for(window_id, 30, "the window to appear")

        def recording_started():
            if not list(out.glob("*.recording.mkv")):
                subprocess.run(["xdotool", "windowactivate", "--sync", wid, "key", "ctrl+r"], env=env, timeout=10)
            live = list(out.glob("*.recording.mkv"))
            return live and live[0].stat().st_size > 10_000

        wait_for(recording_started, 30, "the recording to start")
        gui.send_signal(signal.SIGINT)
        assert gui.wait(timeout=60) == 0
    finally:
        if gui.poll() is None:
            gui.kill()
        output = gui.communicate()[0]
    assert "Traceback" not in output, output
    files = list(out.iterdir())
    assert len(files) == 1 and files[0].suffix == ".mp4", files
    video = stream(probe(files[0]), "video")
    assert (video["width"], video["height"]) == (320, 240) and int(video["nb_read_frames"]) > 5
    leftovers = [p for p in psutil.process_iter(["name", "cmdline"]) if p.info["name"] == "ffmpeg" and str(out) in " ".join(p.info["cmdline"] or [])]
    assert not leftovers
