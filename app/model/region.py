"""A rectangle of the screen to record, and the text forms users type for it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.errors import RecorderError

_RECT = re.compile(r"^\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*[xX]\s*(-?\d+)\s*$")


@dataclass(frozen=True)
class Region:
    """Absolute upper-left corner and size in screen pixels."""

    x: int
    y: int
    width: int
    height: int

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"

    def __str__(self) -> str:
        return f"{self.x},{self.y},{self.width}x{self.height}"

    def fits_in(self, screen_width: int, screen_height: int) -> bool:
        return (
            self.x >= 0
            and self.y >= 0
            and self.width > 0
            and self.height > 0
            and self.x + self.width <= screen_width
            and self.y + self.height <= screen_height
        )

    def rounded_even(self) -> "Region":
        """The same region shrunk to even width and height (yuv420p needs both even)."""
        return Region(self.x, self.y, self.width - self.width % 2, self.height - self.height % 2)

    def clamped(self, screen_width: int, screen_height: int) -> "Region":
        """The part of this region that lies on the screen (for a window partly off-screen)."""
        x, y = max(self.x, 0), max(self.y, 0)
        right = min(self.x + self.width, screen_width)
        bottom = min(self.y + self.height, screen_height)
        return Region(x, y, max(right - x, 0), max(bottom - y, 0))


@dataclass(frozen=True)
class RegionSpec:
    """What the user asked for, before it is resolved against the live screen.

    kind is "rect" (region set), "screen" (whole display), "window" (query = id or title substring), "monitor"
    (query = 1-based number or RandR name of one monitor) or "tdw" (the window of the TDW build the session
    launches, found once it opens).
    """

    kind: str
    region: Region | None = None
    query: str = ""

    def __str__(self) -> str:
        if self.kind == "rect" and self.region:
            return str(self.region)
        if self.kind in ("window", "monitor"):
            return f"{self.kind}:{self.query}"
        return self.kind


def parse_region(text: str) -> RegionSpec:
    """Parse `X,Y,WxH`, `screen`, `window:<id or title>` or `monitor:<number or name>`; raise a one-line error otherwise."""
    value = (text or "").strip()
    if value.lower() in ("screen", "fullscreen", "full"):
        return RegionSpec("screen")
    if value.lower() in ("tdw", "tdw-window", "build"):
        return RegionSpec("tdw")
    if value.lower().startswith("window:"):
        query = value.split(":", 1)[1].strip()
        if not query:
            raise RecorderError("--region window: needs a window id or part of its title, e.g. window:TDW.")
        return RegionSpec("window", query=query)
    if value.lower().startswith("monitor:"):
        query = value.split(":", 1)[1].strip()
        if not query:
            raise RecorderError("--region monitor: needs a monitor number or name, e.g. monitor:2 or monitor:DP-1 "
                                "(`tdw-recorder sources` lists them).")
        if query.isdigit() and int(query) < 1:
            raise RecorderError(f"Monitor {query} does not exist: monitors are numbered from 1 (`tdw-recorder sources` lists them).")
        return RegionSpec("monitor", query=query)
    match = _RECT.match(value)
    if not match:
        raise RecorderError(
            f"Region {text!r} is not understood: use X,Y,WIDTHxHEIGHT (e.g. 100,80,1280x720), "
            "'screen', 'window:<id or title>', or 'monitor:<number or name>'."
        )
    x, y, w, h = (int(g) for g in match.groups())
    return RegionSpec("rect", region=Region(x, y, w, h))
