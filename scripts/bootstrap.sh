#!/usr/bin/env bash
# Installs what TDW Recorder needs on Debian/Ubuntu, from nothing, then leaves a ready .venv.
# Idempotent: a second run only checks. Sourced by run.sh and test.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

apt_packages=(
  python3-venv python3-tk
  xvfb openbox x11-utils xdotool wmctrl x11-xserver-utils
  ffmpeg pulseaudio pulseaudio-utils sox imagemagick
  obs-studio trayer
  # a real Wayland compositor with Xwayland for the Wayland-session tests (tests/screen/test_wayland.py)
  weston xwayland
  # a wlroots compositor and its screen recorder: the wf-recorder backend and its tests (tests/capture/test_wf_recorder.py)
  sway wf-recorder
  # a non-English locale for the tests that ask the sound server and X in another language
  locales
  # the desktop entry and AppStream checks (tests/test_desktop.py, tests/test_packaging.py); gio launches entries
  desktop-file-utils appstream libglib2.0-bin
  # Qt's xcb platform plugin
  libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0
  libxcb-randr0 libxcb-render-util0 libxcb-image0 libegl1 libgl1 libfontconfig1 libdbus-1-3
)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing Debian packages: ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# de_DE.UTF-8 for the locale tests (tests/test_locale.py): generated once
if ! locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$'; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo sed -i 's/^# *\(de_DE.UTF-8 UTF-8\)/\1/' /etc/locale.gen 2>/dev/null || true
  grep -q '^de_DE.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null || echo 'de_DE.UTF-8 UTF-8' | $sudo tee -a /etc/locale.gen >/dev/null
  $sudo locale-gen >/dev/null
fi

venv="$root/.venv"
stamp="$venv/.installed-$(sha1sum "$root/pyproject.toml" | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "Preparing the Python environment in .venv ..." >&2
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip >/dev/null
  "$venv/bin/python" -m pip install -q -e "$root[test]"
  touch "$stamp"
fi
