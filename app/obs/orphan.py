"""Finish the recording of an OBS whose recorder died: `python -m app.obs.orphan CONFIG_DIR`.

Run by the process guard (app.reaper) after a `kill -9` of the window or the CLI. OBS 29 dies at once on
SIGTERM (no handler: the frames still in its encoder and interleaving queue are lost, up to a second or more on a
busy machine) and ignores SIGINT, so the one way to a whole file is StopRecord over the websocket we gave it.
Its port and password are read from the private config we wrote for it (CONFIG_DIR/global.ini), so no secret
passes through a command line.
"""

from __future__ import annotations

import sys
from pathlib import Path

from app.errors import RecorderError
from app.obs.client import connect
from app.obs.config import read_ini
from app.obs.recording import ObsRecording

STOP_TIMEOUT = 20.0  # the muxer closes the file within a second unloaded; a swamped 2-core machine takes longer


def websocket_of(config_dir: Path) -> tuple[int, str]:
    """(port, password) of the websocket in a private OBS config we wrote (app.obs.config.global_ini)."""
    section = read_ini(config_dir / "global.ini")["OBSWebSocket"]
    return int(section["ServerPort"]), section["ServerPassword"]


def finish(config_dir: Path, timeout: float = STOP_TIMEOUT) -> None:
    """StopRecord, then wait until OBS has closed the file; raises a one-line RecorderError if it cannot."""
    port, password = websocket_of(config_dir)
    connection = connect("127.0.0.1", port, password)
    try:
        ObsRecording(connection, fps=30.0).stop(timeout)
    finally:
        connection.close()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m app.obs.orphan CONFIG_DIR", file=sys.stderr)
        return 2
    try:
        finish(Path(argv[0]))
    except (RecorderError, KeyError, ValueError, OSError) as exc:
        print(f"tdw-recorder guard: could not stop OBS's recording ({exc}); it is stopped with a signal", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
