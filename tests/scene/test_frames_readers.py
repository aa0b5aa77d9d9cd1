"""NAME.frames.jsonl is read by pandas and by Ray Data in one call (docs/frames.md), also when a scene's first
collision comes long after the file's first megabyte: Arrow's JSON reader, under `ray.data.read_json`, takes a
column's type from that first block, and an empty `collisions` list there once made it fail."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas
import pytest

from tests.support.standin_build import BUILD_PATH

ROOT = Path(__file__).resolve().parents[2]
SCENE = ROOT / "tests" / "support" / "scenes" / "late_objects.py"
LATE, FRAMES = 1300, 1340  # about 1.6 MB of rows before the objects arrive (two cameras, frame data)

# Ray's own folder, private: a local Ray writes its session and this machine's address under /tmp/ray, where the
# batch's Ray client (tests/batch) would find them and connect to this one instead of its own head.
RAY_READS = """
import json, sys
import ray
ray.init(num_cpus=1, include_dashboard=False, logging_level="ERROR", log_to_driver=False, _temp_dir=sys.argv[2],
         _node_ip_address="127.0.0.1")
ray.data.DataContext.get_current().enable_progress_bars = False
rows = ray.data.read_json(sys.argv[1]).take_all()
print(json.dumps({"rows": len(rows), "frames": [int(r["frame"]) for r in rows],
                  "collisions": [int(r["frame"]) for r in rows if r.get("collisions") is not None]}))
"""


@pytest.fixture(scope="module")
def frames_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("late")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "record", "--scene", str(SCENE), "--mode", "video-frames",
                           "--cameras", "all", "--passes", "_img", "--frame-data", "camera,avatars,objects,collisions",
                           "--build", str(BUILD_PATH), "--screen-size", "32x32", "--out", str(out), "--name", "late",
                           "--", str(LATE), str(FRAMES)],
                          env=dict(env, STANDIN_BUILD_PYTHON=sys.executable), cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return out / "late.frames.jsonl"


def rows_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_first_collision_comes_after_the_first_megabyte(frames_file):
    """What makes this file a test of the readers: many rows with no collision before the first one."""
    text = frames_file.read_text()
    first = next(i for i, line in enumerate(text.splitlines(keepends=True)) if '"collisions"' in line)
    assert len("".join(text.splitlines(keepends=True)[:first]).encode()) > 1024 * 1024
    rows = rows_of(frames_file)
    assert sum("collisions" in r for r in rows) > 10 and all(r.get("collisions") != [] for r in rows)


def test_pandas_reads_every_row_in_one_call(frames_file):
    rows = rows_of(frames_file)
    table = pandas.read_json(frames_file, lines=True)
    assert len(table) == len(rows)
    assert table["frame"].tolist() == [r["frame"] for r in rows] and table["camera"].tolist() == [r["camera"] for r in rows]
    assert table["time"].dtype.kind == "f" and table["wall"].dtype.kind == "f"  # numbers, not turned into dates
    with_collisions = table[table["collisions"].notna()]
    assert with_collisions["frame"].tolist() == [r["frame"] for r in rows if "collisions" in r]
    assert with_collisions["collisions"].iloc[0][0]["state"] in ("enter", "stay", "exit")


def test_ray_data_reads_every_row_in_one_call(frames_file, tmp_path):
    rows = rows_of(frames_file)
    home = tmp_path / "home"  # Ray keeps a token under ~/.ray
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    ray_folder = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))  # short: Ray's socket paths must fit
    try:
        done = subprocess.run([sys.executable, "-c", RAY_READS, str(frames_file), str(ray_folder)],
                              env=dict(env, HOME=str(home)), capture_output=True, text=True, timeout=180)
    finally:
        shutil.rmtree(ray_folder, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-3000:]
    read = json.loads(done.stdout.strip().splitlines()[-1])
    assert read["rows"] == len(rows) and read["frames"] == [r["frame"] for r in rows]
    assert read["collisions"] == [r["frame"] for r in rows if "collisions" in r]
