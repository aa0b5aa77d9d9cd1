import os

from app.output import RECORDING_INFIX, folder_problem, made_by_us, reserve, unmark, unused

NOON = 1_790_000_000.0


def test_names_never_collide_with_live_or_finished_files(tmp_path):
    first = reserve(tmp_path, "clip-%Y", "mkv", "mp4", now=NOON)
    assert first.recording.name == f"clip-2026{RECORDING_INFIX}.mkv" and first.recording.exists()
    assert first.final.name == "clip-2026.mp4"
    second = reserve(tmp_path, "clip-%Y", "mkv", "mp4", now=NOON)
    assert second.recording.name == f"clip-2026-1{RECORDING_INFIX}.mkv"
    (tmp_path / "clip-2026-2.mp4").write_bytes(b"an older finished recording")
    third = reserve(tmp_path, "clip-%Y", "mkv", "mp4", now=NOON)
    assert third.final.name == "clip-2026-3.mp4"
    assert (tmp_path / "clip-2026-2.mp4").read_bytes() == b"an older finished recording"


def test_pattern_cannot_escape_the_folder(tmp_path):
    paths = reserve(tmp_path, "a/../../b", "mkv", "mp4", now=NOON)
    assert paths.recording.parent == tmp_path


def test_unused_adds_suffixes(tmp_path):
    target = tmp_path / "x.mp4"
    assert unused(target) == target
    target.write_bytes(b"1")
    assert unused(target).name == "x-1.mp4"
    (tmp_path / "x-1.mp4").symlink_to(tmp_path / "nowhere")  # a dangling link takes its name too
    assert unused(target).name == "x-2.mp4"


def test_a_reservation_is_marked_as_ours_and_the_mark_goes_with_the_last_file(tmp_path):
    paths = reserve(tmp_path, "clip", "mkv", "mp4", now=NOON)
    assert made_by_us(paths.recording) and (tmp_path / ".clip.tdwrec").is_file()
    assert reserve(tmp_path, "clip", "mp4", "mp4", now=NOON).recording.name == "clip-1.recording.mp4"  # any EXT
    paths.recording.unlink()
    unmark(paths.recording)
    assert not (tmp_path / ".clip.tdwrec").exists() and (tmp_path / ".clip-1.tdwrec").exists()


def test_folder_problems(tmp_path):
    assert folder_problem(tmp_path / "new" / "deeper") is None  # will be created
    afile = tmp_path / "file"
    afile.write_text("x")
    assert "is a file" in folder_problem(afile)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.geteuid() == 0:
            return  # root may write anywhere; the unwritable case is tested through a read-only mount below
        assert "not writable" in folder_problem(locked)
    finally:
        locked.chmod(0o700)
