"""Finding, starting and stopping OBS: pure command lines, tested as exact lists, for every platform."""

from pathlib import Path

from app.obs.install import (_config_dir_of, find_obs, kill_command, launch_command, listening_pid, needs_software_gl,
                             not_installed_message, private_env)


def test_linux_launch_line():
    command = launch_command("/usr/bin/obs", "TDW Recorder", "TDW Recorder", "TDW Recorder", platform="linux")
    assert command.argv == [
        "/usr/bin/obs", "--startrecording", "--minimize-to-tray", "--disable-shutdown-check",
        "--disable-missing-files-check", "--profile", "TDW Recorder", "--collection", "TDW Recorder",
        "--scene", "TDW Recorder", "--multi",
    ]
    assert command.cwd is None


def test_windows_launch_line_runs_from_obs_bin_folder():
    binary = r"C:\Program Files\obs-studio\bin\64bit\obs64.exe"
    command = launch_command(binary, "P", "C", "", platform="win32")
    assert command.argv == [binary, "--startrecording", "--minimize-to-tray", "--disable-shutdown-check",
                            "--disable-missing-files-check", "--profile", "P", "--collection", "C", "--multi"]
    assert command.cwd == r"C:\Program Files\obs-studio\bin\64bit"


def test_launch_without_recording_for_a_user_style_obs():
    assert launch_command("obs", "", "", "", platform="linux", start_recording=False).argv == [
        "obs", "--minimize-to-tray", "--disable-shutdown-check", "--disable-missing-files-check", "--multi"]


def test_kill_lines():
    assert kill_command(4242, "win32") == ["taskkill", "/F", "/T", "/PID", "4242"]
    assert kill_command(4242, "linux") is None and kill_command(4242, "darwin") is None


def test_find_obs_on_path_then_where_installers_put_it():
    calls = []

    def which(name, path=None):
        calls.append((name, path))
        return "/opt/bin/obs" if name == "obs" else None

    assert find_obs({"PATH": "/opt/bin"}, "linux", which) == "/opt/bin/obs"
    assert calls == [("obs", "/opt/bin")]
    nowhere = lambda name, path=None: None  # noqa: E731
    assert find_obs({"PATH": ""}, "linux", nowhere) is None
    assert find_obs({"PATH": ""}, "win32", nowhere, exists=lambda p: True) == r"C:\Program Files\obs-studio\bin\64bit\obs64.exe"
    assert find_obs({"PATH": ""}, "darwin", nowhere, exists=lambda p: True) == "/Applications/OBS.app/Contents/MacOS/OBS"
    assert find_obs({"PATH": ""}, "win32", nowhere, exists=lambda p: False) is None


def test_not_installed_says_how_to_install_in_one_line():
    assert not_installed_message("linux") == "OBS Studio is not installed: sudo apt install obs-studio, or record with the ffmpeg backend."
    assert "winget install OBSProject.OBSStudio" in not_installed_message("win32")
    assert "brew install --cask obs" in not_installed_message("darwin")


def test_software_gl_without_a_render_node_or_dri(tmp_path):
    assert needs_software_gl({}, runner=lambda *a, **k: "", dri=tmp_path)  # no /dev/dri/renderD*
    (tmp_path / "renderD128").touch()
    assert not needs_software_gl({}, runner=lambda *a, **k: "    DRI3\n    GLX\n", dri=tmp_path)
    assert needs_software_gl({}, runner=lambda *a, **k: "    GLX\n    XTEST\n", dri=tmp_path)  # Xvfb


def test_private_env_keeps_x_and_sound_reachable(tmp_path):
    real = tmp_path / "real"
    (real / ".config" / "pulse").mkdir(parents=True)
    (real / ".config" / "pulse" / "cookie").write_bytes(b"c")
    (real / ".Xauthority").write_bytes(b"x")
    base = {"HOME": str(real), "DISPLAY": ":5", "PULSE_SERVER": "unix:/p", "XDG_RUNTIME_DIR": "/run/user/1"}
    env = private_env(base, tmp_path / "private", software_gl=True)
    assert env["HOME"] == str(tmp_path / "private") and env["XDG_CONFIG_HOME"] == str(tmp_path / "private" / ".config")
    assert env["XAUTHORITY"] == str(real / ".Xauthority")
    assert env["PULSE_COOKIE"] == str(real / ".config" / "pulse" / "cookie")
    assert env["DISPLAY"] == ":5" and env["PULSE_SERVER"] == "unix:/p" and env["XDG_RUNTIME_DIR"] == "/run/user/1"
    assert env["LIBGL_ALWAYS_SOFTWARE"] == "1"
    assert "LIBGL_ALWAYS_SOFTWARE" not in private_env(base, Path("/p"), software_gl=False)
    assert base["HOME"] == str(real)  # the caller's environment is not changed


def test_which_config_folder_an_obs_uses():
    assert _config_dir_of({"HOME": "/home/a"}) == Path("/home/a/.config/obs-studio")
    assert _config_dir_of({"HOME": "/home/a", "XDG_CONFIG_HOME": "/x"}) == Path("/x/obs-studio")
    assert _config_dir_of({}) is None


def test_the_listener_of_a_port_is_found():
    import os
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        assert listening_pid(server.getsockname()[1]) in (os.getpid(), None)  # None where pids are hidden
