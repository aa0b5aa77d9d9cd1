"""Global shortcuts on X11: passive key grabs on the root window (python-xlib), so a key press reaches us while
another window (the TDW build's) has the focus.

A grab is made for every combination of the lock modifiers (NumLock, CapsLock), or the shortcut would be dead
whenever one of them is on. A key another client grabbed first fails with BadAccess: that is reported in words
per shortcut, never left silently dead. One thread owns the connection (python-xlib is not thread-safe): it
makes the grabs it is asked for and reads the key presses, which it hands to `on_press(action)`.
"""

from __future__ import annotations

import logging
import os
import queue
import select
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future

from Xlib import X, XK
from Xlib import error as xerror
from Xlib.display import Display

from app.screen.session_type import WAYLAND, session_type
from app.screen.x11_connect import connect

log = logging.getLogger(__name__)

DEFAULTS = {"record": "Ctrl+Alt+R", "pause": "Ctrl+Alt+P"}  # record/stop, pause/resume
WAYLAND_ADVICE = ("Global shortcuts need an X11 session; on Wayland bind `tdw-recorder ctl start`, `ctl stop` and "
                  "`ctl pause` to keys in your desktop's keyboard settings (README: Global shortcuts).")
_MODIFIERS = {"ctrl": X.ControlMask, "control": X.ControlMask, "alt": X.Mod1Mask, "shift": X.ShiftMask,
              "meta": X.Mod4Mask, "super": X.Mod4Mask, "win": X.Mod4Mask}


def parse(text: str) -> tuple[int, str]:
    """"Ctrl+Alt+R" (Qt's spelling) -> (modifier mask, key name); ValueError says what is wrong."""
    parts = [p.strip() for p in text.replace(" ", "").split("+")]
    if not text.strip() or any(not p for p in parts):
        raise ValueError(f"Shortcut {text!r} is not like Ctrl+Alt+R")
    *mods, key = parts
    mask = 0
    for mod in mods:
        if mod.lower() not in _MODIFIERS:
            raise ValueError(f"Shortcut {text!r}: {mod!r} is not a modifier (Ctrl, Alt, Shift, Meta)")
        mask |= _MODIFIERS[mod.lower()]
    if not mask:
        raise ValueError(f"Shortcut {text!r} needs Ctrl, Alt or Meta, or it would take the key from every program")
    return mask, key


def _keysym(key: str) -> int:
    for name in (key, key.lower(), key.capitalize()):
        sym = XK.string_to_keysym(name)
        if sym:
            return sym
    return 0


class GlobalShortcuts:
    """Grabs shortcuts on the X display of `env` and calls `on_press(action)` when one is pressed (on its own
    thread). `bind()` answers with a problem per action (a sentence) for those that could not be grabbed."""

    def __init__(self, on_press: Callable[[str], None], env: Mapping[str, str] | None = None) -> None:
        self._on_press = on_press
        self._env = dict(env if env is not None else os.environ)
        self._display: Display | None = None
        self._grabs: dict[tuple[int, int], str] = {}  # (keycode, modifier mask) -> action
        self._locks: tuple[int, ...] = (0,)
        self._orders: queue.Queue = queue.Queue()
        self._wake_r, self._wake_w = os.pipe()
        self._thread: threading.Thread | None = None
        self._stop = False

    def unavailable(self) -> str | None:
        """Why global shortcuts cannot work here (a Wayland session without X), or None."""
        if not self._env.get("DISPLAY"):
            return WAYLAND_ADVICE if session_type(self._env) == WAYLAND else "No X display (DISPLAY) to grab keys on."
        return None

    def bind(self, shortcuts: Mapping[str, str], timeout: float = 5.0) -> dict[str, str]:
        """Replace the grabs with `shortcuts` (action -> "Ctrl+Alt+R"; "" for none); {action: problem}."""
        why = self.unavailable()
        if why:
            return {action: why for action, text in shortcuts.items() if text}
        if self._thread is None:
            try:
                self._display = connect(self._env["DISPLAY"])  # its own extension tables: two X servers in one process
            except (xerror.DisplayError, OSError) as exc:
                return {action: f"Global shortcuts are off: the X display cannot be opened ({exc})." for action in shortcuts}
            self._locks = self._lock_masks(self._display)
            self._thread = threading.Thread(target=self._run, name="global-shortcuts", daemon=True)
            self._thread.start()
        lost = {action: "Global shortcuts are off: the connection to the X display was lost." for action in shortcuts}
        if not self._thread.is_alive():
            return lost
        done: Future = Future()
        self._orders.put((dict(shortcuts), done))
        os.write(self._wake_w, b"x")
        try:
            return done.result(timeout)
        except TimeoutError:
            return lost

    def close(self) -> None:
        """Ungrab everything and close the connection; safe to call twice."""
        if self._thread is None:
            return
        self._stop = True
        os.write(self._wake_w, b"x")
        self._thread.join(3)
        self._thread = None
        for fd in (self._wake_r, self._wake_w):
            os.close(fd)

    @staticmethod
    def _lock_masks(display: Display) -> tuple[int, ...]:
        """Every combination of CapsLock and the modifier NumLock sits on (Mod2 on most keyboards)."""
        numlock, code = X.Mod2Mask, display.keysym_to_keycode(XK.XK_Num_Lock)
        for index, codes in enumerate(display.get_modifier_mapping()):
            if code and code in codes:
                numlock = 1 << index
        return (0, X.LockMask, numlock, X.LockMask | numlock)

    # -- the connection's own thread --------------------------------------------------------------------------
    def _run(self) -> None:
        display = self._display
        assert display is not None
        try:
            while not self._stop:
                while not self._orders.empty():
                    shortcuts, done = self._orders.get()
                    try:
                        done.set_result(self._grab_all(display, shortcuts))
                    except Exception as exc:  # noqa: BLE001 - the caller gets the failure, the thread goes on
                        done.set_exception(exc)
                while display.pending_events():
                    self._event(display.next_event())
                ready, _, _ = select.select([display.fileno(), self._wake_r], [], [], 30.0)  # idle: no wake-ups
                if self._wake_r in ready:
                    os.read(self._wake_r, 64)
        except (xerror.ConnectionClosedError, OSError) as exc:
            log.info("global shortcuts ended: the X connection closed (%s)", exc)
        finally:
            try:
                self._ungrab(display)
                display.close()
            except (xerror.ConnectionClosedError, OSError):
                pass

    def _event(self, event) -> None:
        if event.type != X.KeyPress:
            return
        locks = self._locks[-1]
        action = self._grabs.get((event.detail, event.state & ~locks & 0xFF))
        if action:
            log.info("global shortcut pressed: %s", action)
            self._on_press(action)

    def _ungrab(self, display: Display) -> None:
        root = display.screen().root
        for code, mask in self._grabs:
            for lock in self._locks:
                root.ungrab_key(code, mask | lock)
        self._grabs = {}
        display.sync()

    def _grab_all(self, display: Display, shortcuts: Mapping[str, str]) -> dict[str, str]:
        self._ungrab(display)
        problems: dict[str, str] = {}
        root = display.screen().root
        for action, text in shortcuts.items():
            if not text:
                continue
            try:
                mask, key = parse(text)
            except ValueError as exc:
                problems[action] = f"{exc}."
                continue
            code = display.keysym_to_keycode(_keysym(key))
            if not code:
                problems[action] = f"Shortcut {text}: this keyboard has no key {key!r}; choose another."
                continue
            if (code, mask) in self._grabs:
                problems[action] = f"Shortcut {text} is already used for {self._grabs[(code, mask)]}: choose another."
                continue
            catch = xerror.CatchError(xerror.BadAccess)
            for lock in self._locks:
                root.grab_key(code, mask | lock, True, X.GrabModeAsync, X.GrabModeAsync, onerror=catch)
            display.sync()
            if catch.get_error() is not None:
                for lock in self._locks:  # the variants that did succeed would half-work: release them
                    root.ungrab_key(code, mask | lock)
                display.sync()
                problems[action] = (f"Shortcut {text} is taken by another program (a desktop or app shortcut), so it "
                                    f"would not work: choose another in Settings, or free it there.")
                continue
            self._grabs[(code, mask)] = action
        return problems
