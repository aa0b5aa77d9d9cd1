import os
import stat

import pytest

from app.errors import FfmpegNotFound
from app.ffmpeg.capabilities import probe
from app.ffmpeg.locate import _embedded, find_ffmpeg


def _executable(tmp_path, name="ffmpeg"):
    path = tmp_path / name
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_order_is_setting_then_path_then_embedded(tmp_path):
    mine = _executable(tmp_path)
    assert find_ffmpeg(mine, which=lambda _n: "/usr/bin/ffmpeg").origin == "setting"
    assert find_ffmpeg("", which=lambda _n: "/usr/bin/ffmpeg", embedded=lambda: "/x").path == "/usr/bin/ffmpeg"
    found = find_ffmpeg("", which=lambda _n: None, embedded=lambda: "/opt/ff")
    assert (found.path, found.origin) == ("/opt/ff", "embedded")


def test_missing_everywhere_and_bad_setting_say_what_to_do(tmp_path):
    with pytest.raises(FfmpegNotFound, match="apt install ffmpeg"):
        find_ffmpeg("", which=lambda _n: None, embedded=lambda: None)
    with pytest.raises(FfmpegNotFound, match="not an executable"):
        find_ffmpeg(str(tmp_path / "nope"))


def test_embedded_ffmpeg_really_has_what_a_pip_install_needs():
    path = _embedded()
    assert path and os.access(path, os.X_OK)
    caps = probe(path)
    for needed in ("x11grab", "pulse", "libx264", "aac"):
        assert caps.can(needed), needed


def test_probe_is_cached_per_binary():
    path = _embedded()
    assert probe(path) is probe(path)
