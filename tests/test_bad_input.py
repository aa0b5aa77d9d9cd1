"""Bad input through the real CLI process, against the real Xvfb, PulseAudio and ffmpeg (GUI side:
tests/ui/test_bad_input_gui.py; OBS password and OBS already recording: tests/obs/test_faults_obs.py).

Every case must end with exit code 2 and ONE line on stderr that says what to do, never a traceback,
leave nothing in (or around) its output folder, and leave no process behind. The cases run a few at a
time; the test process is made a child subreaper meanwhile, so a process a CLI orphaned would become
our child and be seen.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from app.obs.config import free_port
from tests.support.faults import busy_port as port_in_use
from tests.support.faults import readonly_folder
from tests.support.standin_build import BUILD_PATH

ROOT = Path(__file__).parent.parent
SCENE = ["--mode", "video-frames", "--scene", "demo:moving_object", "--build", str(BUILD_PATH)]
OBS_WS = ["--backend", "obs-websocket", "--region", "100,80,320x240"]

# (case id, arguments after `record`, a fragment of the expected line). {out} is the case's own output
# folder (added as --out unless the case gives one); other {names} are made by `materials` below.
CASES: list[tuple[str, list[str], str]] = [
    # regions
    ("region-negative-x", ["--region", "-10,0,320x240"], "starts off-screen: use a positive position"),
    ("region-negative-size", ["--region=0,0,-320x240"], "is empty or starts off-screen"),
    ("region-empty", ["--region", "0,0,0x0"], "is empty or starts off-screen"),
    ("region-off-the-screen", ["--region", "1200,700,320x240"], "does not fit on the 1280x800 display: move or shrink it"),
    ("region-larger-than-the-screen", ["--region", "0,0,5000x4000"], "does not fit on the 1280x800 display"),
    ("region-odd-size", ["--region", "1,1,321x241"], "is odd, which yuv420p cannot encode: use 320x240"),
    ("region-odd-height", ["--region", "0,0,320x239"], "--round-even"),
    ("region-garbage", ["--region", "nonsense"], "is not understood: use X,Y,WIDTHxHEIGHT"),
    ("region-incomplete", ["--region", "1,2,3"], "is not understood"),
    ("region-tdw-without-scene", ["--region", "tdw"], "only known when a scene runs: choose a scene"),
    ("window-empty", ["--region", "window:"], "needs a window id or part of its title"),
    ("window-unknown", ["--region", "window:no window like this"], "run `tdw-recorder sources` to list windows"),
    ("window-id-gone", ["--region", "window:0x1234567"], "does not exist (any more): pick another window"),
    # framerate
    ("fps-zero", ["--fps", "0"], "Framerate 0 is out of range: use a number from 1 to 240"),
    ("fps-negative", ["--fps", "-5"], "Framerate -5 is out of range"),
    ("fps-huge", ["--fps", "100000"], "from 1 to 240"),
    ("fps-nan", ["--fps", "nan"], "Argument --fps: 'nan' is not a finite number: see `tdw-recorder record --help`"),
    ("fps-text", ["--fps", "fast"], "Argument --fps: 'fast' is not a number: see `tdw-recorder record --help`"),
    ("fps-tiny", ["--fps", "0.0001"], "Framerate 0.0001 is out of range: use a number from 1 to 240"),  # x11grab: 0
    ("fps-infinite", ["--fps", "inf"], "Argument --fps: 'inf' is not a finite number"),
    ("fps-overflow", ["--fps", "1e400"], "Argument --fps: '1e400' is not a finite number"),
    # output folder and name
    ("out-is-a-file", ["--out", "{afile}"], "is a file, not a folder: choose a folder for recordings"),
    ("out-under-a-file", ["--out", "{afile}/clips"], "cannot be created: {afile} is a file, not a folder"),
    ("out-not-writable", ["--out", "{readonly}"], "is not writable: choose another folder"),
    ("out-cannot-be-created", ["--out", "{readonly}/new/clips"], "cannot be created: {readonly} is not writable"),
    ("name-marks-unfinished", ["--name", "clip.recording"], "marks unfinished recordings: choose another name"),
    ("name-only-dots", ["--name", ".."], "only dots or spaces"),
    ("name-too-long", ["--name", "x" * 300], "shorten it to at most 200"),
    # devices, sources, backends
    ("audio-source-unknown", ["--mode", "av", "--audio", "nosuchsource"], "does not exist: run `tdw-recorder sources`"),
    ("backend-unknown", ["--backend", "vlc"], "Backend 'vlc' is unknown: use one of ffmpeg"),
    ("ffmpeg-missing", ["--ffmpeg", "/no/such/ffmpeg"], "not an executable"),
    ("ffmpeg-not-ffmpeg", ["--ffmpeg", "/bin/true"], "lacks screen capture (x11grab) and the libx264 encoder"),
    ("obs-nothing-on-port", [*OBS_WS, "--obs-host", "127.0.0.1", "--obs-port", "{closed_port}"],
     "Nothing answers on 127.0.0.1:{closed_port}"),
    ("obs-host-unknown", [*OBS_WS, "--obs-host", "no-such-obs-host.invalid"], "cannot be found (no such name on this network)"),
    ("obs-port-zero", [*OBS_WS, "--obs-port", "0"], "OBS WebSocket port 0 is not a port: use 1-65535"),
    ("obs-port-text", [*OBS_WS, "--obs-port", "four"], "Argument --obs-port: invalid int value: 'four'"),
    ("obs-password-file-missing", [*OBS_WS, "--obs-password-file", "{missing}"], "does not exist: create it (chmod 600)"),
    ("obs-password-file-readable", [*OBS_WS, "--obs-password-file", "{open_secret}"], "readable by other users: run chmod 600"),
    ("obs-audio-only", ["--backend", "obs-launch", "--mode", "audio"], "for audio only, use the ffmpeg backend"),
    # TDW scene and build
    ("scene-missing", ["--mode", "video-frames", "--scene", "{missing}.py", "--build", str(BUILD_PATH)], "does not exist: give the path"),
    ("scene-not-python", ["--mode", "video-frames", "--scene", "{notes}", "--build", str(BUILD_PATH)], "is not a Python file"),
    ("scene-bad-python", ["--mode", "video-frames", "--scene", "{broken}", "--build", str(BUILD_PATH)], "broken.py is not valid Python (line 1"),
    ("scene-demo-unknown", ["--mode", "video-frames", "--scene", "demo:nosuch", "--build", str(BUILD_PATH)], "There is no demo 'nosuch'"),
    ("frames-without-scene", ["--mode", "video-frames"], "needs a scene: choose your controller script or a demo"),
    ("build-missing", [*SCENE[:4], "--build", "{missing}"], "No TDW build at {missing}"),
    ("build-not-executable", [*SCENE[:4], "--build", "{notes}"], "is not an executable file: chmod +x it"),
    ("build-is-a-folder", [*SCENE[:4], "--build", "{dir}"], "is not an executable file"),
    ("port-out-of-range", [*SCENE, "--port", "99999"], "Port 99999 is not a port"),
    ("port-in-use", [*SCENE, "--port", "{busy_port}"], "Port {busy_port} is in use (another recording or TDW build?)"),
    ("connect-timeout-negative", [*SCENE, "--connect-timeout", "-3"], "Connect timeout -3 s is out of range: use 1 to 3600"),
    ("connect-timeout-infinite", [*SCENE, "--connect-timeout", "inf"], "--connect-timeout: 'inf' is not a finite number"),
    ("connect-timeout-huge", [*SCENE, "--connect-timeout", "1e12"], "Connect timeout 1e+12 s is out of range: use 1 to 3600"),
    ("connect-timeout-tiny", [*SCENE, "--connect-timeout", "1e-9"], "Connect timeout 1e-09 s is out of range"),
    ("port-negative", [*SCENE, "--port", "-1"], "Port -1 is not a port: use 1-65535"),
    ("keep-frames-is-a-file", [*SCENE, "--keep-frames", "{afile}"], "it is a file, not a folder. Choose a folder for them"),
    ("screen-size-odd", [*SCENE, "--screen-size", "13x7"], "is not WIDTHxHEIGHT with even numbers"),
    ("screen-size-huge", [*SCENE, "--screen-size", "100000x100000"], "with even numbers up to 16384"),  # libx264's limit
    # datasets (issue 17)
    ("pass-unknown", [*SCENE, "--passes", "_img,_segmentation"], "'_segmentation' is not a TDW pass: use some of _img,_id"),
    ("passes-empty", [*SCENE, "--passes", ","], "No pass is chosen: give at least one, e.g. --passes _img,_id."),
    ("passes-with-screen-mode", ["--passes", "_img,_id"], "use them with --mode video-frames"),
    ("cameras-all-and-names", [*SCENE, "--cameras", "all,a"], "either all or a list of avatar ids, not both"),
    ("dataset-with-audio", [*SCENE, "--cameras", "all", "--audio", "default"], "recorded without sound: leave out --audio"),
    ("frame-data-unknown", [*SCENE, "--cameras", "all", "--frame-data", "camera,weather"],
     "'weather' is not frame data the recorder can ask for"),
    ("frame-data-without-dataset", [*SCENE, "--frame-data", "camera"], "choose --cameras or --passes too"),
    ("mp4-without-dataset", [*SCENE, "--mp4"], "one camera's _img alone is already NAME.mp4"),
    ("mp4-without-img", [*SCENE, "--cameras", "all", "--passes", "_id", "--mp4"], "add it to --passes"),
    ("lossless-screen", ["--lossless"], "--lossless keeps TDW's own frames exactly (--mode video-frames with a scene)"),
    ("lossless-hardware", [*SCENE, "--lossless", "--encoder", "h264_vaapi"], "--lossless encodes with libx264rgb"),
    # other numbers and words
    ("duration-negative", ["--duration", "-1"], "Duration -1 s is out of range: use 0.1 to 86400 seconds (24 hours)"),
    ("duration-huge", ["--duration", "1e12"], "Duration 1e+12 s is out of range: use 0.1 to 86400 seconds"),  # ffmpeg: 1e+12
    ("duration-tiny", ["--duration", "1e-9"], "Duration 1e-09 s is out of range"),
    ("duration-infinite", ["--duration", "inf"], "Argument --duration: 'inf' is not a finite number"),
    ("crf-out-of-range", ["--crf", "99"], "between 0 and 51"),
    ("crf-negative", ["--crf", "-1"], "Quality (crf) -1 must be a whole number between 0 and 51"),
    ("audio-offset-huge", ["--mode", "av", "--audio", "default", "--audio-offset", "1e12"],
     "Audio offset 1e+12 ms is out of range: use -2000 to 2000 ms"),
    ("audio-offset-nan", ["--audio-offset", "nan"], "Argument --audio-offset: 'nan' is not a finite number"),
    # bytes that are not UTF-8 (argv's bytes reach Python as os.fsdecode's surrogates) and names that are no names
    ("obs-host-not-utf8", [*OBS_WS, "--obs-host", os.fsdecode(b"obs-\xff-host")], "is not a host name or address: use localhost"),
    ("obs-host-label-too-long", [*OBS_WS, "--obs-host", "a" * 64 + ".local"], "is not a host name or address"),
    ("obs-password-file-not-utf8", [*OBS_WS, "--obs-password-file", "{latin_secret}"], "is not UTF-8 text (byte 4)"),
    ("window-title-not-utf8", ["--region", "window:" + os.fsdecode(b"caf\xe9 nowhere")], "run `tdw-recorder sources`"),
    ("preset-unknown", ["--preset", "superduper"], "Preset 'superduper' is unknown: use one of ultrafast"),
    ("audio-format-unknown", ["--mode", "audio", "--audio-format", "mp3"], "invalid choice: 'mp3'"),
    ("option-unknown", ["--frame-rate", "30"], "Unrecognized arguments: --frame-rate: see `tdw-recorder --help`"),
]


@dataclass
class Outcome:
    returncode: int = -1
    stdout: str = ""
    stderr: str = ""
    seen: dict[int, str] = field(default_factory=dict)  # every descendant seen while it ran: pid -> name
    before: list[str] = field(default_factory=list)  # the case folder's files before and after
    after: list[str] = field(default_factory=list)


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def readonly(tmp_path_factory):
    with readonly_folder(tmp_path_factory.mktemp("readonly")) as folder:
        if folder is None:
            pytest.skip("no folder can be made unwritable here (root without mount rights)")
        yield folder


@pytest.fixture(scope="module")
def busy_port():
    with port_in_use() as port:
        yield port


def materials(base: Path, readonly: Path, busy_port: int) -> dict[str, str]:
    (base / "afile").write_text("a file where a folder is needed\n")
    (base / "notes").write_text("print('a script without .py')\n")
    (base / "broken.py").write_text("this is not Python (\n")
    (base / "dir").mkdir()
    (base / "open-secret").write_text("password\n")
    (base / "open-secret").chmod(0o644)
    (base / "latin-secret").write_bytes(b"pass\xe9\n")  # a password saved in Latin-1
    (base / "latin-secret").chmod(0o600)
    return {"latin_secret": str(base / "latin-secret"), "afile": str(base / "afile"), "notes": str(base / "notes"), "broken": str(base / "broken.py"),
            "dir": str(base / "dir"), "missing": str(base / "missing"), "open_secret": str(base / "open-secret"),
            "readonly": str(readonly), "busy_port": str(busy_port), "closed_port": str(free_port())}


def run_case(case_dir: Path, args: list[str], env: dict[str, str]) -> Outcome:
    out = case_dir / "out"
    argv = ["record", "--duration", "1", *args] + ([] if "--out" in args else ["--out", str(out)])
    outcome = Outcome(before=tree(case_dir))
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), *argv], env=env, cwd=ROOT, text=True,
                            errors="surrogateescape", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            try:
                outcome.seen.update({c.pid: c.name() for c in psutil.Process(proc.pid).children(recursive=True)})
            except psutil.Error:
                pass
            done.wait(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    outcome.stdout, outcome.stderr = proc.communicate(timeout=120)
    done.set()
    watcher.join()
    outcome.returncode = proc.returncode
    outcome.after = tree(case_dir)
    return outcome


def running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _subreaper(on: bool) -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(36, int(on))  # PR_SET_CHILD_SUBREAPER


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory, xserver, pulse, readonly, busy_port):
    """Run every case (three at a time); returns (the paths each case used, outcome per case, orphans)."""
    env = pulse.env(xserver.env())
    base = tmp_path_factory.mktemp("bad-input")
    names = materials(base, readonly, busy_port)
    shared = tree(base)
    me = psutil.Process()
    ours = {p.pid for p in me.children()}
    jobs = {}
    _subreaper(True)
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            for case_id, args, _ in CASES:
                case_dir = base / case_id
                case_dir.mkdir()
                jobs[case_id] = pool.submit(run_case, case_dir, [a.format(**names) for a in args], env)
        results = {case_id: job.result() for case_id, job in jobs.items()}
        time.sleep(0.5)  # an orphan's parent dies first: give it a moment to become ours
        orphans = [f"{p.pid} {' '.join(p.cmdline())}" for p in me.children() if p.pid not in ours and running(p.pid)]
    finally:
        _subreaper(False)
    untouched = [path for path in tree(base) if path.split(os.sep)[0] not in jobs] == shared
    return names, results, (orphans, untouched)


@pytest.mark.parametrize("case_id, args, words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_exit_2_and_leaves_nothing(outcomes, readonly, case_id, args, words):
    names, results, _ = outcomes
    outcome = results[case_id]
    lines = outcome.stderr.strip().splitlines()
    assert outcome.returncode == 2 and len(lines) == 1, outcome.stderr
    assert lines[0].startswith("tdw-recorder: ") and words.format(**names) in lines[0], lines[0]
    assert "Traceback" not in outcome.stderr and outcome.stdout == ""
    assert outcome.after == outcome.before, "files were left behind"
    assert list(readonly.iterdir()) == []
    alive = [f"{pid} {name}" for pid, name in outcome.seen.items() if running(pid)]
    assert alive == [], f"processes left behind: {alive}"


def test_no_case_orphaned_a_process_or_touched_the_files_it_was_given(outcomes):
    orphans, untouched = outcomes[2]
    assert orphans == [] and untouched

