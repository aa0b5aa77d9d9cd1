#!/usr/bin/env bash
# Sets up (first time only) and runs the whole test suite against real Xvfb, PulseAudio and ffmpeg.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$root/scripts/bootstrap.sh"
cd "$root"
# One pytest worker per core, up to 4 (each has its own Xvfb and PulseAudio; a test file stays on one worker, so a
# module's servers are started once). TEST_WORKERS=0 runs everything in this one process.
cores="$(nproc)"
workers="${TEST_WORKERS:-$((cores < 4 ? cores : 4))}"
exec "$root/.venv/bin/python" -m pytest -n "$workers" --dist loadfile "$@"
