"""Which ffmpeg abilities a recording needs: audio only records FLAC live, so it needs flac, not aac."""

import os

import pytest

from app.preflight import validate
from app.model.settings import CaptureSettings
from tests.support.fake_fmedia import FAKE_FMEDIA_DIR

ENCODERS = {"libx264": "V....D libx264  libx264 H.264", "aac": "A....D aac  AAC (Advanced Audio Coding)",
            "flac": "A....D flac  FLAC (Free Lossless Audio Codec)", "libopus": "A....D libopus  libopus Opus",
            "pcm_s16le": "A....D pcm_s16le  PCM signed 16-bit little-endian"}


def ffmpeg_with(tmp_path, *encoders: str, devices=("pulse", "x11grab")):
    """An ffmpeg that answers -version, -devices and -encoders as a build with only these parts would."""
    fake = tmp_path / f"ffmpeg-{'-'.join(encoders) or 'none'}"
    device_lines = "\n".join(f" D  {d}  {d} input" for d in devices)
    encoder_lines = "\n".join(f" {ENCODERS[e]}" for e in encoders)
    fake.write_text("#!/bin/sh\ncase \"$2\" in\n"
                    "  -version) echo 'ffmpeg version 9.9-fake Copyright (c) the FFmpeg developers' ;;\n"
                    f"  -devices) printf 'Devices:\\n ---\\n{device_lines}\\n' ;;\n"
                    f"  -encoders) printf 'Encoders:\\n ------\\n{encoder_lines}\\n' ;;\n"
                    "esac\n")
    fake.chmod(0o755)
    return str(fake)


def ffmpeg_problems(tmp_path, machine, ffmpeg, **kw):
    settings = CaptureSettings(output_dir=str(tmp_path), ffmpeg_path=ffmpeg, **kw)
    return [p.message for p in validate(settings, machine) if p.field == "ffmpeg"]


def test_audio_only_needs_flac_not_aac(tmp_path, machine):
    no_aac = ffmpeg_with(tmp_path, "flac", "pcm_s16le", "libopus")
    assert ffmpeg_problems(tmp_path, machine, no_aac, mode="audio", audio="default") == []
    assert ffmpeg_problems(tmp_path, machine, no_aac, mode="audio", audio="default", audio_format="opus") == []
    [m4a] = ffmpeg_problems(tmp_path, machine, no_aac, mode="audio", audio="default", audio_format="m4a")
    assert "lacks the aac encoder:" in m4a  # m4a is encoded when the recording stops
    [no_flac] = ffmpeg_problems(tmp_path, machine, ffmpeg_with(tmp_path, "aac"), mode="audio", audio="default")
    assert no_flac.endswith("lacks the flac encoder: install Debian's ffmpeg or clear the ffmpeg setting to use "
                            "the embedded one.")


def test_audio_and_video_still_need_aac(tmp_path, machine):
    [problem] = ffmpeg_problems(tmp_path, machine, ffmpeg_with(tmp_path, "libx264", "flac"), mode="av",
                                audio="default", region="0,0,320x240")
    assert "lacks the aac encoder:" in problem


@pytest.fixture
def fmedia_on_path(monkeypatch):
    monkeypatch.setenv("PATH", f"{FAKE_FMEDIA_DIR}:{os.environ['PATH']}")


def test_fmedia_records_the_sound_itself(tmp_path, machine, fmedia_on_path):
    """ffmpeg only turns fmedia's WAV into the chosen format: no pulse input, no live FLAC needed."""
    bare = ffmpeg_with(tmp_path, "flac", devices=())
    assert ffmpeg_problems(tmp_path, machine, bare, mode="audio", audio="default", backend="fmedia") == []
    [opus] = ffmpeg_problems(tmp_path, machine, bare, mode="audio", audio="default", backend="fmedia", audio_format="opus")
    assert "lacks the libopus encoder:" in opus
