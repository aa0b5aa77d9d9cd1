"""A recording written in parts (a followed window changed size, or was hidden): where the parts go, and
joining them into one file without re-encoding. Used by the ffmpeg screen route and the build's own capture."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Mapping

from app.ffmpeg.inspect import MediaInfo, media_info


def join_parts(binary: str, parts: list[Path], target: Path, env: Mapping[str, str] | None = None,
               timeout: float = 300.0) -> str | None:
    """Join same-size parts into `target` without re-encoding (ffmpeg's concat demuxer, stream copy).
    Replaces `target` (the first part) only once the joined file is complete; None, or why it failed."""
    work = parts[1].parent
    infos = {p: media_info(binary, str(p)) if p.exists() else MediaInfo((), None) for p in parts}
    # a part whose grab failed at once (the window went away again), or that was paused before its first frame,
    # holds nothing to join
    for part in parts[1:]:
        if not infos[part].streams:
            part.unlink(missing_ok=True)
    parts = [p for p in parts if infos[p].streams]
    if len(parts) <= 1:
        if parts and parts[0] != target:
            os.replace(parts[0], target)
        _remove(work)
        return None
    # fresh names, created here (a file or link already in the folder is never written through)
    fd, name = tempfile.mkstemp(prefix="parts-", suffix=".txt", dir=work)
    listing = Path(name)
    with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as out:  # a folder's own bytes, kept
        for p in parts:
            out.write("file '" + str(p).replace("'", "'\\''") + "'\n")
            length = infos[p].duration_s
            if length:  # its length from first to last packet: a part with wall-clock stamps (-copyts, audio +
                # video) says it ends decades after 1970, which the concat demuxer would take as its length
                out.write(f"duration {length:.6f}\n")
    joining = Path(tempfile.mkdtemp(prefix="joined-", dir=work))
    joined = joining / f"joined{target.suffix}"
    command = [binary, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "concat", "-safe", "0",
               "-i", str(listing), "-map", "0", "-c", "copy", str(joined)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=dict(env) if env else None,
                              start_new_session=True)  # a Ctrl+C to our terminal's process group must not cut the join
    except subprocess.TimeoutExpired:
        done = None
    finally:
        listing.unlink(missing_ok=True)
    if done is None or done.returncode != 0 or not joined.exists():
        joined.unlink(missing_ok=True)
        _remove(joining)
        if done is None:
            return f"joining the parts took over {timeout:.0f} s"
        return (done.stderr.strip().splitlines() or ["ffmpeg failed"])[-1]
    os.replace(joined, target)
    _remove(joining)
    for part in parts[1:]:
        part.unlink(missing_ok=True)
    _remove(work)
    return None


def _remove(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def parts_folder(output: Path) -> Path:
    """A private, hidden folder beside the recording for its later parts (same disk: the join is a rename).
    Its name is fresh and made here (mkdtemp: mode 0700, never an existing folder or a link)."""
    return Path(tempfile.mkdtemp(prefix=f".{output.name}.parts-", dir=output.parent))
