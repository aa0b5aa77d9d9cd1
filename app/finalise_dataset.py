"""The end of a dataset recording (app.capture.dataset): its files are final as written, so nothing is remuxed.

The reserved NAME.recording.mkv was only a name: it goes, with its marker. A camera file that holds nothing
decodable (ffmpeg never wrote a frame) is removed; the result names the first camera's file and lists the others.
On request (--mp4) each camera's `_img` track is also copied (not re-encoded) into NAME.<camera>.mp4, the file to
share: a player or a slide shows it, where a Matroska of label tracks puzzles them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from app.ffmpeg.finishing import run_finishing
from app.ffmpeg.inspect import contents, media_duration, media_info
from app.model.progress import Progress
from app.model.status import RecordingResult
from app.output import OutputPaths, base_name, private_folder, publish, unmark


def share_mp4(binary: str, video: Path) -> Path | None:
    """NAME.<camera>.mp4 beside NAME.<camera>.mkv: its `_img` track (found by its title) copied, faststart; None when
    the camera has no `_img` or the copy failed (the .mkv holds it all anyway). Never replaces a file."""
    work = private_folder(video.parent, base_name(video), "sharing")
    try:
        temporary = work / f"{video.stem}.mp4"
        command = [binary, "-hide_banner", "-nostdin", "-i", str(video), "-map", "0:m:title:_img", "-c", "copy",
                   "-metadata:s:0", "handler_name=_img", "-movflags", "+faststart", "-use_editlist", "0", "-f", "mp4",
                   str(temporary)]
        # no edit list: the last frame (its length unknown in the live .mkv) was cut by one, and every frame counts
        done = run_finishing(command, media_duration(binary, str(video)), video.stat().st_size, what=video.name)
        if done.problem or done.returncode != 0 or not temporary.exists() or not media_info(binary, str(temporary)).streams:
            return None
        return publish(temporary, video.with_suffix(".mp4"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def finish_dataset(binary: str, paths: OutputPaths, files: list[Path], last: Progress, error: str | None,
                   made_folders: list[Path], nothing: str, resized: dict[str, int], share: bool = False) -> RecordingResult:
    """Keep the cameras' files that hold frames (and their share copies); `nothing` says why when none does, and
    `resized` counts each camera's frames left out because the scene changed its screen size."""
    changed = ", ".join(f"{camera} ({n})" for camera, n in resized.items())
    if changed and not error:  # told, as the files hold fewer frames than the scene rendered
        error = (f"The scene changed its screen size while recording: frames at the new size were left out "
                 f"of {changed}; set the size in the script's first frame (or --screen-size).")
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
        return RecordingResult(None, 0.0, 0, 0, 0, 0, False, error or nothing)
    copies = {video: share_mp4(binary, video) for video in kept} if share else {}
    shared = [mp4 for mp4 in copies.values() if mp4 is not None]
    without = [video.name for video, mp4 in copies.items() if mp4 is None]  # (an MP4 may be named NAME.a-1.mp4)
    if without and not error:
        error = (f"No MP4 could be made of {', '.join(without)} (no _img frame, or the copy failed); the .mkv holds "
                 "every frame: `ffmpeg -i NAME.CAMERA.mkv -map 0:m:title:_img -c copy NAME.CAMERA.mp4` shares it.")
    found = contents(binary, str(kept[0]))
    duration, frames = (found.duration_s, found.video_frames) if found else (last.out_time_s, last.frames)
    size = sum(f.stat().st_size for f in kept + rows + shared)
    return RecordingResult(kept[0], duration, frames, last.dropped, last.duplicated, size, False,
                           error, "", more=tuple(kept[1:] + rows + shared))
