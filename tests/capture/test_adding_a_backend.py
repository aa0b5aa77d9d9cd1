"""Adding a backend is one module plus one registry entry (docs/architecture.md): the example in
tests/support/lossless_backend.py is registered here and then offered, checked and recorded by the engine
with no other change: preflight reads its declared modes and regions, the session creates it by name."""

import pytest

from app.capture import registry
from app.preflight import plan, static_problems
from app.session import Session
from app.model.settings import CaptureSettings
from tests.support import lossless_backend
from tests.support.media import probe, stream


@pytest.fixture
def lossless():
    registry.register(lossless_backend.INFO)
    yield lossless_backend.INFO
    registry.BACKENDS.pop(lossless_backend.INFO.name)


def test_a_registered_backend_is_listed_and_its_declarations_are_checked(lossless):
    assert "lossless-screen" in registry.names()
    assert registry.unavailable("lossless-screen") is None
    audio = static_problems(CaptureSettings(backend="lossless-screen", mode="audio", audio="default"))
    assert [p.message for p in audio if p.field == "backend"] == [lossless.mode_advice]
    tdw = static_problems(CaptureSettings(backend="lossless-screen", region="tdw", scene="demo:moving_object"))
    assert any(p.field == "region" and "cannot record a tdw region" in p.message for p in tdw)
    assert not [p for p in static_problems(CaptureSettings(backend="lossless-screen", region="0,0,320x240"))
                if p.field in ("backend", "region")]


def test_the_session_records_through_a_registered_backend(lossless, no_orphans, machine, anim_window, tmp_path):
    anim_window("Lossless Source", 320, 240, 100, 80)
    settings = CaptureSettings(backend="lossless-screen", region="window:Lossless Source", duration=2,
                               output_dir=str(tmp_path))
    session = Session(plan(settings, machine), env=machine.env)
    session.start()
    session.wait(20)
    result = session.stop()
    assert result.error is None and result.finalised and result.path.suffix == ".mp4"
    video = stream(probe(result.path), "video")
    # what the example asks of ffmpeg, so the file was made by it and not by the ffmpeg backend
    assert (video["codec_name"], video["pix_fmt"], video["width"], video["height"]) == ("h264", "yuv444p", 320, 240)
    assert int(video["nb_read_frames"]) >= 30
