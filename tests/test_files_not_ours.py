"""Files that are not ours (issue 19, class 4): the recorder never writes through a link it did not make, never
writes over a file, and `recover` finishes only the crash-safe files it made (marked `.NAME.tdwrec`)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from app.batch.manifest import Manifest
from app.batch.state import JobFiles, move_aside, write_json
from app.ffmpeg.parts import join_parts
from app.output import reserve
from app.resources import APP_ID, ICON_SIZES
from tests.support.media import decoded_frames
from tests.support.standin_build import BUILD_PATH

ROOT = Path(__file__).parent.parent


def main_py(env: dict, *args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def victim(path: Path, text: str = "somebody else's file\n") -> tuple[Path, tuple[bytes, int]]:
    """A file that is not ours, mode 0600, and how it is now (content, mode)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o600)
    return path, state(path)


def state(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mode & 0o7777


def a_short_mkv(path: Path, frames: int = 15) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"testsrc=size=160x120:rate=30:duration={frames / 30}",
                    "-c:v", "libx264", "-preset", "ultrafast", str(path)], check=True)
    return path


# -- recover finishes only what the recorder made ------------------------------------------------------------
def test_recover_leaves_a_users_own_recording_files_and_links_alone(env, tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    clip = a_short_mkv(tmp_path / "clip.mkv")
    holiday = out / "holiday.recording.mkv"  # the user's own file, named like ours by chance
    shutil.copyfile(clip, holiday)
    holiday_was = (state(holiday), holiday.stat().st_mtime_ns)
    real = shutil.copyfile(clip, elsewhere / "real.mkv")
    (out / "linked.recording.mkv").symlink_to(real)  # a link: never ours
    ours, late = (reserve(out, base, "mkv", "mp4").recording for base in ("ours", "late"))  # recorders killed
    shutil.copyfile(clip, ours)
    shutil.copyfile(clip, late)
    dangling = elsewhere / "never-written.mp4"
    (out / "late.mp4").symlink_to(dangling)  # a dangling link at the name `late` would be finished under

    listed = main_py(env, "recover", "--out", str(out), "--list")
    assert listed.returncode == 0 and sorted(listed.stdout.split()) == sorted([str(ours), str(late)])
    noted = main_py(env, "record", "--region", "0,0,64x48", "--duration", "0.5", "--name", "next", "--out", str(out))
    assert noted.returncode == 0 and "Note: 2 unfinished recording(s)" in noted.stderr, noted.stderr
    done = main_py(env, "recover", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ours.recording.mkv -> ours.mp4" in done.stdout and "late.recording.mkv -> late-1.mp4" in done.stdout
    assert decoded_frames(out / "ours.mp4") == decoded_frames(out / "late-1.mp4") == 15
    assert (state(holiday), holiday.stat().st_mtime_ns) == holiday_was  # untouched
    assert (out / "linked.recording.mkv").is_symlink() and state(real) == state(clip)
    assert (out / "late.mp4").is_symlink() and not dangling.exists()  # not written through
    assert sorted(p.name for p in out.iterdir()) == ["holiday.recording.mkv", "late-1.mp4", "late.mp4",
                                                     "linked.recording.mkv", "next.mp4", "ours.mp4"]
    again = main_py(env, "recover", "--out", str(out))
    assert again.returncode == 0 and "No unfinished recordings" in again.stdout


# -- names the recorder reserves: a link there is never followed -----------------------------------------------
def test_links_at_every_name_a_recording_reserves_are_not_followed(env, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    target, was = victim(tmp_path / "elsewhere" / "victim.txt")
    missing = tmp_path / "elsewhere" / "missing.mp4"
    (out / "clip.mp4").symlink_to(missing)  # dangling: where the finished file would go
    (out / "clip-1.recording.mkv").symlink_to(target)  # the crash-safe name
    (out / "clip-2.recording.mkv").symlink_to(tmp_path / "elsewhere" / "missing.mkv")
    (out / ".clip-3.tdwrec").symlink_to(target)  # the marker
    done = main_py(env, "record", "--region", "0,0,64x48", "--duration", "1", "--name", "clip", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert (out / "clip-4.mp4").is_file() and decoded_frames(out / "clip-4.mp4") > 0
    assert state(target) == was and not missing.exists() and not (tmp_path / "elsewhere" / "missing.mkv").exists()
    assert sorted(p.name for p in out.iterdir()) == [".clip-3.tdwrec", "clip-1.recording.mkv", "clip-2.recording.mkv",
                                                     "clip-4.mp4", "clip.mp4"]


# An ffmpeg that, when it is asked to remux the crash-safe file (the only run given +faststart), first plants a link
# at $PLANT_AT pointing to $PLANT_TO: a link made at the final name after the recorder checked that name was free.
PLANTING_FFMPEG = """#!{python}
import os, sys
if "+faststart" in sys.argv:
    os.symlink(os.environ["PLANT_TO"], os.environ["PLANT_AT"])
os.execv({ffmpeg!r}, [{ffmpeg!r}, *sys.argv[1:]])
"""


def test_a_link_planted_at_the_final_name_while_finishing_is_not_written_through(env, tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    planting = tmp_path / "planting-ffmpeg"
    planting.write_text(PLANTING_FFMPEG.format(python=sys.executable, ffmpeg=shutil.which("ffmpeg")))
    planting.chmod(0o755)
    planted = elsewhere / "planted.mp4"  # where the link points: nothing is there, and nothing may be made there
    done = main_py({**env, "PLANT_AT": str(out / "clip.mp4"), "PLANT_TO": str(planted)}, "record", "--region",
                   "0,0,64x48", "--duration", "1", "--name", "clip", "--ffmpeg", str(planting), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert not planted.exists() and os.readlink(out / "clip.mp4") == str(planted)  # the link is as it was planted
    assert decoded_frames(out / "clip-1.mp4") > 0 and "clip-1.mp4" in done.stdout
    assert sorted(p.name for p in out.iterdir()) == ["clip-1.mp4", "clip.mp4"]  # no temporary folder, no marker


def test_install_desktop_entry_never_writes_through_a_link(tmp_path):
    data = tmp_path / "data"
    hicolor = data / "icons" / "hicolor"
    planned = [data / "applications" / f"{APP_ID}.desktop", hicolor / "scalable" / "apps" / f"{APP_ID}.svg",
               *(hicolor / f"{s}x{s}" / "apps" / f"{APP_ID}.png" for s in ICON_SIZES)]
    victims = {}
    for n, path in enumerate(planned):  # a link at the temporary name each file used to be written through
        target, was = victim(tmp_path / "mine" / f"file{n}")
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / f".{path.name}.tdw-recorder-tmp").symlink_to(target)
        victims[target] = was
    env = dict(os.environ, XDG_DATA_HOME=str(data))
    done = main_py(env, "install-desktop-entry")
    assert done.returncode == 0, done.stderr
    assert all(state(target) == was for target, was in victims.items())
    assert all(p.is_file() and not p.is_symlink() and p.stat().st_mode & 0o777 == 0o644 for p in planned)

    manifest = data / "tdw-recorder" / "desktop-entry.json"  # the list of what it wrote, now a link
    target, was = victim(tmp_path / "mine" / "notes.json", "{}\n")
    manifest.unlink()
    manifest.symlink_to(target)
    for args in ((), ("--uninstall",)):
        refused = main_py(env, "install-desktop-entry", *args)
        assert refused.returncode == 2 and "is a link that TDW Recorder did not make" in refused.stderr, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1 and state(target) == was
    manifest.unlink()
    entry = planned[0]  # our entry replaced by a link to a file with the content it had: still not ours
    manifest.write_text(json.dumps({"files": {str(entry): hashlib.sha256(b"{}\n").hexdigest()}}))
    entry.unlink()
    entry.symlink_to(target)
    assert main_py(env, "install-desktop-entry", "--uninstall").returncode == 0
    assert entry.is_symlink() and state(target)[0] == b"{}\n"


# -- --keep-frames: never over earlier frames, never through a link --------------------------------------------
def keep_frames(env: dict, keep: Path, out: Path, frames: int = 12) -> subprocess.CompletedProcess:
    env = dict(env, STANDIN_BUILD_PYTHON=sys.executable)
    return main_py(env, "record", "--scene", "demo:moving_object", "--mode", "video-frames", "--build", str(BUILD_PATH),
                   "--keep-frames", str(keep), "--out", str(out), "--", str(frames))


def frame_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("img_*.png"))


def test_keep_frames_into_a_folder_with_earlier_frames_or_links_goes_to_a_fresh_subfolder(env, tmp_path):
    keep = tmp_path / "frames"
    keep.mkdir()
    earlier = {f"img_{n:04d}.png": f"earlier frame {n}".encode() for n in range(5)}
    for name, data in earlier.items():
        (keep / name).write_bytes(data)
    done = keep_frames(env, keep, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert {p.name: p.read_bytes() for p in keep.glob("img_*")} == earlier  # untouched
    [fresh] = [p for p in keep.iterdir() if p.is_dir()]
    assert fresh.name.startswith("frames-") and frame_names(fresh) == [f"img_{n:04d}.png" for n in range(13)]

    linked = tmp_path / "linked"
    linked.mkdir()
    target, was = victim(tmp_path / "elsewhere" / "victim.png")
    (linked / "img_0002.png").symlink_to(target)  # frames 0 and 1 are written before the link is met
    decoy = tmp_path / "elsewhere" / "decoy"
    decoy.mkdir()
    now = time.time()
    for t in range(-2, 60):  # links at the fresh subfolder's likely names, too
        (linked / time.strftime("frames-%Y%m%d-%H%M%S", time.localtime(now + t))).symlink_to(decoy)
    done = keep_frames(env, linked, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert state(target) == was and (linked / "img_0002.png").is_symlink() and not list(decoy.iterdir())
    [fresh] = [p for p in linked.iterdir() if p.is_dir() and not p.is_symlink()]
    assert frame_names(fresh) == [f"img_{n:04d}.png" for n in range(13)]  # all of this recording's frames, together
    assert frame_names(linked) == ["img_0002.png"]


# -- temporary files: fresh names, never through a link --------------------------------------------------------
def test_joining_parts_and_batch_state_never_write_through_a_link(tmp_path):
    work = tmp_path / ".clip.recording.mkv.parts-x"
    work.mkdir()
    first, second = a_short_mkv(tmp_path / "clip.recording.mkv"), a_short_mkv(work / "part2.mkv")
    victims = {}
    for name in ("parts.txt", "joined.mkv"):  # the names the join used to write
        target, was = victim(tmp_path / "elsewhere" / name)
        (work / name).symlink_to(target)
        victims[target] = was
    assert join_parts("ffmpeg", [first, second], first) is None
    assert decoded_frames(first) == 30
    assert all(state(target) == was for target, was in victims.items())

    out = tmp_path / "batch"
    files = JobFiles(out, "x")
    files.state.mkdir(parents=True)
    status, was = victim(tmp_path / "elsewhere" / "status")
    (files.state / f".{files.status.name}.{os.getpid()}.tmp").symlink_to(status)  # the names they used to use
    listing, listing_was = victim(tmp_path / "elsewhere" / "listing")
    (out / f".manifest.csv.{os.getpid()}.tmp").symlink_to(listing)
    write_json(files.status, {"state": "recording"})
    Manifest(out).save([])
    assert state(status) == was and state(listing) == listing_was
    assert '"recording"' in files.status.read_text() and (out / "manifest.csv").read_text().startswith("index,")

    users = out / "x.recording.mkv"  # in a batch's folder, a file named like job x's leftover: not the batch's
    users.write_text("the user's own")
    assert files.leftovers() == []
    ours = reserve(out, "y", "mkv", "mp4").recording
    elsewhere = tmp_path / "elsewhere" / "partial"
    elsewhere.mkdir()
    (out / "partial").symlink_to(elsewhere)  # where leftovers are moved aside, now a link
    assert move_aside(ours, out) == ours and not list(elsewhere.iterdir())
