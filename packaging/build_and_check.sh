#!/usr/bin/env bash
# Builds the one-folder bundle (packaging/tdw-recorder.spec) and checks it on this machine, on a private Xvfb:
#   1. `tdw-recorder --version` and the CLI (`demos`)
#   2. a 2 s screen recording with the ffmpeg inside the bundle
#   3. a TDW scene (demo:moving_object, TDW's own frames) against the stand-in build: the scene process is
#      the bundle again (`-m app.scene.child`), with tdw and its model library from inside the bundle
#   4. the window: started with no arguments, found by its title "TDW Recorder" (xdotool)
#   5. `install-desktop-entry` from the bundle: the .desktop file validates and, launched like a
#      double-click (gio launch), opens the window; `--uninstall` removes it
# Usage: packaging/build_and_check.sh [OUT]  -> OUT/dist/tdw-recorder (default OUT: build/bundle)
# PYTHON picks the interpreter that builds (default .venv/bin/python): it needs `pip install -e '.[bundle]'`.
# SKIP_BUILD=1 checks an existing OUT/dist/tdw-recorder again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
out="$(mkdir -p "${1:-$root/build/bundle}" && cd "${1:-$root/build/bundle}" && pwd)"
dist="$out/dist/tdw-recorder"
bundle="$dist/tdw-recorder"
check="$out/check"
rm -rf "$check" && mkdir -p "$check/home" "$check/clips"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
step() { echo "== $*" >&2; }
fail() { echo "FAILED: $*" >&2; exit 1; }
seconds() { echo $(( $(date +%s) - $1 )); }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  step "building with PyInstaller ($("$python" -m PyInstaller --version))"
  start=$(date +%s)
  "$python" -m PyInstaller --noconfirm --log-level WARN --distpath "$out/dist" --workpath "$out/work" \
    "$root/packaging/tdw-recorder.spec" > "$check/pyinstaller.log" 2>&1 || { tail -30 "$check/pyinstaller.log" >&2; fail "PyInstaller"; }
  echo "build: $(seconds "$start") s, $(du -sh "$dist" | cut -f1)" >&2
fi
[ -x "$bundle" ] || fail "no bundle at $bundle"

# A private display with a window manager, and a private home: the bundle's first run.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset 3> "$check/display" > /dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$check/display" ] && break; sleep 0.1; done
number="$(head -1 "$check/display")"
[ -n "$number" ] || fail "Xvfb did not start"
export DISPLAY=":$number" HOME="$check/home" XDG_DATA_HOME="$check/home/data" XDG_CONFIG_HOME="$check/home/config"
export XDG_RUNTIME_DIR="$check/home/run" QT_QPA_PLATFORM=xcb
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
if command -v openbox > /dev/null; then openbox --sm-disable > /dev/null 2>&1 & pids+=($!); sleep 1; fi

step "--version and the CLI"
version="$("$bundle" --version)"
[ "$version" = "tdw-recorder $("$python" -c 'import sys; sys.path.insert(0, "'"$root"'"); from app import __version__; print(__version__)')" ] \
  || fail "--version said: $version"
"$bundle" demos | grep -q "demo:moving_object" || fail "demos"

step "a screen recording with the bundle's own ffmpeg"
ffmpeg_inside="$(find "$dist" -path '*imageio_ffmpeg/binaries/ffmpeg*' -type f | head -1)"
[ -n "$ffmpeg_inside" ] || fail "no ffmpeg inside the bundle"
"$bundle" record --region 0,0,320x240 --duration 2 --fps 15 --ffmpeg "$ffmpeg_inside" --out "$check/clips" > "$check/record.txt" \
  || fail "record: $(cat "$check/record.txt")"
grep -q "^Saved " "$check/record.txt" || fail "record printed: $(cat "$check/record.txt")"

step "a TDW scene: the scene process is the bundle (-m app.scene.child)"
STANDIN_BUILD_PYTHON="${STANDIN_BUILD_PYTHON:-$python}" "$bundle" record --scene demo:moving_object --mode video-frames \
  --build "$root/tests/support/standin_build/TDW.x86_64" --connect-timeout 30 --ffmpeg "$ffmpeg_inside" \
  --out "$check/clips" -- 20 > "$check/scene.txt" 2>&1 || fail "scene: $(tail -5 "$check/scene.txt")"
grep -q "^Saved " "$check/scene.txt" || fail "scene printed: $(tail -5 "$check/scene.txt")"

wait_for_window() {  # wait_for_window PID: the window titled exactly "TDW Recorder", within 60 s
  for _ in $(seq 600); do
    if xdotool search --name '^TDW Recorder$' > /dev/null 2>&1; then return 0; fi
    kill -0 "$1" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

step "the window (no arguments, as by double-click)"
start=$(date +%s)
"$bundle" > "$check/gui.log" 2>&1 &
gui=$!; pids+=("$gui")
wait_for_window "$gui" || fail "no window titled 'TDW Recorder' (log: $(tail -5 "$check/gui.log"))"
echo "window: $(seconds "$start") s after start" >&2
sleep 2
import -window root "$check/window.png" 2>/dev/null || true
kill -TERM "$gui"; wait "$gui" || fail "the window exited with $? after SIGTERM"

step "install-desktop-entry from the bundle, launched like a double-click"
"$bundle" install-desktop-entry
entry="$XDG_DATA_HOME/applications/io.github.tdw_recorder.TDWRecorder.desktop"
desktop-file-validate "$entry" || fail "desktop-file-validate"
grep -qx "Exec=$bundle" "$entry" || fail "Exec is not the bundle: $(grep ^Exec "$entry")"
[ -f "$XDG_DATA_HOME/icons/hicolor/256x256/apps/io.github.tdw_recorder.TDWRecorder.png" ] || fail "no icon"
if command -v gio > /dev/null; then
  gio launch "$entry"
  launched=""
  for _ in $(seq 600); do
    for wid in $(xdotool search --name '^TDW Recorder$' 2>/dev/null); do
      launched="$(xdotool getwindowpid "$wid" 2>/dev/null)" && break 2  # Qt's own helper windows have no pid
    done
    sleep 0.1
  done
  [ -n "$launched" ] || fail "gio launch did not open the window"
  [ "$(readlink -f "/proc/$launched/exe")" = "$(readlink -f "$bundle")" ] || fail "the entry started $(readlink -f "/proc/$launched/exe")"
  kill -TERM "$launched"
  while kill -0 "$launched" 2>/dev/null; do sleep 0.1; done
fi
"$bundle" install-desktop-entry --uninstall
[ ! -e "$entry" ] || fail "--uninstall left $entry"

echo "OK: $dist works ($(du -sh "$dist" | cut -f1)); screenshot: $check/window.png" >&2
