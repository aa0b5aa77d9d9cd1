"""`tdw-recorder install-desktop-entry`: the real command into a temporary XDG_DATA_HOME, checked with
desktop-file-validate, launched the way a desktop does (gio launch), and removed again."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from app.desktop import desktop_entry, install, uninstall
from app.errors import RecorderError
from app.resources import APP_ID, ICON_SIZES

ROOT = Path(__file__).parent.parent
ENTRY = Path("applications") / f"{APP_ID}.desktop"


def cli(data_home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, XDG_DATA_HOME=str(data_home))
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "install-desktop-entry", *args], env=env,
                          capture_output=True, text=True, timeout=60)


def validate(path: Path) -> None:
    tool = shutil.which("desktop-file-validate")
    assert tool, "desktop-file-validate is missing: apt install desktop-file-utils (scripts/bootstrap.sh does)"
    done = subprocess.run([tool, str(path)], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def exec_line(entry: Path) -> str:
    return next(line.split("=", 1)[1] for line in entry.read_text().splitlines() if line.startswith("Exec="))


def icons(data_home: Path) -> list[Path]:
    hicolor = data_home / "icons" / "hicolor"
    return [hicolor / f"{s}x{s}" / "apps" / f"{APP_ID}.png" for s in ICON_SIZES] + [hicolor / "scalable" / "apps" / f"{APP_ID}.svg"]


def test_install_writes_a_valid_entry_that_runs_this_installs_gui_and_uninstall_removes_it(tmp_path):
    data = tmp_path / "data"
    done = cli(data)
    assert done.returncode == 0, done.stderr
    entry = data / ENTRY
    validate(entry)
    target = Path(exec_line(entry))
    assert target.is_absolute() and target.name == "tdw-recorder-gui"
    assert target.parent == Path(sys.executable).parent  # the script installed with this interpreter
    assert os.access(target, os.X_OK)
    assert f"Icon={APP_ID}" in entry.read_text().splitlines()
    for icon in icons(data):
        assert icon.stat().st_size > 0
    assert str(entry) in done.stdout

    again = cli(data)  # its own files are replaced quietly
    assert again.returncode == 0, again.stderr

    gone = cli(data, "--uninstall")
    assert gone.returncode == 0, gone.stderr
    assert not entry.exists() and not any(p.exists() for p in icons(data))
    assert not (data / "tdw-recorder").exists()  # the manifest goes too
    assert "Nothing to remove" in cli(data, "--uninstall").stdout


def test_a_file_it_did_not_write_is_never_overwritten(tmp_path):
    data = tmp_path / "data"
    entry = data / ENTRY
    entry.parent.mkdir(parents=True)
    entry.write_text("[Desktop Entry]\nType=Application\nName=Somebody else's\nExec=true\n")
    done = cli(data)
    assert done.returncode == 2
    assert "was not written by TDW Recorder" in done.stderr and "Traceback" not in done.stderr
    assert "Somebody else's" in entry.read_text()
    assert not any(p.exists() for p in icons(data))  # nothing written at all
    assert cli(data, "--uninstall").returncode == 0 and entry.exists()


def test_uninstall_keeps_a_file_changed_since_and_a_reinstall_refuses_to_replace_it(tmp_path):
    gui = tmp_path / "tdw-recorder-gui"
    written = install(tmp_path, str(gui))
    entry = tmp_path / ENTRY
    assert written[0] == entry
    entry.write_text(entry.read_text().replace("Exec=", "Exec=env DEBUG=1 "))  # the user's own edit
    removed, kept = uninstall(tmp_path)
    assert kept == [entry] and entry.exists()
    assert set(removed) == set(icons(tmp_path))
    with pytest.raises(RecorderError, match="was not written by TDW Recorder"):
        install(tmp_path, str(gui))


def test_paths_with_spaces_and_shell_characters_are_quoted_as_the_spec_says(tmp_path):
    folder = tmp_path / "my apps" / 'odd $name "quoted" `x`'
    folder.mkdir(parents=True)
    marker = tmp_path / "started"
    gui = folder / "tdw-recorder-gui"
    gui.write_text(f'#!/bin/sh\necho "$0" > "{marker}"\n')
    gui.chmod(0o755)
    install(tmp_path, str(gui))
    entry = tmp_path / ENTRY
    validate(entry)
    if shutil.which("gio") is None:
        pytest.skip("gio (libglib2.0-bin) is not installed: the entry validated but was not launched")
    subprocess.run(["gio", "launch", str(entry)], check=True, timeout=30)  # GLib's own Exec parser
    deadline = time.monotonic() + 10
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.read_text().strip() == str(gui)


def test_the_packaged_entry_and_the_installed_one_differ_only_in_exec():
    packaged = (ROOT / "packaging" / f"{APP_ID}.desktop").read_text()
    assert packaged == desktop_entry("tdw-recorder-gui")  # regenerate the file from app.desktop if this fails
    installed = desktop_entry("/opt/x/tdw-recorder-gui")
    assert [line for line in installed.splitlines() if "Exec=" not in line] == \
        [line for line in packaged.splitlines() if "Exec=" not in line]


@pytest.mark.skipif(shutil.which("gio") is None, reason="gio (libglib2.0-bin) is not installed")
def test_launching_the_entry_like_a_double_click_opens_the_window(xserver, tmp_path):
    data = tmp_path / "data"
    assert cli(data).returncode == 0
    env = xserver.env({**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
                       "XDG_DATA_HOME": str(data), "QT_QPA_PLATFORM": "xcb"})
    subprocess.run(["gio", "launch", str(data / ENTRY)], env=env, check=True, timeout=30)
    pid = _window_pid(env, "^TDW Recorder$", timeout=60)
    try:
        assert "tdw-recorder-gui" in " ".join(psutil.Process(pid).cmdline())  # the script Exec names
    finally:
        os.kill(pid, signal.SIGTERM)
        psutil.Process(pid).wait(timeout=20)


def _window_pid(env: dict, title: str, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = subprocess.run(["xdotool", "search", "--name", title], env=env, capture_output=True, text=True).stdout.split()
        for wid in found:  # Qt's helper windows carry the title too, but no pid
            pid = subprocess.run(["xdotool", "getwindowpid", wid], env=env, capture_output=True, text=True).stdout.strip()
            if pid:
                return int(pid)
        time.sleep(0.1)
    raise AssertionError(f"no window titled {title!r} within {timeout} s")
