"""X11 discovery through the standard tools: xwininfo for geometry, xprop for the owning process."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from typing import Mapping

from app.errors import RecorderError
from app.processes import run_text
from app.screen.region import Region

_TREE_LINE = re.compile(
    r"^\s*(?P<id>0x[0-9a-fA-F]+)\s+(?:\(has no name\)|\"(?P<name>.*)\")(?::\s+\((?P<cls>[^)]*)\))?"
    r"\s+(?P<w>\d+)x(?P<h>\d+)[+-]-?\d+[+-]-?\d+\s+\+(?P<x>-?\d+)\+(?P<y>-?\d+)\s*$"
)
_ROOT_SIZE = re.compile(r"-geometry\s+(\d+)x(\d+)")
_FIELD = re.compile(r"^\s*([A-Za-z -]+):\s+(.*)$")
_PID = re.compile(r"_NET_WM_PID\(CARDINAL\)\s*=\s*(\d+)")


@dataclass(frozen=True)
class WindowInfo:
    """A top-level window as the user would pick it from a list."""

    window_id: int
    title: str
    region: Region
    wm_class: str = ""

    def describe(self) -> str:
        r = self.region
        return f"{self.window_id:#x}  {self.title!r}  {r.width}x{r.height} at {r.x},{r.y}"


class X11Display:
    """Queries one X display; `env` carries DISPLAY so tests and headless mode can point elsewhere."""

    def __init__(self, display: str | None = None, env: Mapping[str, str] | None = None) -> None:
        base = dict(env if env is not None else os.environ)
        if display:
            base["DISPLAY"] = display
        self.env = base
        self.display = base.get("DISPLAY", "")

    def _run(self, *cmd: str) -> str:
        if not self.display:
            raise RecorderError("No DISPLAY is set: run inside a desktop session, or set DISPLAY (e.g. DISPLAY=:0).")
        try:
            return run_text(cmd, env=self.env)
        except FileNotFoundError:
            raise RecorderError(f"{cmd[0]} is not installed: install x11-utils (sudo apt install x11-utils).")
        except subprocess.CalledProcessError as exc:
            detail = (exc.stderr or "").strip().splitlines()
            raise RecorderError(
                f"X display {self.display} cannot be reached ({detail[-1] if detail else 'no answer'}): "
                "check DISPLAY or start the X server."
            )
        except subprocess.TimeoutExpired:
            raise RecorderError(f"X display {self.display} does not answer: check that its X server is running.")

    def size(self) -> tuple[int, int]:
        """Width and height of the whole display (the root window)."""
        match = _ROOT_SIZE.search(self._run("xwininfo", "-root"))
        if not match:
            raise RecorderError(f"Could not read the size of display {self.display}: is it an X server?")
        return int(match.group(1)), int(match.group(2))

    def windows(self) -> list[WindowInfo]:
        """Named, visible-sized windows from `xwininfo -tree -root`, biggest first within each title."""
        return parse_tree(self._run("xwininfo", "-tree", "-root"))

    def window(self, window_id: int) -> WindowInfo:
        """Fresh absolute geometry of one window (xwininfo -id is exact; xdotool is off under openbox)."""
        try:
            text = self._run("xwininfo", "-id", hex(window_id))
        except RecorderError:
            raise RecorderError(f"Window {window_id:#x} does not exist (any more): pick another window.")
        fields = dict(m.groups() for m in map(_FIELD.match, text.splitlines()) if m)
        title_match = re.search(r'xwininfo: Window id: \S+ (?:"(.*)"|\(has no name\))', text)
        region = Region(
            int(fields["Absolute upper-left X"]), int(fields["Absolute upper-left Y"]),
            int(fields["Width"]), int(fields["Height"]),
        )
        return WindowInfo(window_id, (title_match.group(1) or "") if title_match else "", region)

    def window_pid(self, window_id: int) -> int | None:
        """The process that owns a window, from _NET_WM_PID (None when the client did not set it)."""
        try:
            match = _PID.search(self._run("xprop", "-id", hex(window_id), "_NET_WM_PID"))
        except RecorderError:
            return None
        return int(match.group(1)) if match else None

    def find_window(self, query: str) -> WindowInfo:
        """Resolve `window:<query>`: an id (0x... or decimal) or a case-insensitive title substring."""
        query = query.strip()
        if re.fullmatch(r"0x[0-9a-fA-F]+|\d+", query):
            return self.window(int(query, 0))
        needle = query.lower()
        matches = [w for w in self.windows() if needle in w.title.lower()]
        if not matches:
            raise RecorderError(
                f"No window titled like {query!r} is open: run `tdw-recorder sources` to list windows."
            )
        exact = [w for w in matches if w.title.lower() == needle]
        return self.window((exact or matches)[0].window_id)

    def windows_of_process(self, pids: set[int]) -> list[WindowInfo]:
        """Windows whose _NET_WM_PID is one of `pids` (a build and its children)."""
        return [w for w in self.windows() if self.window_pid(w.window_id) in pids]


def parse_tree(text: str) -> list[WindowInfo]:
    """Parse `xwininfo -tree -root` into windows with absolute geometry, skipping unnamed/tiny ones."""
    found: list[WindowInfo] = []
    seen: set[int] = set()
    for line in text.splitlines():
        match = _TREE_LINE.match(line)
        if not match or match.group("name") is None:
            continue
        wid = int(match.group("id"), 16)
        w, h = int(match.group("w")), int(match.group("h"))
        if wid in seen or w < 2 or h < 2:
            continue
        seen.add(wid)
        cls = (match.group("cls") or "").replace('"', "").strip()
        region = Region(int(match.group("x")), int(match.group("y")), w, h)
        found.append(WindowInfo(wid, match.group("name"), region, cls))
    return found
