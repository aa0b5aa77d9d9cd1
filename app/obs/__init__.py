"""OBS Studio as a recorder: its config files, where it is installed, and its websocket (v5)."""
