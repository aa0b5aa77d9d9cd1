"""A stand-in TDW build for tests: `BUILD_PATH` is an executable that behaves like
`~/tdw_build/TDW/TDW.x86_64` towards `tdw.controller.Controller`, and `decode_frame_number`
reads back the frame number that every picture it shows (window and `_img` pass) carries.

Importing this package sets STANDIN_BUILD_PYTHON to the running interpreter (unless already
set), so builds launched by code under test run with the same packages as the tests.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from .frame_picture import decode_frame_number, render

BUILD_DIR = Path(__file__).resolve().parent
BUILD_PATH = BUILD_DIR / "TDW.x86_64"
SCRIPT_PATH = BUILD_DIR / "standin_build.py"

os.environ.setdefault("STANDIN_BUILD_PYTHON", sys.executable)

__all__ = ["BUILD_PATH", "BUILD_DIR", "SCRIPT_PATH", "decode_frame_number", "render"]
