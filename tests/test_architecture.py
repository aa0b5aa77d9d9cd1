"""The engine never imports Qt: checked by import-linter's contract in pyproject.toml."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_engine_has_no_qt_import():
    linter = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(linter) if linter.exists() else shutil.which("lint-imports")], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout
