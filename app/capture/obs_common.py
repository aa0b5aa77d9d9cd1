"""What the two OBS backends share: the file OBS is to write, the region, and a single report of the end.

OBS writes `<our reserved name>.mkv` (the session reserved the name empty; the placeholder is removed just
before OBS starts so it writes exactly that name), and the name OBS reports when it stops wins over ours.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Callable

from app.obs.client import ObsConnection
from app.obs.recording import ObsRecording, Watcher
from app.model.plan import RecordingPlan

log = logging.getLogger(__name__)


def free_reserved_name(reserved: Path, output: Path) -> None:
    """Remove the empty placeholder(s) the session reserved, so OBS writes exactly `output`.

    OBS itself never overwrites (OverwriteIfExists=false): if the name were taken again meanwhile, it
    would pick another, and we read the name it chose back from OBS.
    """
    for path in {reserved, output}:
        try:
            if path.exists() and path.stat().st_size == 0:
                path.unlink()
        except OSError:
            pass


def settle_output(reported: str | None, expected: Path) -> Path:
    if reported and Path(reported).exists():
        return Path(reported)
    if reported:
        log.warning("OBS reports %s, which is not on this machine; looking for %s", reported, expected)
    return expected


def display_size(env: dict[str, str]) -> tuple[int, int]:
    from app.screen.display import open_display

    return open_display(env).size()


class ObsRecorderBase:
    """State both OBS recorders keep, and `_ended_by_itself`: the session hears of the end once."""

    def __init__(self, plan: RecordingPlan, output: Path, env: dict[str, str] | None, region,
                 screen_size: Callable[[dict[str, str]], tuple[int, int]] | None) -> None:
        self.plan = plan
        self._reserved = output
        self.output = output.with_suffix(".mkv")
        self._env = dict(env if env is not None else os.environ)
        self._region = region or plan.region
        self._screen_size = screen_size or display_size
        self._connection: ObsConnection | None = None
        self._recording: ObsRecording | None = None
        self._watcher: Watcher | None = None
        self._lock = threading.Lock()
        self._ended = False
        self._on_ended: Callable[[str | None], None] = lambda _e: None

    def _ended_by_itself(self, error: str | None) -> None:
        with self._lock:
            if self._ended:
                return
            self._ended = True
        self._on_ended(error)

    def _time_up(self) -> None:
        self.stop()
        self._ended_by_itself(None)

    def pause(self) -> None:
        """OBS's own pause (PauseRecord): its file leaves the stretch out, sound and picture alike."""
        self._paused(True)

    def resume(self) -> None:
        self._paused(False)

    def _paused(self, pause: bool) -> None:
        if self._recording is None:
            from app.errors import RecorderError

            raise RecorderError("This OBS records without its WebSocket, which alone can pause it: stop and record "
                                "again, or use obs-websocket.")
        (self._recording.pause if pause else self._recording.resume)()

    def stop(self) -> None:
        raise NotImplementedError
