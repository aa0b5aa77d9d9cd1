"""The Batch tab from a folder of scripts, and on a Ray cluster: real widgets, the real engine, the stand-in build."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.obs.config import free_port
from tests.batch.conftest import ROOT, bare_env
from tests.support.standin_build import BUILD_PATH  # also sets STANDIN_BUILD_PYTHON for the builds launched

SCENE = '''"""A cube sliding past a camera for as many frames as the first argument says."""
import sys

from tdw.controller import Controller
from tdw.tdw_utils import TDWUtils

frames = int(sys.argv[1])
c = Controller()
c.communicate([TDWUtils.create_empty_room(8, 8),
               {"$type": "create_avatar", "type": "A_Img_Caps_Kinematic", "id": "a"},
               {"$type": "teleport_avatar_to", "avatar_id": "a", "position": {"x": 0, "y": 2, "z": -3}}])
for _ in range(frames):
    c.communicate([])
c.communicate({"$type": "terminate"})
'''


def scene_folder(folder: Path) -> Path:
    folder.mkdir()
    for name in ("slide one.py", "slide_two.py"):
        (folder / name).write_text(SCENE)
    (folder / "_shared.py").write_text("# imported by the scenes, not one itself\n")
    return folder


def fill_folder_box(panel, folder: Path, args: str = "24") -> None:
    box = panel.from_folder
    box.folder.setText(str(folder))
    box.mode.setCurrentIndex(box.mode.findData("video-frames"))
    box.fps.setValue(30)
    box.args.setText(args)
    box.build.setText(str(BUILD_PATH))


def rows(panel) -> list[list[str]]:
    return [[panel.table.item(r, c).text() for c in range(4)] for r in range(panel.table.rowCount())]


def test_a_folder_of_scripts_becomes_a_jobs_file_that_the_tab_runs_and_the_cli_reruns(make_window, qtbot, tmp_path):
    window = make_window()
    panel = window.batch
    window.tabs.setCurrentWidget(panel)
    folder = scene_folder(tmp_path / "scenes")
    fill_folder_box(panel, folder)
    assert panel.out.text() == ""
    qtbot.mouseClick(panel.from_folder.make_button, Qt.LeftButton)
    out = folder / "out"  # no output folder chosen: one next to the scripts
    qtbot.waitUntil(lambda: panel.jobs_file.text() == str(out / "jobs.toml"), timeout=10000)
    assert panel.out.text() == str(out)
    qtbot.waitUntil(lambda: panel.loaded is not None, timeout=60000)
    scripts = [str((folder / name).resolve()) for name in ("slide one.py", "slide_two.py")]
    assert rows(panel) == [["slide one", scripts[0], "video-frames", "24"], ["slide_two", scripts[1], "video-frames", "24"]]
    data = tomllib.loads((out / "jobs.toml").read_text())
    assert data["defaults"] == {"mode": "video-frames", "fps": 30, "args": ["24"], "build": str(BUILD_PATH)}
    assert [job["name"] for job in data["job"]] == ["slide one", "slide_two"]

    panel.workers.setValue(2)
    qtbot.waitUntil(panel.run_button.isEnabled, timeout=5000)
    qtbot.mouseClick(panel.run_button, Qt.LeftButton)
    assert not panel.from_folder.isEnabled() and not panel.ray.isEnabled()
    qtbot.waitUntil(lambda: not panel.busy, timeout=180000)
    qtbot.waitUntil(lambda: "2 of 2 job(s) recorded" in panel.counts.text(), timeout=5000)
    assert [panel.status_of(name) for name in ("slide one", "slide_two")] == ["done", "done"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert [(e["name"], e["status"]) for e in manifest["jobs"]] == [("slide one", "done"), ("slide_two", "done")]
    assert all(e["frames"] >= 24 for e in manifest["jobs"])
    assert sorted(p.name for p in out.glob("*.mp4")) == ["slide one.mp4", "slide_two.mp4"]

    # the same batch from the command line: the file the tab wrote, every job already recorded
    again = subprocess.run([sys.executable, str(ROOT / "main.py"), "batch", str(out / "jobs.toml"), "--out", str(out)],
                           env=bare_env(), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "2 of 2 job(s) already recorded" in again.stderr


def test_a_folder_batch_of_tdw_frames_can_be_a_dataset_per_script(make_window, qtbot, tmp_path):
    window = make_window()
    panel = window.batch
    window.tabs.setCurrentWidget(panel)
    fill_folder_box(panel, scene_folder(tmp_path / "scenes"))
    box = panel.from_folder
    fields = box.dataset  # the same choice as for one recording: cameras, pass and data boxes, an MP4 to share
    assert fields.cameras.isVisible()  # TDW frames: cameras and passes can be chosen
    fields.cameras.setCurrentText("all")
    fields.pass_boxes["_id"].setChecked(True)
    fields.data_boxes["camera"].setChecked(True)
    fields.share.setChecked(True)
    fields.lossless.setChecked(True)
    wanted = {"cameras": "all", "passes": "_img,_id", "frame-data": "camera", "mp4": True, "lossless": True}
    assert {key: box.defaults()[key] for key in wanted} == wanted
    box.mode.setCurrentIndex(box.mode.findData("video"))
    assert not fields.cameras.isVisible() and not fields.share.isVisible()
    assert box.defaults()["passes"] == "" and box.defaults()["mp4"] is None  # a screen recording has no passes
    assert box.defaults()["lossless"] is None
    box.mode.setCurrentIndex(box.mode.findData("video-frames"))
    panel.out.setText(str(tmp_path / "out"))
    qtbot.mouseClick(box.make_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: (tmp_path / "out" / "jobs.toml").exists(), timeout=10000)
    defaults = tomllib.loads((tmp_path / "out" / "jobs.toml").read_text())["defaults"]
    assert {key: defaults[key] for key in wanted} == wanted
    # the tab loads the file it wrote: every job a dataset with its MP4s, read as `batch` reads it
    qtbot.waitUntil(lambda: panel.loaded is not None, timeout=30000)
    assert not any(panel.loaded["problems"].values()), panel.loaded["problems"]
    assert [(j.settings.cameras, j.settings.passes, j.settings.frame_data, j.settings.share_mp4, j.settings.encoding.lossless)
            for j in panel.jobs] == [("all", "_img,_id", "camera", True, True)] * 2


def test_making_the_list_from_a_folder_without_scripts_says_so_under_the_folder(make_window, qtbot, tmp_path):
    window = make_window()
    panel = window.batch
    empty = tmp_path / "empty"
    empty.mkdir()
    panel.out.setText(str(tmp_path / "out"))
    fill_folder_box(panel, empty)
    qtbot.mouseClick(panel.from_folder.make_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "no controller script" in panel.from_folder.problem.text(), timeout=10000)
    assert panel.jobs_file.text() == "" and not (tmp_path / "out" / "jobs.toml").exists()
    panel.from_folder.args.setText('"open')
    qtbot.mouseClick(panel.from_folder.make_button, Qt.LeftButton)
    assert "quote" in panel.from_folder.problem.text()


def test_a_ray_address_runs_the_batch_through_ray_and_a_dead_one_is_one_sentence(make_window, qtbot, tmp_path):
    window = make_window()
    panel = window.batch
    port = free_port()
    panel.ray.setText(f"127.0.0.1:{port}")
    assert not panel.workers.isEnabled()  # Ray's nodes say how many jobs run at once
    fill_folder_box(panel, scene_folder(tmp_path / "scenes"))
    panel.out.setText(str(tmp_path / "out"))
    qtbot.mouseClick(panel.from_folder.make_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: panel.loaded is not None and panel.run_button.isEnabled(), timeout=30000)
    qtbot.mouseClick(panel.run_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not panel.busy, timeout=30000)
    message = panel.counts.text()
    assert message.startswith(f"Nothing answers at the Ray address 127.0.0.1:{port}") and "\n" not in message
    assert message in panel.log.toPlainText()
    assert panel.run_button.isEnabled() and not list((tmp_path / "out").glob("*.mp4"))


@pytest.fixture
def ray_head():
    pytest.importorskip("ray")
    from tests.batch.ray_head import running_head

    with running_head(bare_env()) as address:
        yield address


def test_the_batch_runs_to_done_on_a_real_local_ray_cluster(make_window, qtbot, tmp_path, ray_head):
    window = make_window()
    panel = window.batch
    fill_folder_box(panel, scene_folder(tmp_path / "scenes"))
    out = tmp_path / "out"
    panel.out.setText(str(out))
    panel.ray.setText(ray_head)
    qtbot.mouseClick(panel.from_folder.make_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: panel.loaded is not None and panel.run_button.isEnabled(), timeout=30000)
    qtbot.mouseClick(panel.run_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not panel.busy, timeout=180000)
    log = panel.log.toPlainText()
    assert f"on the Ray cluster at {ray_head}, 2 display slot(s)" in log, log
    assert "2 of 2 job(s) recorded" in panel.counts.text(), panel.counts.text()
    assert [panel.status_of(name) for name in ("slide one", "slide_two")] == ["done", "done"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert [e["status"] for e in manifest["jobs"]] == ["done", "done"]
    assert sorted(p.name for p in out.glob("*.mp4")) == ["slide one.mp4", "slide_two.mp4"]
