"""A batch from a folder of scripts: which files become jobs, their names, and a jobs file `batch` reads back."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from app.batch.folder import build_from_folder, job_name, save_jobs, scripts_in
from app.batch.jobs import load_jobs
from app.errors import RecorderError


def scripts(folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text("print('a scene')\n")
    return folder


def test_every_plain_python_file_of_the_folder_is_a_script_in_name_order(tmp_path):
    folder = scripts(tmp_path / "scenes", "b.py", "a.py", "_helper.py", ".hidden.py", "notes.txt")
    (folder / "sub").mkdir()
    (folder / "sub" / "c.py").write_text("")
    (folder / "dir.py").mkdir()
    assert [p.name for p in scripts_in(folder)] == ["a.py", "b.py"]


def test_a_missing_or_empty_folder_is_one_sentence(tmp_path):
    with pytest.raises(RecorderError, match="is not a folder"):
        scripts_in(tmp_path / "nowhere")
    with pytest.raises(RecorderError, match=r"no controller script \(\*\.py\)"):
        scripts_in(scripts(tmp_path / "empty", "_only_private.py"))


def test_job_names_are_plain_and_unique():
    taken: set[str] = set()
    assert [job_name(stem, taken) for stem in ("scene", "scene", "my scene!", "-x", "a.recording", "é")] == \
        ["scene", "scene-2", "my scene_", "x", "a_recording", "é"]


def test_the_jobs_file_is_read_back_by_batch_with_the_defaults(tmp_path):
    folder = scripts(tmp_path / "my scenes", "push cube.py", "drop.py")
    out = tmp_path / "out"
    args = ["60", 'say "hi"', "C:\\x", "ünïcode\x7f"]
    path = build_from_folder(folder, out, {"mode": "video-frames", "fps": 24, "args": args, "build": "/opt/TDW.x86_64",
                                           "screen-size": ""})
    assert path == out / "jobs.toml"
    data = tomllib.loads(path.read_text())
    assert data["defaults"] == {"mode": "video-frames", "fps": 24, "args": args, "build": "/opt/TDW.x86_64"}
    jobs, problems = load_jobs(path, out)
    assert problems == []
    assert [(j.name, j.settings.scene) for j in jobs] == [("drop", str(folder / "drop.py")),
                                                          ("push cube", str(folder / "push cube.py"))]
    first = jobs[0].settings
    assert (first.mode, first.fps, list(first.scene_args), first.build) == ("video-frames", 24, args, "/opt/TDW.x86_64")


def test_saving_reuses_the_same_file_and_never_overwrites_another(tmp_path):
    first = save_jobs("a = 1\n", tmp_path)
    assert save_jobs("a = 1\n", tmp_path) == first == tmp_path / "jobs.toml"
    other = save_jobs("a = 2\n", tmp_path)
    assert other == tmp_path / "jobs-2.toml" and first.read_text() == "a = 1\n" and other.read_text() == "a = 2\n"
