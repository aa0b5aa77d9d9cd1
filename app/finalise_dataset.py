"""The end of a dataset recording (app.capture.dataset): its files are final as written, so nothing is remuxed.

The reserved NAME.recording.mkv was only a name: it goes, with its marker. A camera file that holds nothing
decodable (ffmpeg never wrote a frame) is removed; the result names the first camera's file and lists the others.
"""

from __future__ import annotations

from pathlib import Path

from app.ffmpeg.inspect import contents, media_info
from app.model.progress import Progress
from app.model.status import RecordingResult
from app.output import OutputPaths, unmark


def finish_dataset(binary: str, paths: OutputPaths, files: list[Path], last: Progress, error: str | None,
                   made_folders: list[Path]) -> RecordingResult:
    if paths.recording.exists() and not paths.recording.stat().st_size:
        paths.recording.unlink()
    unmark(paths.recording)
    videos = [f for f in files if f.suffix == ".mkv"]
    kept = [f for f in videos if f.exists() and f.stat().st_size and media_info(binary, str(f)).streams]
    for gone in set(videos) - set(kept):
        gone.unlink(missing_ok=True)
    rows = [f for f in files if f.suffix == ".jsonl" and f.exists()]
    if not kept:
        for path in rows:
            path.unlink()
        for made in made_folders:  # deepest first; one that is not empty stays
            try:
                made.rmdir()
            except OSError:
                break
        return RecordingResult(None, 0.0, 0, 0, 0, 0, False, error or (
            "The scene sent no images of the chosen cameras and passes: check --cameras (the avatar ids your "
            "script creates) and --passes."))
    found = contents(binary, str(kept[0]))
    duration, frames = (found.duration_s, found.video_frames) if found else (last.out_time_s, last.frames)
    size = sum(f.stat().st_size for f in kept + rows)
    return RecordingResult(kept[0], duration, frames, last.dropped, last.duplicated, size, False,
                           error, "", more=tuple(kept[1:] + rows))
