"""The OBS fields (the password is never saved) and the Batch tab running real jobs on the stand-in build."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from app.errors import Problem

from tests.support.standin_build import BUILD_PATH


def test_obs_launch_shows_the_obs_group_and_the_password_is_never_saved(make_window, qtbot, store, tmp_path):
    window = make_window()
    form = window.form
    assert not form.obs_group.isVisible()
    form.backend.setCurrentIndex(form.backend.findData("obs-launch"))
    qtbot.waitUntil(form.obs_group.isVisible, timeout=5000)
    assert form.obs_port.value() == 4455
    assert form.obs_password.echoMode() == form.obs_password.EchoMode.Password
    form.obs_host.setText("obs-box")
    form.obs_password.setText("s3cret-Pa55word")
    form.obs_scene.setText("Main")
    secret_file = tmp_path / "obs-password"
    secret_file.write_text("x\n")
    secret_file.chmod(0o644)  # readable by others: an inline problem under the field
    form.obs_password_file.setText(str(secret_file))
    qtbot.waitUntil(lambda: "chmod 600" in form.problems["obs_password_file"].text(), timeout=10000)
    settings = form.settings()
    assert settings.obs.password == "s3cret-Pa55word" and settings.obs.host == "obs-box" and settings.obs.scene == "Main"
    window.shutdown()  # saves and syncs
    text = Path(store.qsettings.fileName()).read_text()
    assert "s3cret-Pa55word" not in text
    assert "obs-password" in text and "obs-box" in text  # the password *file* and the rest are remembered
    form.backend.setCurrentIndex(form.backend.findData("ffmpeg"))
    assert not form.obs_group.isVisible()


def test_obs_problems_show_inline_under_their_fields(make_window, qtbot):
    window = make_window()
    form = window.form
    form.backend.setCurrentIndex(form.backend.findData("obs-websocket"))
    qtbot.waitUntil(form.obs_group.isVisible, timeout=5000)
    rest = form.show_problems([Problem("obs_port", "bad port"), Problem("obs_profile", "no such profile")])
    assert rest == []
    assert form.problems["obs_port"].text() == "bad port" and form.obs_problem.text() == "no such profile"


def jobs_file(folder: Path, frames=(30, 30)) -> Path:
    lines = ["[defaults]", 'mode = "video-frames"', 'scene = "demo:moving_object"', f'build = "{BUILD_PATH}"',
             "connect-timeout = 30", ""]
    for n, count in enumerate(frames, start=1):
        lines += ["[[job]]", f'name = "clip-{n}"', f'args = ["{count}"]', ""]
    path = folder / "jobs.toml"
    path.write_text("\n".join(lines))
    return path


def test_a_bad_jobs_file_shows_problems_per_row(make_window, qtbot, tmp_path):
    window = make_window()
    panel = window.batch
    path = tmp_path / "bad.toml"
    path.write_text('[defaults]\nmode = "video-frames"\nscene = "demo:moving_object"\n\n'
                    '[[job]]\nname = "ok"\n\n[[job]]\nname = "bad"\nfps = "fast"\n')
    panel.out.setText(str(tmp_path / "out"))
    panel.jobs_file.setText(str(path))
    qtbot.waitUntil(lambda: panel.loaded is not None, timeout=60000)
    assert panel.table.rowCount() == 2
    assert panel.table.item(1, 0).text() == "bad" and "`fps`" in panel.table.item(1, 5).text()
    assert panel.table.item(1, 4).text() == "problem"
    assert not panel.run_button.isEnabled()


def test_the_batch_tab_runs_two_jobs_to_done(make_window, qtbot, tmp_path):
    window = make_window()
    panel = window.batch
    window.tabs.setCurrentWidget(panel)
    out = tmp_path / "batch-out"
    panel.out.setText(str(out))
    panel.jobs_file.setText(str(jobs_file(tmp_path)))
    panel.workers.setValue(2)
    qtbot.waitUntil(lambda: panel.loaded is not None, timeout=60000)
    assert [panel.table.item(r, 0).text() for r in range(2)] == ["clip-1", "clip-2"]
    assert panel.table.item(0, 1).text() == "demo:moving_object" and panel.table.item(0, 2).text() == "video-frames"
    assert panel.table.item(0, 3).text() == "30"
    assert panel.table.item(0, 5).text() == "", panel.table.item(0, 5).text()
    qtbot.waitUntil(panel.run_button.isEnabled, timeout=5000)
    qtbot.mouseClick(panel.run_button, Qt.LeftButton)
    assert panel.stop_button.isEnabled() and not panel.run_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.busy and panel.status_of("clip-2") == "done" and panel.status_of("clip-1") == "done",
                    timeout=180000)
    qtbot.waitUntil(lambda: "2 of 2 job(s) recorded" in panel.counts.text(), timeout=5000)
    data = json.loads((out / "manifest.json").read_text())
    assert [e["status"] for e in data["jobs"]] == ["done", "done"]
    assert sorted(p.name for p in out.glob("*.mp4")) == ["clip-1.mp4", "clip-2.mp4"]
    assert panel.run_button.isEnabled() and not panel.stop_button.isEnabled()
    # loading again takes in what is recorded, as `tdw-recorder batch` does (one plan: app.batch.orchestrate)
    panel.loaded = None
    panel.load()
    qtbot.waitUntil(lambda: panel.loaded is not None, timeout=60000)
    assert [panel.table.item(r, 4).text() for r in range(2)] == ["recorded", "recorded"]
    assert panel.loaded["plan"].todo == []
