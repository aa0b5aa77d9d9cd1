"""Audio devices on Windows (DirectShow) and macOS (AVFoundation), from ffmpeg's own device listing.

There is no pactl there: `ffmpeg -f dshow -list_devices true -i dummy` (Windows) and
`ffmpeg -f avfoundation -list_devices true -i ""` (macOS, as the TDW docs say) print the devices on
stderr and exit with an error by design. These pure parsers turn that text into names usable as
`--audio` (dshow: the quoted name; avfoundation: the name, used as `none:<name>`).
"""

from __future__ import annotations

import re
import subprocess

from app.ffmpeg.commands import list_devices_command

_DSHOW_NEW = re.compile(r'\]\s+"(?P<name>[^"]+)"\s+\((?P<kind>audio|video|none)\)')  # ffmpeg >= 4.4
_DSHOW_OLD_NAME = re.compile(r'\]\s+"(?P<name>[^"]+)"\s*$')
_AVF_DEVICE = re.compile(r"\]\s+\[(?P<index>\d+)\]\s+(?P<name>.+?)\s*$")


def list_audio_devices_command(binary: str, platform: str) -> list[str]:
    """The listing command for `platform` ("win32" or "darwin"); the same line `sources` runs there."""
    if platform not in ("win32", "darwin"):
        raise ValueError(f"ffmpeg lists devices only for dshow (win32) and avfoundation (darwin), not {platform}")
    return list_devices_command(binary, platform)


def parse_dshow_audio(text: str) -> list[str]:
    """Audio device names from a dshow listing, in both the new `"name" (audio)` and the old sectioned form."""
    names: list[str] = []
    section = ""
    for line in text.splitlines():
        if "DirectShow audio devices" in line:
            section = "audio"
            continue
        if "DirectShow video devices" in line:
            section = "video"
            continue
        if "Alternative name" in line:
            continue
        new = _DSHOW_NEW.search(line)
        if new:
            if new.group("kind") == "audio":
                names.append(new.group("name"))
            continue
        old = _DSHOW_OLD_NAME.search(line)
        if old and section == "audio":
            names.append(old.group("name"))
    return names


def parse_avfoundation_audio(text: str) -> list[str]:
    """Audio device names (in index order) from an avfoundation listing."""
    names: list[str] = []
    in_audio = False
    for line in text.splitlines():
        if "AVFoundation audio devices" in line:
            in_audio = True
            continue
        if "AVFoundation video devices" in line:
            in_audio = False
            continue
        match = _AVF_DEVICE.search(line)
        if match and in_audio:
            names.append(match.group("name"))
    return names


def audio_devices(binary: str, platform: str) -> list[str]:
    """Run the listing and parse it; an empty list when ffmpeg cannot list (one sentence is up to the caller)."""
    try:
        done = subprocess.run(list_audio_devices_command(binary, platform), capture_output=True, text=True,
                              timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return []
    parse = parse_dshow_audio if platform == "win32" else parse_avfoundation_audio
    return parse(done.stderr)
