#!/usr/bin/env bash
# Sets up (first time only) and runs the whole test suite against real Xvfb, PulseAudio and ffmpeg.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$root/scripts/bootstrap.sh"
cd "$root"
exec "$root/.venv/bin/python" -m pytest "$@"
