"""The run's log file (app/logs.py) and the folders it and the config live in (app/paths.py): a real CLI process
writes one file per run in the state folder, with its header and the recording's lines; the OBS password never
reaches it; old runs and big files rotate away; `doctor` names it."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from app import logs, paths
from app.model.obs import PASSWORD_ENV, read_password_file

ROOT = Path(__file__).parent.parent
ENV_SECRET = "env-Secret-4711"
FILE_SECRET = "file-Secret-0815"


def cli(env, *args, timeout=60):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def log_files(state: Path) -> list[Path]:
    return sorted((state / "tdw-recorder" / "log").glob("tdw-recorder-*.log*"))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once it is closed


@pytest.fixture
def isolated_logging():
    """The root logger as a fresh process has it, for a test that calls logs.start() in this process."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    root.handlers.clear()
    root.setLevel(logging.WARNING)
    logs.stop()
    yield
    logs.stop()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    root.handlers.extend(saved[0])
    root.setLevel(saved[1])


def test_the_folders_come_from_platformdirs_and_honour_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.LOG_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert paths.state_dir() == tmp_path / "state" / "tdw-recorder"
    assert paths.config_dir() == tmp_path / "config" / "tdw-recorder"
    assert paths.xdg_data_home() == tmp_path / "data"
    if sys.platform.startswith("linux"):
        assert paths.log_dir() == tmp_path / "state" / "tdw-recorder" / "log"  # platformdirs' user_log_dir
        for name in ("XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
            monkeypatch.delenv(name)
        monkeypatch.setenv("HOME", "/h")  # the defaults: where the files were before app.paths, on Linux
        assert paths.config_dir() == Path("/h/.config/tdw-recorder")
        assert paths.log_dir() == Path("/h/.local/state/tdw-recorder/log")
        assert paths.xdg_data_home() == Path("/h/.local/share")
    monkeypatch.setenv(paths.LOG_DIR_ENV, str(tmp_path / "mine"))
    assert paths.log_dir() == tmp_path / "mine"


def test_a_config_file_an_earlier_version_left_elsewhere_is_still_found(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    earlier = tmp_path / "old"
    assert paths.config_file("x.json", earlier) == tmp_path / "config" / "tdw-recorder" / "x.json"
    earlier.mkdir()
    (earlier / "x.json").write_text("{}")
    assert paths.config_file("x.json", earlier) == earlier / "x.json"
    (tmp_path / "config" / "tdw-recorder").mkdir(parents=True)
    (tmp_path / "config" / "tdw-recorder" / "x.json").write_text("{}")
    assert paths.config_file("x.json", earlier) == tmp_path / "config" / "tdw-recorder" / "x.json"  # the new one wins


def test_a_cli_recording_writes_its_own_log_file_with_a_header_and_the_recordings_lines(env, tmp_path):
    state = tmp_path / "state"
    env = dict(env, XDG_STATE_HOME=str(state))
    env.pop(paths.LOG_DIR_ENV, None)
    done = cli(env, "record", "--region", "0,0,320x240", "--duration", "1", "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "INFO" not in done.stderr  # without -v, stderr shows what it showed before
    [path] = log_files(state)
    assert path.name.startswith("tdw-recorder-") and "-record-" in path.name
    if sys.platform != "win32":
        assert path.stat().st_mode & 0o777 == 0o600
    lines = path.read_text().splitlines()
    assert "TDW Recorder 0.1.0 (record): main.py record --region 0,0,320x240 --duration 1 --out" in lines[0]
    assert "| Python " in lines[0] and "| pid " in lines[0]
    text = "\n".join(lines)
    assert "INFO app.ffmpeg.process" in text and "starting: " in text  # the ffmpeg command line
    assert "recording to " in text and "video, backend ffmpeg, region 0,0,320x240, 30 fps, sound none" in text
    assert "recording ended: Saved " + str(tmp_path / "out") in text

    failed = cli(env, "record", "--region", "0,0,320x240", "--fps", "0", "--duration", "1", "--out", str(tmp_path / "out"))
    assert failed.returncode == 2
    assert len({p.name.split(".log")[0] for p in log_files(state)}) == 2  # one file per run
    newest = log_files(state)[-1].read_text()
    assert "not recording: fps: " in newest  # the one-line reason the CLI printed is in the log too


def test_the_obs_password_never_reaches_the_log(env, tmp_path):
    """From the environment and from a password file, through an obs-websocket attempt; with -v, and with the
    secrets also typed on the command line by mistake (as a scene name and a file name)."""
    state = tmp_path / "state"
    password_file = tmp_path / "obs-password"
    password_file.write_text(FILE_SECRET + "\n")
    password_file.chmod(0o600)
    env = dict(env, XDG_STATE_HOME=str(state), **{PASSWORD_ENV: ENV_SECRET})
    for extra in (["--obs-password-file", str(password_file), "--name", FILE_SECRET], []):  # the file's, the environment's
        done = cli(env, "-v", "record", "--backend", "obs-websocket", "--obs-port", str(closed_port()), *extra,
                   "--obs-scene", ENV_SECRET, "--duration", "1", "--out", str(tmp_path / "out"))
        assert done.returncode == 2 and "Nothing answers on localhost" in done.stderr, done.stderr
        assert ENV_SECRET not in done.stderr and FILE_SECRET not in done.stderr  # -v's lines are redacted too
    files = log_files(state)
    assert len(files) == 2
    for path in files:
        text = path.read_text()
        assert "--obs-scene *** " in text, text
        assert "ERROR tdw-recorder.log [MainThread]: Nothing answers on localhost" in text  # the attempt is logged...
        assert ENV_SECRET not in text and FILE_SECRET not in text  # ...the passwords are not


def test_secrets_are_redacted_in_messages_arguments_and_tracebacks(isolated_logging, monkeypatch, tmp_path):
    monkeypatch.setenv(PASSWORD_ENV, ENV_SECRET)
    password_file = tmp_path / "pw"
    password_file.write_text(FILE_SECRET + "\n")
    password_file.chmod(0o600)
    path = logs.start("test", ["--obs-password=typed-Secret-1", "--obs-password-file", str(password_file)], folder=tmp_path / "log")
    assert path is not None and path.parent == tmp_path / "log"
    assert read_password_file(password_file) == FILE_SECRET
    quoted = 'we"ird\\pass'
    from app.model.obs import note_secret
    note_secret(quoted)
    log = logging.getLogger("app.test")
    log.warning("password %s in the arguments", ENV_SECRET)
    log.warning(f"password {FILE_SECRET} in the message")
    log.warning("a dict %r", {"password": FILE_SECRET, "other": quoted})
    try:
        raise RuntimeError(f"failed with {ENV_SECRET}")
    except RuntimeError:
        log.exception("it broke")
    logs.stop()
    text = path.read_text()
    for secret in (ENV_SECRET, FILE_SECRET, "typed-Secret-1", quoted, repr(quoted)[1:-1]):
        assert secret not in text, secret
    assert "password *** in the arguments" in text and "password *** in the message" in text
    assert "RuntimeError: failed with ***" in text and "--obs-password=***" in text


def test_the_window_keeps_showing_warnings_on_stderr_and_logs_info_to_the_file(isolated_logging, tmp_path, capsys):
    path = logs.start("window", [], console=True, folder=tmp_path)
    assert path is not None and "-window-" in path.name
    log = logging.getLogger("app.test")
    log.info("an info line")
    log.warning("a warning")
    logs.stop()
    err = capsys.readouterr().err
    assert "WARNING app.test: a warning" in err and "an info line" not in err
    text = path.read_text()
    assert "(window): " in text.splitlines()[0] and "an info line" in text and "a warning" in text


def test_public_argv_hides_password_options_but_not_password_files():
    assert logs.public_argv(["record", "--obs-password", "x", "--obs-password-file", "/f", "--password=y", "-v"]) == \
        ["record", "--obs-password", "***", "--obs-password-file", "/f", "--password=***", "-v"]


def test_rotation_keeps_the_last_runs_and_bounds_each_file(isolated_logging, monkeypatch, tmp_path):
    folder = tmp_path / "log"
    folder.mkdir()
    older = [folder / f"tdw-recorder-2020010{d}-000000-record-{d}.log" for d in range(1, 10)] + \
            [folder / f"tdw-recorder-2020011{d}-000000-window-{d}.log" for d in range(0, 5)]
    for path in older:
        path.write_text("old\n")
        path.with_name(path.name + ".1").write_text("older\n")
    (folder / "notes.txt").write_text("not ours")
    monkeypatch.setattr(logs, "MAX_BYTES", 4000)
    path = logs.start("record", [], folder=folder)
    assert path is not None
    for i in range(400):
        logging.getLogger("app.test").warning("line %d %s", i, "x" * 80)
    logs.stop()
    runs = sorted({p.name.split(".log")[0] for p in folder.glob("tdw-recorder-*")})
    assert len(runs) == logs.KEEP_RUNS and runs[-1] == path.name[:-4]
    assert runs[0] == older[-(logs.KEEP_RUNS - 1)].name[:-4]  # the newest earlier runs stay, the oldest went
    assert (folder / "notes.txt").exists()
    mine = sorted(folder.glob(path.name + "*"))
    assert len(mine) == 1 + logs.BACKUPS and all(p.stat().st_size <= 4000 for p in mine)


def test_an_unwritable_log_folder_is_said_once_and_the_run_goes_on(isolated_logging, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert logs.start("record", [], folder=blocker / "log") is None
    assert "no log file this run" in capsys.readouterr().err
    assert logs.status()[0] is False and "cannot be written" in logs.status()[1]


def test_doctor_prints_the_log_files_path(env, tmp_path):
    state = tmp_path / "state"
    done = cli(dict(env, XDG_STATE_HOME=str(state)), "doctor", "--out", str(tmp_path))
    [line] = [line for line in done.stdout.splitlines() if " log file " in line]
    [path] = log_files(state)
    assert line.startswith("ok ") and str(path) in line and f"the last {logs.KEEP_RUNS} runs" in line
    assert "(doctor)" in path.read_text().splitlines()[0]
    assert os.access(path, os.R_OK)
