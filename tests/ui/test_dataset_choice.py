"""A dataset from the window: cameras, passes and frame data chosen after the scene (TDW's own frames only)."""

import json
from pathlib import Path

from tests.support.media import probe
from tests.ui.test_scene import choose_demo, record_until_it_ends


def test_the_dataset_rows_show_for_tdw_frames_and_record_a_camera_per_file_with_its_passes(no_orphans, make_window, qtbot):
    window = make_window()
    fields = window.form.scene.dataset
    choose_demo(window, args="30", mode="video")
    assert not fields.cameras.isVisible()  # a screen recording: no passes to choose
    choose_demo(window, args="30")
    assert fields.cameras.isVisible() and fields.pass_boxes["_id"].isVisible()
    s = window.form.settings()
    assert (s.cameras, s.passes, s.frame_data) == ("", "_img", "")  # as before: one camera's picture, NAME.mp4
    fields.pass_boxes["_img"].setChecked(False)
    qtbot.waitUntil(lambda: window.live.problems is not None and not window.record_button.isEnabled(), timeout=15000)
    assert "No pass is chosen" in fields.problems["passes"].text()  # under the passes, Record waits for one
    fields.cameras.setCurrentText("all")
    for name in ("_img", "_id", "_depth"):
        fields.pass_boxes[name].setChecked(True)
    fields.data_boxes["camera"].setChecked(True)
    fields.share.setChecked(True)
    fields.lossless.setChecked(True)
    s = window.form.settings()
    assert (s.cameras, s.passes, s.frame_data, s.share_mp4) == ("all", "_img,_id,_depth", "camera", True)
    assert s.encoding.lossless
    record_until_it_ends(window, qtbot)
    assert window.message.property("kind") == "success", window.message.label.text()
    out = window.form.settings().output_dir
    files = sorted(p.name for p in Path(out).iterdir())
    (mkv,) = [name for name in files if name.endswith(".a.mkv")]
    stem = mkv[: -len(".a.mkv")]
    assert f"{stem}.frames.jsonl" in files
    assert f"Saved {mkv}, with {stem}.frames.jsonl, {stem}.a.mp4 (" in window.message.label.text()  # every file
    streams = probe(Path(out) / mkv)["streams"]
    assert [stream["tags"]["title"] for stream in streams] == ["_img", "_id", "_depth"]
    assert (streams[0]["codec_name"], streams[0]["pix_fmt"]) == ("h264", "gbrp")  # lossless: RGB kept, not yuv420p
    shared = probe(Path(out) / f"{stem}.a.mp4")  # the camera's picture alone, to share
    assert [s["codec_name"] for s in shared["streams"]] == ["h264"] and shared["format"]["format_name"].startswith("mov")
    assert "a" in [fields.cameras.itemText(i) for i in range(fields.cameras.count())]  # offered from now on
    rows = [json.loads(line) for line in (Path(out) / f"{stem}.frames.jsonl").read_text().splitlines()]
    assert rows and {r["camera"] for r in rows} == {"a"} and "camera_matrix" in rows[0]
    window.shutdown()
    again = make_window(first_run=False)  # remembered
    s = again.form.settings()
    assert (s.cameras, s.passes, s.frame_data, s.share_mp4) == ("all", "_img,_id,_depth", "camera", True)
    assert s.encoding.lossless


def test_cameras_seen_in_a_recording_are_offered(make_window):
    window = make_window()
    fields = window.form.scene.dataset
    fields.cameras.setCurrentText("a")
    fields.offer_cameras(["a", "top"])
    assert [fields.cameras.itemText(i) for i in range(fields.cameras.count())] == ["", "all", "a", "top", "a,top"]
    assert fields.cameras.currentText() == "a"  # what was typed stays
