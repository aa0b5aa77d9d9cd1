"""One python-xlib connection per X server, safe beside connections to other X servers in the same process."""

from __future__ import annotations

from Xlib import error as xerror
from Xlib.display import Display
from Xlib.protocol import event as xevent


class _OwnTables(Display):
    """A python-xlib connection with its own extension tables, so one process can talk to two X servers.

    python-xlib 0.33 keeps the extensions' major opcodes and its event and error classes by code in class
    attributes of Xlib.protocol.display.Display (extension_major_opcodes, event_classes, error_classes), which
    every connection writes into as it initialises the extensions its server announces (Xlib.ext.*.init ->
    set_extension_major, extension_add_event, extension_add_subevent). Two servers number their extensions
    differently: Xvfb has SECURITY and MIT-SCREEN-SAVER, Xwayland has not, so its RANDR events start at 88, not
    89. After an Xvfb, Xwayland's RANDR puts its ScreenChangeNotify class at 88 and then files RRNotify's
    sub-events into a dict at 89, where Xvfb's ScreenChangeNotify class sits: "TypeError: 'type' object does not
    support item assignment" (the other way round, RANDR's RRNotify lands on Xwayland's DamageNotify at 90).
    Had the codes not collided, the first connection would still send RandR requests with the second server's
    opcode (139 instead of 140).

    Display.__init__ connects, then calls list_extensions() and only then initialises the extensions: the one
    moment to give this connection tables of its own, fresh copies of the library's defaults (Xlib.protocol.event
    .event_class, Xlib.error.xerror_class, no opcodes), which the extensions then fill and only this connection
    reads (self.event_classes, ...). The order in which servers are opened no longer matters, and the class
    attributes (what plain Display connections share) are left alone. No library file is changed."""

    def list_extensions(self) -> list[str]:
        base = self.display  # the protocol-level connection, already connected
        if "event_classes" not in vars(base):  # not yet its own (list_extensions() is public: maybe asked again)
            base.extension_major_opcodes = {}
            base.event_classes = xevent.event_class.copy()
            base.error_classes = xerror.xerror_class.copy()
        return super().list_extensions()


def connect(name: str) -> Display:
    """A python-xlib Display for `name` that can live beside connections to other X servers (see _OwnTables).
    Raises what Display does (DisplayError, OSError, ...)."""
    return _OwnTables(name)
