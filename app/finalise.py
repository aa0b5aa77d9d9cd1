"""The end of a recording: the crash-safe live file becomes the finished one (or is kept), and the result is told.

Nothing playable is left as garbage: an empty or undecodable live file is removed with the folders the session
made for it. A finished file never takes an existing name. A failed remux keeps the live file for `recover`.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Callable

from app.audio.formats import audio_finalise_command
from app.ffmpeg.commands import finalise_command
from app.ffmpeg.finishing import run_finishing
from app.ffmpeg.inspect import contents, media_duration, media_info
from app.model.progress import Progress
from app.model.settings import CaptureSettings
from app.model.status import RecordingResult
from app.output import OutputPaths, base_name, private_folder, publish, unmark

log = logging.getLogger(__name__)


def decodable(path: Path, binary: str) -> bool:
    return path.exists() and path.stat().st_size > 0 and bool(media_info(binary, str(path)).streams)


def finish(settings: CaptureSettings, binary: str, paths: OutputPaths, live: Path, last: Progress,
           error: str | None, made_folders: list[Path], audio_note: str = "",
           on_finalising: Callable[[int], None] = lambda _percent: None) -> RecordingResult:
    """Turn what the capture left at `live` into the recording's result; `on_finalising` hears how far the
    remux has got (0..100)."""
    if not decodable(live, binary):
        live.unlink(missing_ok=True)  # no partial garbage: nothing playable was recorded
        if paths.recording.exists() and not paths.recording.stat().st_size:
            paths.recording.unlink()  # the reserved name, when the recorder wrote elsewhere
        unmark(paths.recording)  # its marker, before the folders made for it are removed
        for made in made_folders:  # deepest first; one that is not empty stays
            try:
                made.rmdir()
            except OSError:
                break
        return RecordingResult(None, 0.0, 0, 0, 0, 0, False, error or "Nothing was recorded.")
    finalised = False
    if settings.finalise:
        path, finalised, failure = _finalise(settings, live, paths.final, binary, last, on_finalising)
        if failure:
            error = f"{error} {failure}" if error else failure
    else:  # keep the crash-safe file, under its final name (a backend may write another format: keep its suffix)
        path = publish(live, paths.final.with_suffix(live.suffix))
    if error:
        error += f" What was recorded is kept in {path.name}."
    duration, frames = _figures(binary, path, last)
    return RecordingResult(path, duration, frames, last.dropped, last.duplicated, path.stat().st_size, finalised,
                           error, audio_note)


def _figures(binary: str, path: Path, last: Progress) -> tuple[float, int]:
    """The duration and frames the result line tells, from the file that is kept. Its header says how long it is,
    unless its muxer never wrote its end (a crash-safe file kept after a full disk or a failed remux): then the
    file is read to its end (its packets), and only if even that fails does the capture's own last report stand."""
    duration = media_duration(binary, str(path))
    if duration is not None:
        return duration, last.frames
    found = contents(binary, str(path))
    if found is None:
        log.warning("%s: no duration in its header and no packet read: telling the capture's last figures", path)
        return last.out_time_s, last.frames
    return found.duration_s, found.video_frames


def _finalise(settings: CaptureSettings, live: Path, wanted: Path, binary: str, last: Progress,
              on_percent: Callable[[int], None]) -> tuple[Path, bool, str | None]:
    """Remux (or, for sound, convert) `live` into a private folder, then name it `wanted` (or `wanted-N`) without
    replacing anything (a link planted at that name meanwhile is never written through); on failure keep `live` and
    say how to finish it later."""
    work = private_folder(wanted.parent, base_name(live), "finishing")
    try:
        target = work / wanted.name
        command = (audio_finalise_command(binary, str(live), str(target), settings.audio_format) if settings.mode == "audio"
                   else finalise_command(binary, str(live), str(target)))
        length = media_duration(binary, str(live)) or last.out_time_s or None
        # its own session: a Ctrl+C or SIGHUP sent to our terminal's process group never cuts the file short
        done = run_finishing(command, length, live.stat().st_size, on_percent, what=live.name)
        if done.returncode == 0 and decodable(target, binary):
            final = publish(target, wanted)
            live.unlink()
            return final, True, None
        log.warning("finalising %s failed: %s", live, done.stderr.strip()[-500:])
        later = "(`tdw-recorder recover` can finish it later)."
        if done.problem:
            return live, False, f"{done.problem} The {wanted.suffix[1:].upper()} was not written {later}"
        return live, False, f"The {wanted.suffix[1:].upper()} could not be written {later}"
    finally:
        shutil.rmtree(work, ignore_errors=True)
