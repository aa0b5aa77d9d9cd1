"""The recordings list: what is in the output folder, with Open, Show in folder and Delete."""

import subprocess

from PySide6.QtCore import Qt

from app.ui.background import Background
from app.ui.recordings import RecordingsPanel


def clip(path, seconds=1):
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", f"testsrc=size=64x48:rate=10:duration={seconds}",
                    "-pix_fmt", "yuv420p", str(path)], check=True)
    return path


def make_panel(qtbot, tmp_path, answer=True):
    opened, asked = [], []
    background = Background()
    panel = RecordingsPanel(background, open_url=lambda url: opened.append(url.toLocalFile()) or True,
                            confirm=lambda _parent, text: asked.append(text) or answer)
    background.setParent(panel)
    qtbot.addWidget(panel)
    panel.show()
    return panel, opened, asked


def test_lists_media_newest_first_with_length_and_size(qtbot, tmp_path):
    clip(tmp_path / "a.mp4", 1)
    clip(tmp_path / "b.mkv", 2)
    (tmp_path / "notes.txt").write_text("not a recording")
    panel, _, _ = make_panel(qtbot, tmp_path)
    panel.set_folder(str(tmp_path))
    assert [p.name for p in panel.paths()] == ["b.mkv", "a.mp4"]
    qtbot.waitUntil(lambda: panel.tree.topLevelItem(0).text(1) == "00:00:02", timeout=10000)
    assert panel.tree.topLevelItem(1).text(1) == "00:00:01"
    assert panel.tree.topLevelItem(0).text(2).endswith("KB")


def test_open_show_and_delete_with_confirmation(qtbot, tmp_path):
    target = clip(tmp_path / "take.mp4")
    panel, opened, asked = make_panel(qtbot, tmp_path, answer=False)
    panel.set_folder(str(tmp_path))
    assert not panel.open_button.isEnabled()
    panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
    qtbot.mouseClick(panel.open_button, Qt.LeftButton)
    qtbot.mouseClick(panel.show_button, Qt.LeftButton)
    assert opened == [str(target), str(tmp_path)]
    qtbot.mouseClick(panel.delete_button, Qt.LeftButton)
    assert "take.mp4" in asked[0] and target.exists()  # said no
    panel._confirm = lambda _parent, _text: True
    qtbot.mouseClick(panel.delete_button, Qt.LeftButton)
    assert not target.exists() and panel.paths() == []


def test_a_missing_folder_lists_nothing(qtbot, tmp_path):
    panel, _, _ = make_panel(qtbot, tmp_path)
    panel.set_folder(str(tmp_path / "not-yet"))
    assert panel.paths() == []
