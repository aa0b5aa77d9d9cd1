"""Bytes that are not UTF-8, and numbers at the edges (issue 19, class 5), through the real CLI process, X server,
PulseAudio and ffmpeg. The options each refused in one line are cases of tests/test_bad_input.py (and, in the
window, tests/ui/test_bad_input_gui.py); here: what needs a file, a window or a disk of its own.

- window titles in Latin-1 (WM_NAME as STRING) and in COMPOUND_TEXT are listed and recorded by `window:<title>`;
- a jobs file with a byte that is not UTF-8, or numbers no recording takes, is refused in one line per problem;
- an output folder and name whose bytes are not UTF-8 record, and the result line prints those very bytes;
- OBS's global.ini without a section header (or config.json that is not JSON) is refused in one line, nothing
  written, and one with a Latin-1 byte keeps it;
- a framerate of 70 fps and more records that many frames (ffmpeg guessed a million a second);
- on a full disk, the result line tells the duration and frames of the file that is kept (it said 0.00 s).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.model.encoding import Encoding
from app.model.settings import CaptureSettings
from app.preflight import plan
from app.processes import spawn, stop_tree
from app.session import Session
from tests.support.media import decoded_frames, packet_span
from tests.support.disk import small_tmpfs

ROOT = Path(__file__).parent.parent
# A UTF-8 locale in which Python's stdout is strict (under C.UTF-8 it already passes bytes through)
GERMAN = {"LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8"}

# A window whose title is given as bytes of one X property type, and no _NET_WM_NAME (as old toolkits, xterm
# and Motif programs set it): python-xlib, so the bytes are exactly these.
TITLED_WINDOW = r"""
import sys, time
from Xlib import X, display
d = display.Display()
s = d.screen()
w = s.root.create_window(int(sys.argv[3]), 40, 160, 120, 0, s.root_depth, X.InputOutput, X.CopyFromParent,
                         background_pixel=s.white_pixel)
w.change_property(d.intern_atom("WM_NAME"), d.intern_atom(sys.argv[1]), 8, bytes.fromhex(sys.argv[2]))
w.map()
d.sync()
print(hex(w.id), flush=True)
while True:
    time.sleep(0.2)
    while d.pending_events():
        d.next_event()
"""


def cli(env: dict[str, str], *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """`main.py ARGS`, its output as bytes (a file name's bytes are compared as bytes)."""
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=env, capture_output=True, timeout=90, cwd=cwd)


def one_line(done: subprocess.CompletedProcess) -> str:
    """The refusal: exit code 2, nothing on stdout, ONE line on stderr, no traceback."""
    err = done.stderr.decode("utf-8", "surrogateescape")
    assert done.returncode == 2 and done.stdout == b"", (done.returncode, done.stdout, err)
    assert len(err.strip().splitlines()) == 1 and err.startswith("tdw-recorder: ") and "Traceback" not in err, err
    return err.strip()


@pytest.fixture
def german(env):
    german = {**env, **GERMAN}
    locales = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.lower()
    assert "de_de.utf8" in locales, "no de_DE.UTF-8 locale: run scripts/bootstrap.sh (it runs locale-gen)"
    return german


@pytest.fixture
def titled_window(xserver):
    procs = []

    def open_window(kind: str, title: bytes, x: int) -> None:
        proc = spawn([sys.executable, "-c", TITLED_WINDOW, kind, title.hex(), str(x)], env=xserver.env(),
                     stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        proc.stdout.readline()

    yield open_window
    for proc in procs:
        stop_tree(proc.pid, timeout=3)


def test_titles_in_latin1_and_compound_text_are_listed_and_recorded_by_title(env, titled_window, tmp_path):
    titled_window("STRING", b"Fen\xeatre Latin-1 \xff", 40)  # ICCCM: WM_NAME of type STRING is Latin-1
    titled_window("COMPOUND_TEXT", b"Compound Caf\x1b-A\xe9 \x1b-L\xbf\xe0\xd8\xd2\xd5\xe2 \x1b%G\xe2\x82\xac\x1b%@", 260)
    time.sleep(0.5)  # the window manager maps them
    listed = cli(env, "sources")
    assert listed.returncode == 0, listed.stderr
    windows = listed.stdout.decode()
    assert "'Fenêtre Latin-1 ÿ'  160x120" in windows and "'Compound Café Привет €'  160x120" in windows, windows
    done = cli(env, "record", "--region", "window:Café Привет", "--duration", "1", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    [saved] = tmp_path.glob("*.mp4")
    assert decoded_frames(saved) >= 25


def test_a_title_typed_in_latin1_bytes_finds_a_latin1_window(env, titled_window, tmp_path):
    titled_window("STRING", b"Fen\xeatre Latin-1 \xff", 40)
    time.sleep(0.5)  # the window manager maps it
    typed = os.fsdecode(b"window:fen\xeatre latin")  # typed in a Latin-1 terminal: argv's bytes are not UTF-8
    done = cli(env, "record", "--region", typed, "--duration", "0.5", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    [saved] = tmp_path.glob("*.mp4")
    assert decoded_frames(saved) >= 10


def test_a_jobs_file_that_is_not_utf8_or_holds_numbers_no_recording_takes(env, tmp_path):
    out = tmp_path / "out"
    (tmp_path / "jobs.toml").write_bytes(b'[defaults]\nmode = "video"\n\n[[job]]\nname = "caf\xe9"\n')
    line = one_line(cli(env, "batch", str(tmp_path / "jobs.toml"), "--out", str(out), "--check"))
    assert "The jobs file jobs.toml is not UTF-8: byte 46 (line 5) is 0xe9: save it as UTF-8 text." in line
    (tmp_path / "jobs.json").write_bytes(b'{"job": [{"name": "clip", "scene": "\xff"}]}')
    assert "jobs.json is not UTF-8: byte 36 (line 1) is 0xff" in one_line(
        cli(env, "batch", str(tmp_path / "jobs.json"), "--out", str(out), "--check"))
    (tmp_path / "digits.json").write_text('{"job": [{"name": "clip", "fps": 1' + "0" * 5000 + "}]}")
    assert "digits.json cannot be read as JSON (Exceeds the limit (4300 digits)" in one_line(
        cli(env, "batch", str(tmp_path / "digits.json"), "--out", str(out), "--check"))
    assert "--workers must be between 1 and 64 and --retries between 0 and 10" in one_line(
        cli(env, "batch", str(tmp_path / "jobs.json"), "--out", str(out), "--workers", "100000"))
    (tmp_path / "numbers.toml").write_text(
        '[defaults]\nregion = "100,80,320x240"\n\n[[job]]\nname = "long"\nduration = 1e12\n\n'
        '[[job]]\nname = "fast"\nfps = inf\n\n[[job]]\nname = "late"\naudio-offset = nan\nmode = "av"\n')
    done = cli(env, "batch", str(tmp_path / "numbers.toml"), "--out", str(out), "--check")
    err = done.stderr.decode()
    assert done.returncode == 2 and "Traceback" not in err, err
    assert "job 1 (long): Duration 1e+12 s is out of range: use 0.1 to 86400 seconds" in err
    assert "job 2 (fast): Framerate inf is out of range: use a number from 1 to 240" in err
    assert "job 3 (late): Audio offset nan ms is out of range: use -2000 to 2000 ms" in err
    assert not out.exists()


def test_an_output_folder_and_name_that_are_not_utf8_record_and_print_as_they_are(german, tmp_path):
    folder = tmp_path / os.fsdecode(b"caf\xe9")  # a Latin-1 name, as argv's bytes reach Python
    name = os.fsdecode(b"clip-\xff")
    done = cli(german, "record", "--region", "100,80,320x240", "--duration", "1", "--out", str(folder), "--name", name)
    err = done.stderr.decode("utf-8", "surrogateescape")
    assert done.returncode == 0 and "Traceback" not in err and "Logging error" not in err, err
    saved = folder / f"{name}.mp4"
    assert done.stdout.splitlines()[0] == b"Saved " + os.fsencode(saved), done.stdout
    assert b"duration 1.00 s, 30 frames" in done.stdout
    assert decoded_frames(saved) >= 25 and sorted(os.listdir(os.fsencode(folder))) == [b"clip-\xff.mp4"]


def test_obs_ini_without_a_section_header_is_one_line_and_a_latin1_byte_is_kept(env, tmp_path):
    config, secret, videos = tmp_path / "obs-studio", tmp_path / "password", tmp_path / "videos"
    config.mkdir()
    setup = ["obs-setup", "--obs-config", str(config), "--enable-websocket", "--obs-password-file", str(secret),
             "--out", str(videos)]
    (config / "global.ini").write_bytes(b"FirstRun=true\n[General]\nName=me\n")
    line = one_line(cli(env, *setup))
    assert f"OBS's {config / 'global.ini'} has a setting before its first [section] header (line 1)" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["obs-studio"] and os.listdir(config) == ["global.ini"]
    (config / "global.ini").write_bytes(b"[General]\nName=Caf\xe9\n")
    (config / "plugin_config" / "obs-websocket").mkdir(parents=True)
    (config / "plugin_config" / "obs-websocket" / "config.json").write_text('{"server_port": 4455,')
    assert "config.json is not valid JSON (line 1: Expecting property name" in one_line(cli(env, *setup))
    assert not (config / "basic").exists() and not secret.exists()
    (config / "plugin_config" / "obs-websocket" / "config.json").unlink()
    done = cli(env, *setup)
    assert done.returncode == 0, done.stderr
    kept = (config / "global.ini").read_bytes()
    assert kept.startswith(b"[General]\nName=Caf\xe9\n") and b"[OBSWebSocket]\n" in kept and b"ServerEnabled=true" in kept
    assert "The framerate inf is out of range: use a number from 1 to 240" in one_line(
        cli(env, "obs-setup", "--obs-config", str(tmp_path / "other"), "--fps", "inf", "--out", str(tmp_path / "v2")))
    assert not (tmp_path / "other").exists() and not (tmp_path / "v2").exists()


def test_a_framerate_of_70_and_more_records_that_many_frames(env, tmp_path):
    """From 70 fps up ffmpeg 5.1 took x11grab's rate for a million a second (av_guess_frame_rate) and wrote
    hundreds of thousands of duplicated frames for one second: the command now gives it (-r)."""
    done = cli(env, "record", "--region", "100,80,320x240", "--fps", "75", "--duration", "1", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    [saved] = tmp_path.glob("*.mp4")
    assert b"duration 1.00 s, 75 frames" in done.stdout and 70 <= decoded_frames(saved) <= 76, done.stdout


@pytest.fixture
def small_disk(tmp_path):
    with small_tmpfs(tmp_path, "256k") as mount:
        yield mount


def test_on_a_full_disk_the_result_tells_the_kept_file(machine, anim_window, small_disk):
    """The crash-safe file on a full disk has no duration in its header (its muxer never wrote its end) and no MP4
    can be written: its duration and frames are read from its packets, not left at 0.00 s and what was encoded."""
    anim_window("Edge Disk", 640, 480, 50, 50)
    settings = CaptureSettings(region="window:Edge Disk", output_dir=str(small_disk), min_free_mb=0,
                               encoding=Encoding(preset="ultrafast", crf=0))  # lossless: 256 KB in a few seconds
    session = Session(plan(settings, machine), env=machine.env)
    session.start()
    assert session.wait(60), "the full disk never stopped the recording"
    result = session.stop()
    assert result.error and result.error.startswith("The disk is full") and result.path is not None, result.error
    start, end = packet_span(result.path)
    assert result.duration_s > 0.5 and abs(result.duration_s - (end - start)) < 0.1, (result.duration_s, start, end)
    assert result.frames == decoded_frames(result.path), result.summary()
