"""X11 discovery through the X protocol (python-xlib): windows, their owners and monitors as data.

xwininfo/xprop printed text to parse, one process per question (one more per window to find a build's
window, five times a second). One X11Display keeps one connection, opened on first use and closed by
close() (or `with`); a connection the server dropped is reopened on the next call. python-xlib waits for
each reply, so the queries ask only about top-level windows (see _top_levels), not every window.
"""

from __future__ import annotations

import os
import re
import select
import struct
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import groupby
from typing import Any, TypeVar

from Xlib import X, Xatom
from Xlib import error as xerror
from Xlib.display import Display

from app.errors import RecorderError
from app.screen.x11_connect import connect  # re-exported: callers and tests open connections through this module
from app.model.region import Region

T = TypeVar("T")
_GONE = (xerror.XError, struct.error)  # a window closed mid-query, or an id no window can have


@dataclass(frozen=True)
class WindowInfo:
    """A top-level window as the user would pick it from a list."""

    window_id: int
    title: str
    region: Region
    wm_class: str = ""
    viewable: bool = True  # mapped and shown (False: minimised or hidden); asked by window() only

    def describe(self) -> str:
        r = self.region
        return f"{self.window_id:#x}  {self.title!r}  {r.width}x{r.height} at {r.x},{r.y}"


@dataclass(frozen=True)
class Monitor:
    """One monitor of the desktop as RandR 1.5 reports it (a screen of a multi-monitor desk)."""

    name: str
    x: int
    y: int
    width: int
    height: int
    primary: bool = False

    @property
    def region(self) -> Region:
        return Region(self.x, self.y, self.width, self.height)


class X11Display:
    """Queries one X display; `env` carries DISPLAY so tests and headless mode can point elsewhere."""

    kind = "x11"  # app.screen.display: the display-server kind (Xwayland too)

    def __init__(self, display: str | None = None, env: Mapping[str, str] | None = None) -> None:
        base = dict(env if env is not None else os.environ)
        if display:
            base["DISPLAY"] = display
        self.env = base
        self.display = base.get("DISPLAY", "")
        self._conn: Display | None = None
        self._lock = threading.RLock()  # python-xlib's Display is not thread-safe by default
        self._watched: set[int] = set()  # windows whose structure events this connection receives

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.close()
                except (xerror.ConnectionClosedError, OSError):
                    pass
                self._conn = None
                self._watched.clear()

    def __enter__(self) -> "X11Display":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: nothing left to tidy
            pass

    @contextmanager
    def _x(self) -> Iterator[Display]:
        with self._lock:
            if not self.display:
                raise RecorderError("No DISPLAY is set: run inside a desktop session, or set DISPLAY (e.g. DISPLAY=:0).")
            if self._conn is None:
                try:
                    self._conn = connect(self.display)
                except (xerror.DisplayError, OSError) as exc:
                    raise RecorderError(
                        f"X display {self.display} cannot be reached ({exc}): check DISPLAY or start the X server."
                    ) from None
            try:
                yield self._conn
            except (xerror.ConnectionClosedError, OSError):
                self.close()
                raise RecorderError(
                    f"X display {self.display} cannot be reached (it closed the connection): "
                    "check DISPLAY or start the X server."
                ) from None

    def size(self) -> tuple[int, int]:
        """Width and height of the whole display (the root window, asked now: xrandr may have resized it)."""
        with self._x() as conn:
            geometry = conn.screen().root.get_geometry()
            return geometry.width, geometry.height

    def windows(self) -> list[WindowInfo]:
        """Named, visible-sized top-level windows with absolute geometry (managed ones bottom to top first)."""
        with self._x() as conn:
            found = (self._info(conn, window, title) for window in _top_levels(conn)
                     if (title := _or_none(_title, conn, window)) is not None)
            return [w for w in found if w is not None]

    def window(self, window_id: int) -> WindowInfo:
        """Fresh absolute geometry of one window."""
        with self._x() as conn:
            try:
                window = conn.create_resource_object("window", window_id)
                info = self._info(conn, window, _title(conn, window) or "", min_side=0)
                shown = window.get_attributes().map_state == X.IsViewable if info is not None else True
            except _GONE:
                info = None
            if info is None:
                raise RecorderError(f"Window {window_id:#x} does not exist (any more): pick another window.")
            return replace(info, viewable=shown)

    def wait_for_window_change(self, window_id: int, timeout: float, wake: int | None = None) -> bool:
        """Block until the X server says the window changed (size, place, shown, hidden, gone), `timeout` passes or
        the file descriptor `wake` becomes readable (the caller is stopping); True when the window changed.
        Nothing is asked of the server while waiting: following a window costs no CPU while it stays as it is
        (asking its size 20 times a second cost the window about 1 % of a core)."""
        with self._x() as conn:
            if window_id not in self._watched:
                gone = xerror.CatchError(xerror.BadWindow)
                conn.create_resource_object("window", window_id).change_attributes(
                    event_mask=X.StructureNotifyMask, onerror=gone)
                conn.sync()
                if gone.get_error() is not None:
                    return True  # the caller's next question says it is gone
                self._watched.add(window_id)
            changed = self._drain(conn, window_id)
            if not changed:
                ready = select.select([conn.fileno(), *([wake] if wake is not None else [])], [], [], max(timeout, 0.0))[0]
                changed = conn.fileno() in ready and self._drain(conn, window_id)
            return changed

    @staticmethod
    def _drain(conn: Display, window_id: int) -> bool:
        changed = False
        for _ in range(conn.pending_events()):
            event = conn.next_event()
            changed = changed or getattr(event, "window", None) is not None and event.window.id == window_id
        return changed

    def window_pid(self, window_id: int) -> int | None:
        """The process that owns a window, from _NET_WM_PID (None when the client did not set it)."""
        with self._x() as conn:
            try:
                return _pid(conn, conn.create_resource_object("window", window_id))
            except _GONE:
                return None

    def find_window(self, query: str) -> WindowInfo:
        """Resolve `window:<query>`: an id (0x... or decimal) or a case-insensitive title substring."""
        query = query.strip()
        if re.fullmatch(r"0x[0-9a-fA-F]+|\d+", query):
            return self.window(int(query, 0))
        needles = {text.lower() for text in typed_texts(query)}
        matches = [w for w in self.windows() if any(needle in w.title.lower() for needle in needles)]
        if not matches:
            raise RecorderError(
                f"No window titled like {query!r} is open: run `tdw-recorder sources` to list windows."
            )
        exact = [w for w in matches if w.title.lower() in needles]
        return self.window((exact or matches)[0].window_id)

    def windows_of_process(self, pids: set[int]) -> list[WindowInfo]:
        """Windows whose _NET_WM_PID is one of `pids` (a build and its children), over this one connection."""
        with self._x() as conn:
            found = (self._info(conn, window, _or_none(_title, conn, window) or "") for window in _top_levels(conn)
                     if _or_none(_pid, conn, window) in pids)
            return [w for w in found if w is not None]

    def monitors(self) -> list[Monitor]:
        """The desktop's monitors (RandR 1.5); the whole screen as one when the server cannot tell."""
        with self._x() as conn:
            root = conn.screen().root
            found: list[Monitor] = []
            try:
                if conn.has_extension("RANDR"):
                    conn.xrandr_query_version()
                    found = [Monitor(conn.get_atom_name(m.name), m.x, m.y, m.width_in_pixels, m.height_in_pixels,
                                     bool(m.primary)) for m in root.xrandr_get_monitors(is_active=True).monitors]
            except xerror.XError:  # RandR older than 1.5
                found = []
            if found:
                return found
            geometry = root.get_geometry()
            return [Monitor("screen", 0, 0, geometry.width, geometry.height, True)]

    @staticmethod
    def _info(conn: Display, window: Any, title: str, min_side: int = 2) -> WindowInfo | None:
        """Absolute geometry (translated to the root: a window manager reparents clients into frames)."""
        try:
            geometry = window.get_geometry()
            origin = conn.screen().root.translate_coords(window, 0, 0)
            wm_class = window.get_wm_class()
        except _GONE:
            return None
        if geometry.width < min_side or geometry.height < min_side:
            return None
        return WindowInfo(window.id, title, Region(origin.x, origin.y, geometry.width, geometry.height),
                          " ".join(wm_class or ()))


def _top_levels(conn: Display) -> Iterator[Any]:
    """The windows a user would pick: the window manager's clients (EWMH lists them, bottom to top) and the
    root's other children (unmanaged windows). Without such a window manager: every window of the tree,
    as `xwininfo -tree` listed them. A few requests per poll instead of a few per frame part (openbox
    draws each frame from dozens of windows)."""
    root = conn.screen().root
    clients = _window_list(conn, root, "_NET_CLIENT_LIST_STACKING")
    if clients is None:
        clients = _window_list(conn, root, "_NET_CLIENT_LIST")
    if clients is None:
        yield from _tree(root)
        return
    seen: set[int] = set()
    for window in [*clients, *_children(root)]:
        if window.id not in seen:
            seen.add(window.id)
            yield window


def _window_list(conn: Display, root: Any, name: str) -> list[Any] | None:
    prop = root.get_full_property(conn.get_atom(name), Xatom.WINDOW)
    if prop is None or prop.format != 32:
        return None
    return [conn.create_resource_object("window", wid) for wid in prop.value]


def _children(window: Any) -> list[Any]:
    try:
        return list(window.query_tree().children)
    except _GONE:  # closed since its parent was listed
        return []


def _tree(parent: Any) -> Iterator[Any]:
    """Every window below `parent`, depth first in stacking order."""
    for child in _children(parent):
        yield child
        yield from _tree(child)


def typed_texts(query: str) -> list[str]:
    """What a typed title may mean: as typed, and, when its bytes are not UTF-8 (a Latin-1 terminal: argv reaches
    Python with os.fsdecode's surrogates), the same bytes as Latin-1, the fallback titles are decoded with."""
    try:
        query.encode("utf-8")
        return [query]
    except UnicodeEncodeError:
        return [query, os.fsencode(query).decode("latin-1")]


def _title(conn: Display, window: Any) -> str | None:
    """_NET_WM_NAME (UTF-8), else WM_NAME in its own type: STRING is Latin-1 (ICCCM), COMPOUND_TEXT is ISO 2022
    (see decode_compound_text), UTF8_STRING is UTF-8, anything else UTF-8 if it decodes, else Latin-1. A byte that
    does not decode becomes U+FFFD: a title never raises, and is never dropped for its bytes."""
    prop = window.get_full_property(conn.get_atom("_NET_WM_NAME"), X.AnyPropertyType)
    if prop is None or prop.format != 8:
        prop = window.get_full_property(Xatom.WM_NAME, X.AnyPropertyType)
    if prop is None or prop.format != 8:
        return None
    value = prop.value if isinstance(prop.value, bytes) else bytes(prop.value)
    if prop.property_type == Xatom.STRING:
        return value.decode("latin-1")
    if prop.property_type == conn.get_atom("COMPOUND_TEXT"):
        return decode_compound_text(value)
    if prop.property_type != conn.get_atom("UTF8_STRING"):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.decode("latin-1")
    return value.decode("utf-8", errors="replace")


# COMPOUND_TEXT (X Consortium, "Compound Text Encoding"): ISO 2022 with ASCII in GL and Latin-1's upper half in GR
# at the start; escape sequences switch a half to another charset. What Xlib's XmbTextListToTextProperty writes.
_CT_96 = {"A": "latin-1", "B": "iso8859-2", "C": "iso8859-3", "D": "iso8859-4", "F": "iso8859-7", "G": "iso8859-6",
          "H": "iso8859-8", "L": "iso8859-5", "M": "iso8859-9", "b": "iso8859-15"}  # ESC - F: 96-charsets into GR
_CT_94x94 = {"A": "euc-cn", "B": "euc-jp", "C": "euc-kr"}  # ESC $ ( F / ESC $ ) F: GB 2312, JIS X 0208, KS C 5601
_CT_ESCAPE = re.compile(rb"\x1b(%G|%@|%/[0-4]..|[()-].|\$[()]?.)", re.DOTALL)


def decode_compound_text(data: bytes) -> str:
    """COMPOUND_TEXT as text: the Latin and CJK charsets it names, UTF-8 segments (ESC % G ... ESC % @) and
    extended segments that name their encoding (ESC % / n M L name STX ...); what is not known becomes U+FFFD."""
    out: list[str] = []
    gl, gr = "ascii", "latin-1"  # "=codec": a two-byte charset, decoded as that EUC codec
    pos = 0
    while pos < len(data):
        match = _CT_ESCAPE.match(data, pos) if data[pos] == 0x1B else None
        if match is None:
            end = data.find(b"\x1b", pos + 1)
            end = len(data) if end < 0 else end
            for high, run in groupby(data[pos:end], key=lambda byte: byte >= 0x80):
                charset, chunk = gr if high else gl, bytes(run)
                chunk = bytes(byte | 0x80 for byte in chunk) if charset.startswith("=") else chunk
                out.append(_decode(chunk, charset.lstrip("=")))
            pos = end
            continue
        code, pos = match.group(1).decode("latin-1"), match.end()
        if code == "%G":  # UTF-8 up to ESC % @
            end = data.find(b"\x1b%@", pos)
            end = len(data) if end < 0 else end
            out.append(data[pos:end].decode("utf-8", errors="replace"))
            pos = end + 3
        elif code.startswith("%/"):  # an extended segment: its length (M L), then its encoding's name, STX, the text
            length = max((data[match.start() + 4] - 128) * 128 + data[match.start() + 5] - 128, 0)
            name, _, text = data[pos:pos + length].partition(b"\x02")
            out.append(_decode(text, name.decode("latin-1").lower().removesuffix("-0")))
            pos += length
        elif code[0] == "$":
            half, final = (code[1], code[2]) if len(code) == 3 else ("(", code[1])
            charset = "=" + _CT_94x94[final] if final in _CT_94x94 else ""
            gl, gr = (charset, gr) if half == "(" else (gl, charset)
        elif code[0] == "(":
            gl = "ascii" if code[1] in "BJ" else ""
        elif code[0] in ")-":
            gr = _CT_96.get(code[1], "") if code[0] == "-" else ""
    return "".join(out)


def _decode(data: bytes, charset: str) -> str:
    """Bytes in a charset Python may know; U+FFFD for each byte of one it does not (or of none)."""
    try:
        return data.decode(charset, errors="replace") if charset else "\ufffd" * len(data)
    except LookupError:
        return "\ufffd" * len(data)


def _pid(conn: Display, window: Any) -> int | None:
    prop = window.get_full_property(conn.get_atom("_NET_WM_PID"), Xatom.CARDINAL)
    return int(prop.value[0]) if prop is not None and prop.format == 32 and len(prop.value) else None


def _or_none(read: Callable[[Display, Any], T | None], conn: Display, window: Any) -> T | None:
    """A property of a window that may have closed meanwhile (then None, and the window is skipped)."""
    try:
        return read(conn, window)
    except _GONE:
        return None
