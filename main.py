#!/usr/bin/env python3
"""Double-click entry: starts the TDW Recorder window; with arguments, runs the CLI."""

import sys

from app.entry import gui_main, main

if __name__ == "__main__":
    sys.exit(main() if len(sys.argv) > 1 else gui_main([]))
