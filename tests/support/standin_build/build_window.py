"""The build's X11 window: titled "TDW" like the Unity player, sized to the screen size, and
repainted every frame from the same rectangles as the `_img` pass. Tk does not set
_NET_WM_PID, which is how a recorder finds a process's window, so we set it through Xlib.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
from typing import Callable, List, Optional

from frame_picture import Rect

TITLE = "TDW"


def set_net_wm_pid(window_id: int, pid: int) -> bool:
    """Set _NET_WM_PID on the Tk wrapper window (the parent of the toplevel's own window)."""
    name = ctypes.util.find_library("X11")
    if name is None:
        return False
    xlib = ctypes.CDLL(name)
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XInternAtom.restype = ctypes.c_ulong
    xlib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    xlib.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
                                ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_void_p),
                                ctypes.POINTER(ctypes.c_uint)]
    xlib.XChangeProperty.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                                     ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
    xlib.XFree.argtypes = [ctypes.c_void_p]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = xlib.XOpenDisplay(None)
    if not display:
        return False
    try:
        root, parent, children, count = ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_void_p(), ctypes.c_uint()
        if xlib.XQueryTree(display, window_id, ctypes.byref(root), ctypes.byref(parent),
                           ctypes.byref(children), ctypes.byref(count)):
            if children:
                xlib.XFree(children)
        targets = {window_id} | ({parent.value} if parent.value and parent.value != root.value else set())
        atom = xlib.XInternAtom(display, b"_NET_WM_PID", 0)
        value = ctypes.c_ulong(pid)  # format-32 properties are passed as C longs
        for target in targets:
            xlib.XChangeProperty(display, target, atom, 6, 32, 0, ctypes.byref(value), 1)  # XA_CARDINAL, Replace
        return True
    finally:
        xlib.XCloseDisplay(display)


class BuildWindow:
    """A Tk window that shows the current frame's rectangles."""

    def __init__(self, width: int, height: int, on_close: Callable[[], None]) -> None:
        import tkinter  # imported here so a headless build never needs Tk

        self._tk = tkinter.Tk(className="tdw")
        self._tk.title(TITLE)
        self._tk.resizable(False, False)
        self._tk.protocol("WM_DELETE_WINDOW", on_close)
        self._canvas = tkinter.Canvas(self._tk, width=width, height=height, highlightthickness=0,
                                      borderwidth=0, background="black")
        self._canvas.pack()
        self.width, self.height = width, height
        self._tk.geometry(f"{width}x{height}")
        self._tk.update()
        self.pid_set = set_net_wm_pid(self._tk.winfo_id(), os.getpid())

    def resize(self, width: int, height: int) -> None:
        """Follow `set_screen_size`."""
        if (width, height) != (self.width, self.height):
            self.width, self.height = width, height
            self._canvas.configure(width=width, height=height)
            self._tk.geometry(f"{width}x{height}")

    def show(self, rects: List[Rect]) -> None:
        """Replace the picture and let X see it now."""
        self._canvas.delete("all")
        for x0, y0, x1, y1, color in rects:
            self._canvas.create_rectangle(x0, y0, x1, y1, fill="#%02x%02x%02x" % color, outline="")
        self.pump()

    def pump(self) -> None:
        """Handle pending X events (expose, WM messages) while the build waits for commands."""
        self._tk.update()

    def close(self) -> None:
        try:
            self._tk.destroy()
        except Exception:  # already gone with the X server
            pass


def open_window(width: int, height: int, on_close: Callable[[], None],
                log: Callable[[str], None]) -> Optional[BuildWindow]:
    """A window when there is a display, else None (like a -batchmode build)."""
    if not os.environ.get("DISPLAY"):
        log("No DISPLAY: running without a window.")
        return None
    try:
        window = BuildWindow(width, height, on_close)
    except Exception as error:  # no Tk, or the X server refused us
        log(f"Could not open a window ({error}): running without one.")
        return None
    log(f"Window '{TITLE}' {width}x{height}; _NET_WM_PID set: {window.pid_set}")
    return window
