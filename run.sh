#!/usr/bin/env bash
# Sets up (first time only) and starts TDW Recorder: the window with no arguments, the CLI with them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$root/scripts/bootstrap.sh"
exec "$root/.venv/bin/python" "$root/main.py" "$@"
