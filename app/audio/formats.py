"""Audio-only recordings: what the crash-safe live file is, and what it becomes when it stops.

The live file is lossless FLAC in Matroska (`.recording.mka`): Matroska survives `kill -9` with the same
flush flags as video (app.ffmpeg.commands.CRASH_SAFE_MKV), and a lossless live file means the chosen
format (WAV, FLAC, AAC or Opus) is encoded once, at the end, from the untouched samples.
"""

from __future__ import annotations

from dataclasses import dataclass

LIVE_EXTENSION = "mka"  # Matroska audio: crash-safe, holds FLAC
LIVE_CODEC = "flac"


@dataclass(frozen=True)
class AudioFormat:
    """One finished audio format: its file extension and the ffmpeg output options that write it."""

    name: str
    extension: str
    options: tuple[str, ...]
    label: str


AUDIO_FORMATS: dict[str, AudioFormat] = {
    f.name: f
    for f in (
        AudioFormat("flac", "flac", ("-c:a", "copy", "-f", "flac"), "FLAC (lossless, compact)"),
        AudioFormat("wav", "wav", ("-c:a", "pcm_s16le", "-f", "wav"), "WAV (lossless, plays everywhere)"),
        AudioFormat("m4a", "m4a", ("-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart", "-f", "mp4"),
                    "AAC in M4A (small)"),
        AudioFormat("opus", "opus", ("-c:a", "libopus", "-b:a", "128k", "-f", "ogg"), "Opus (smallest)"),
    )
}
DEFAULT_AUDIO_FORMAT = "flac"


def audio_format_problem(name: str) -> str | None:
    """Why `name` is not an audio format we write (one sentence with the fix), or None."""
    if name in AUDIO_FORMATS:
        return None
    return f"Audio format {name!r} is unknown: use one of {', '.join(AUDIO_FORMATS)}."


def final_extension(name: str) -> str:
    return AUDIO_FORMATS[name].extension if name in AUDIO_FORMATS else AUDIO_FORMATS[DEFAULT_AUDIO_FORMAT].extension


def finalise_encoder(name: str, live_codec: str = LIVE_CODEC) -> str | None:
    """The ffmpeg encoder that finishing a `live_codec` recording as `name` needs (None: the sound is copied)."""
    fmt = AUDIO_FORMATS.get(name)
    if fmt is None:
        return None
    codec = fmt.options[fmt.options.index("-c:a") + 1]
    if codec == "copy":
        return None if live_codec == LIVE_CODEC else LIVE_CODEC  # only FLAC is copied into FLAC
    return codec


def audio_finalise_command(binary: str, recording: str, final_path: str, name: str) -> list[str]:
    """Turn the live recording into the chosen format: copy FLAC into FLAC, a cheap encode otherwise.

    The live file is FLAC in Matroska (ffmpeg), or plain WAV (the fmedia backend), whose FLAC is encoded here.
    """
    fmt = AUDIO_FORMATS[name]
    options = list(fmt.options)
    if recording.endswith(".wav") and finalise_encoder(name, "pcm") == LIVE_CODEC:
        options[options.index("copy")] = LIVE_CODEC
    return [binary, "-hide_banner", "-loglevel", "error", "-nostdin", "-n", "-i", recording, "-map", "0:a",
            *options, final_path]
