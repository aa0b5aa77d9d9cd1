"""A fake `fmedia` for tests: `FAKE_FMEDIA_DIR` holds an executable named fmedia (put it on PATH).

Importing this package sets FAKE_FMEDIA_PYTHON to the running interpreter (unless already set).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

FAKE_FMEDIA_DIR = Path(__file__).resolve().parent

os.environ.setdefault("FAKE_FMEDIA_PYTHON", sys.executable)

__all__ = ["FAKE_FMEDIA_DIR"]
