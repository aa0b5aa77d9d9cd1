"""`tdw-recorder ctl`: a running recorder (the CLI's `record`, or the window) answers start, stop, pause, resume and
status over a per-user local socket. `place` finds the folder, `server` serves one recorder, `client` talks to them."""
