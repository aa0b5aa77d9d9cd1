"""A Wayland compositor's outputs (its monitors), as data, and the part of them a region names.

On a Wayland desktop X11 cannot see the screen (app.screen.session_type), so a backend that records the compositor
itself (wf-recorder, through wlr-screencopy) needs the compositor's own layout. Two sources, both data, never text
meant for people:

- sway: `swaymsg -t get_outputs --raw` (JSON) over its IPC socket ($SWAYSOCK);
- any other compositor: the Wayland protocol, as wf-recorder reads it: each wl_output's xdg-output logical
  position, size and name (`interfaces` and `outputs` below speak the wire protocol over $WAYLAND_DISPLAY).

Positions and sizes are the compositor's logical layout coordinates, the ones `wf-recorder -g "X,Y WxH"` takes.
`interfaces(env)` also says whether the compositor offers wlr-screencopy (zwlr_screencopy_manager_v1), which
wlroots compositors (sway, Hyprland, river, wayfire...) do and GNOME, KDE and weston do not.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
from dataclasses import dataclass
from typing import Iterator, Mapping

from app.errors import RecorderError
from app.model.region import Region, RegionSpec
from app.processes import run_text

WLR_SCREENCOPY = "zwlr_screencopy_manager_v1"
XDG_OUTPUT_MANAGER = "zxdg_output_manager_v1"
TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Output:
    """One output of the compositor, in its logical layout coordinates."""

    name: str  # e.g. "DP-1", "HEADLESS-1": what `wf-recorder -o` takes
    x: int
    y: int
    width: int
    height: int
    description: str = ""

    @property
    def region(self) -> Region:
        return Region(self.x, self.y, self.width, self.height)

    def contains(self, region: Region) -> bool:
        return (self.x <= region.x and self.y <= region.y and region.x + region.width <= self.x + self.width
                and region.y + region.height <= self.y + self.height)

    def __str__(self) -> str:
        return f"{self.name}, {self.width}x{self.height}+{self.x}+{self.y}"


def socket_path(env: Mapping[str, str]) -> str:
    """Where the compositor listens: $WAYLAND_DISPLAY (a name in $XDG_RUNTIME_DIR, or a full path), as libwayland."""
    name = env.get("WAYLAND_DISPLAY", "").strip() or "wayland-0"
    return name if name.startswith("/") else os.path.join(env.get("XDG_RUNTIME_DIR", ""), name)


# -- the Wayland wire protocol: just enough to list globals and read xdg-output -------------------------------
def _string(text: str) -> bytes:
    data = text.encode() + b"\0"
    return struct.pack("=I", len(data)) + data + b"\0" * (-len(data) % 4)


def _read_string(payload: bytes, at: int) -> tuple[str, int]:
    (length,) = struct.unpack_from("=I", payload, at)
    text = payload[at + 4:at + 4 + length - 1].decode(errors="replace")
    return text, at + 4 + length + (-length % 4)


class _Client:
    """One connection; object 1 is wl_display. Ids are handed out in order, as the server requires."""

    def __init__(self, path: str) -> None:
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(TIMEOUT_S)
        self._sock.connect(path)
        self._buffer = b""
        self._next = 2

    def close(self) -> None:
        self._sock.close()

    def new_id(self) -> int:
        self._next += 1
        return self._next - 1

    def send(self, obj: int, opcode: int, payload: bytes) -> None:
        self._sock.sendall(struct.pack("=II", obj, (8 + len(payload)) << 16 | opcode) + payload)

    def roundtrip(self) -> Iterator[tuple[int, int, bytes]]:
        """The events the compositor sends until it has handled everything asked so far (wl_display.sync)."""
        callback = self.new_id()
        self.send(1, 0, struct.pack("=I", callback))
        while True:
            while len(self._buffer) < 8 or len(self._buffer) < struct.unpack_from("=I", self._buffer, 4)[0] >> 16:
                chunk = self._sock.recv(65536)
                if not chunk:
                    raise OSError("the compositor closed the connection")
                self._buffer += chunk
            obj, word = struct.unpack_from("=II", self._buffer)
            size, opcode = word >> 16, word & 0xFFFF
            payload, self._buffer = self._buffer[8:size], self._buffer[size:]
            if obj == 1 and opcode == 0:  # wl_display.error
                raise OSError(f"protocol error: {_read_string(payload, 8)[0]}")
            if obj == callback:
                return
            yield obj, opcode, payload


def _globals(client: _Client) -> list[tuple[int, str, int]]:
    registry = client.new_id()
    client.send(1, 1, struct.pack("=I", registry))  # wl_display.get_registry
    found = []
    for obj, opcode, payload in client.roundtrip():
        if obj == registry and opcode == 0:  # wl_registry.global(name, interface, version)
            (name,) = struct.unpack_from("=I", payload)
            interface, at = _read_string(payload, 4)
            found.append((name, interface, struct.unpack_from("=I", payload, at)[0]))
    return found


def _bind(client: _Client, name: int, interface: str, version: int) -> int:
    new = client.new_id()
    client.send(2, 0, struct.pack("=I", name) + _string(interface) + struct.pack("=II", version, new))
    return new


def _connect(env: Mapping[str, str]) -> _Client:
    path = socket_path(env)
    try:
        return _Client(path)
    except OSError as exc:
        raise RecorderError(f"The Wayland compositor at {path} cannot be reached ({exc.strerror or exc}): "
                            "run this in the Wayland session (WAYLAND_DISPLAY set).")


def interfaces(env: Mapping[str, str]) -> set[str]:
    """The global interfaces the compositor offers (e.g. WLR_SCREENCOPY)."""
    client = _connect(env)
    try:
        return {interface for _, interface, _ in _globals(client)}
    except OSError as exc:
        raise RecorderError(f"The Wayland compositor at {socket_path(env)} did not answer ({exc}): check that it runs.")
    finally:
        client.close()


def _protocol_outputs(env: Mapping[str, str]) -> list[Output]:
    client = _connect(env)
    try:
        found = _globals(client)
        manager = next(((n, min(v, 2)) for n, i, v in found if i == XDG_OUTPUT_MANAGER), None)
        if manager is None:
            raise RecorderError("This Wayland compositor does not tell its outputs' layout (no xdg-output): "
                                "record it with a wlroots compositor (sway, Hyprland, river).")
        manager_id = _bind(client, manager[0], XDG_OUTPUT_MANAGER, manager[1])
        xdg: dict[int, dict] = {}
        for name, interface, _ in found:
            if interface == "wl_output":
                output = _bind(client, name, "wl_output", 1)
                xdg_id = client.new_id()
                client.send(manager_id, 1, struct.pack("=II", xdg_id, output))  # get_xdg_output(id, output)
                xdg[xdg_id] = {"name": f"output-{len(xdg) + 1}", "description": ""}
        for obj, opcode, payload in client.roundtrip():
            if obj in xdg and opcode in (0, 1):  # logical_position(x, y), logical_size(w, h)
                keys = ("x", "y") if opcode == 0 else ("width", "height")
                xdg[obj].update(zip(keys, struct.unpack_from("=ii", payload)))
            elif obj in xdg and opcode in (3, 4):  # name, description (version 2)
                xdg[obj]["name" if opcode == 3 else "description"] = _read_string(payload, 0)[0]
        return [Output(**fields) for fields in xdg.values() if {"x", "width"} <= fields.keys()]
    except OSError as exc:
        raise RecorderError(f"The Wayland compositor at {socket_path(env)} did not answer ({exc}): check that it runs.")
    finally:
        client.close()


# -- sway's own answer ------------------------------------------------------------------------------------------
def parse_sway_outputs(text: str) -> list[Output]:
    """The active outputs of `swaymsg -t get_outputs --raw`, in sway's order."""
    return [Output(o["name"], o["rect"]["x"], o["rect"]["y"], o["rect"]["width"], o["rect"]["height"],
                   " ".join(filter(None, (o.get("make"), o.get("model")))))
            for o in json.loads(text) if o.get("active", True) and o.get("rect")]


def outputs(env: Mapping[str, str] | None = None) -> list[Output]:
    """The compositor's active outputs: sway's IPC when $SWAYSOCK names it, else the Wayland protocol."""
    env = env if env is not None else os.environ
    swaymsg = shutil.which("swaymsg", path=env.get("PATH"))
    if env.get("SWAYSOCK") and swaymsg:
        try:
            return parse_sway_outputs(run_text([swaymsg, "-t", "get_outputs", "--raw"], env=env, timeout=TIMEOUT_S))
        except (OSError, subprocess.SubprocessError, ValueError, KeyError, TypeError):
            pass  # a stale SWAYSOCK (e.g. inherited from another session): ask the compositor itself
    return _protocol_outputs(env)


# -- the region ------------------------------------------------------------------------------------------------
def listing(found: list[Output]) -> str:
    return ", ".join(f"{n} ({o})" for n, o in enumerate(found, 1)) or "none"


def find_output(query: str, found: list[Output]) -> Output:
    """`monitor:<query>`: a 1-based number in the compositor's order, else a name (exact, then ignoring case)."""
    query = query.strip()
    if query.isdigit() and 1 <= int(query) <= len(found):
        return found[int(query) - 1]
    for same in (lambda name: name == query, lambda name: name.lower() == query.lower()):
        for output in found:
            if same(output.name):
                return output
    what = f"Output {query}" if query.isdigit() else f"Output {query!r}"
    raise RecorderError(f"{what} does not exist: use monitor:<number or name> of {listing(found)}.")


def resolve(spec: RegionSpec, found: list[Output], round_odd: bool = False) -> tuple[Region, Output]:
    """The rectangle `spec` names on these outputs, and the one output it lies in (wf-recorder records one).
    Whole outputs are rounded to even sides (yuv420p), a typed rectangle only when `round_odd`."""
    if not found:
        raise RecorderError("The Wayland compositor has no active output: turn a monitor on, then record again.")
    if spec.kind == "screen":
        if len(found) > 1:
            raise RecorderError(f"This Wayland desktop has {len(found)} outputs and wf-recorder records one: "
                                f"choose --region monitor:<number or name> of {listing(found)}.")
        return found[0].region.rounded_even(), found[0]
    if spec.kind == "monitor":
        output = find_output(spec.query, found)
        return output.region.rounded_even(), output
    if spec.kind == "rect" and spec.region is not None:
        region = spec.region.rounded_even() if round_odd else spec.region
        inside = next((o for o in found if o.contains(region)), None)
        if inside is None:
            raise RecorderError(f"Region {region} does not lie inside one output, and wf-recorder records within one: "
                                f"move or shrink it ({listing(found)}).")
        return region, inside
    raise RecorderError(f"A {spec.kind} region cannot be recorded from the Wayland compositor: record the screen, "
                        "a monitor or a rectangle.")

