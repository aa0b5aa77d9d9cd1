"""Audio-only formats: the live file, the finalise command lines (exact), and their validation."""

from app.preflight import static_problems
from app.audio.formats import AUDIO_FORMATS, audio_finalise_command, audio_format_problem, final_extension
from app.ffmpeg.commands import record_command
from app.model.encoding import Encoding
from app.model.settings import CaptureSettings


def test_finalise_commands_are_exact():
    head = ["ff", "-hide_banner", "-loglevel", "error", "-nostdin", "-n", "-i", "a.recording.mka", "-map", "0:a"]
    assert audio_finalise_command("ff", "a.recording.mka", "a.flac", "flac") == [*head, "-c:a", "copy", "-f", "flac", "a.flac"]
    assert audio_finalise_command("ff", "a.recording.mka", "a.wav", "wav") == [*head, "-c:a", "pcm_s16le", "-f", "wav", "a.wav"]
    assert audio_finalise_command("ff", "a.recording.mka", "a.m4a", "m4a") == [
        *head, "-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart", "-f", "mp4", "a.m4a"]
    assert audio_finalise_command("ff", "a.recording.mka", "a.opus", "opus") == [
        *head, "-c:a", "libopus", "-b:a", "128k", "-f", "ogg", "a.opus"]


def test_formats_and_their_problems(tmp_path):
    assert set(AUDIO_FORMATS) == {"flac", "wav", "m4a", "opus"}
    assert final_extension("m4a") == "m4a" and final_extension("nonsense") == "flac"
    assert audio_format_problem("flac") is None
    assert audio_format_problem("mp3") == "Audio format 'mp3' is unknown: use one of flac, wav, m4a, opus."
    bad = CaptureSettings(mode="audio", audio="default", audio_format="mp3", output_dir=str(tmp_path))
    assert [p.field for p in static_problems(bad)] == ["audio_format"]
    assert static_problems(CaptureSettings(mode="video", audio_format="mp3", output_dir=str(tmp_path))) == []


def test_audio_only_is_recorded_lossless_in_matroska_whatever_the_container():
    cmd = record_command("ff", "a.recording.mka", Encoding(container="mp4", audio_codec="aac"),
                         audio_source="s.monitor", platform="linux", audio_offset=-0.2)
    assert cmd[cmd.index("-i") + 1:] == [
        "s.monitor", "-f", "matroska", "-acodec", "flac", "-cluster_size_limit", "1000000", "-cluster_time_limit", "500",
        "-flush_packets", "1", "a.recording.mka"]
    assert "-itsoffset" not in cmd  # an offset only means something against a picture
