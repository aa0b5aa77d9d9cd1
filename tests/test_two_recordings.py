"""Two recordings at once: two real CLI processes, same screen region, same folder, same file name.

What the product does: both record, each into its own file. Names are reserved with O_EXCL, so the
second takes `-1` (and an older file of that name is never touched); x11grab can read one screen twice.
What cannot be shared is refused before anything starts, in one line: a TDW port in use
(tests/test_bad_input.py, port-in-use) and an OBS that is already recording (tests/obs/test_gui_kill_obs.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.media import probe, stream

ROOT = Path(__file__).parent.parent


def test_two_cli_recordings_of_one_region_into_one_name_both_keep_their_own_file(no_orphans, env, anim_window, tmp_path):
    anim_window("Recorded Twice", 320, 240, 100, 80)
    older = tmp_path / "same.mp4"
    older.write_bytes(b"an older recording of that name")
    argv = [sys.executable, str(ROOT / "main.py"), "record", "--region", "100,80,320x240", "--duration", "3",
            "--preset", "ultrafast", "--name", "same", "--out", str(tmp_path)]
    first, second = (subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for _ in range(2))
    outputs = [proc.communicate(timeout=120) for proc in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    saved = sorted(Path(out.split("Saved ", 1)[1].split("\n", 1)[0]) for out, _ in outputs)
    assert [p.name for p in saved] == ["same-1.mp4", "same-2.mp4"]
    assert older.read_bytes() == b"an older recording of that name"  # never overwritten
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same-1.mp4", "same-2.mp4", "same.mp4"]
    for path in saved:
        info = probe(path)
        assert stream(info, "video")["width"] == 320 and 2.5 <= float(info["format"]["duration"]) <= 3.6
