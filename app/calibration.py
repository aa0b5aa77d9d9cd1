"""The saved A/V calibration (sync.json in app.paths.config_dir()) and the one rule for the offset recordings apply.

`sync-check --save` writes the measured offset (audio onset minus picture onset, positive = sound
late); every later recording of a picture with sound (the screen or TDW's frames) shifts its audio input by
minus that much (-itsoffset), unless the settings carry their own `audio_offset`. A file that cannot be read counts as "not calibrated":
a broken calibration must never stop a recording.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Mapping

from app.model.settings import CaptureSettings
from app.paths import config_file

log = logging.getLogger(__name__)

MAX_OFFSET_MS = 2000.0  # anything larger is a broken measurement, not a latency


def config_path() -> Path:
    """sync.json in the config folder (app.paths: ~/.config/tdw-recorder on Linux, as before); a file that an
    earlier version wrote to $XDG_CONFIG_HOME or ~/.config on every OS is still read when the platform's has none."""
    earlier = Path(os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")) / "tdw-recorder"
    return config_file("sync.json", earlier)


def load_offset_ms(path: Path | None = None) -> float | None:
    """The saved offset in ms (audio minus picture), or None when there is no usable calibration."""
    path = path or config_path()
    try:
        value = float(json.loads(path.read_text())["offset_ms"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring the A/V calibration in %s: %s", path, exc)
        return None
    return value if abs(value) <= MAX_OFFSET_MS else None


def save_offset_ms(offset_ms: float, details: Mapping[str, Any] | None = None, path: Path | None = None) -> Path:
    """Write the calibration atomically (a half-written file would silently be ignored later)."""
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"offset_ms": round(float(offset_ms), 1), "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S"), **(details or {})}
    temp = path.with_suffix(".json.tmp")
    temp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(temp, path)
    return path


def records_picture_and_sound(settings: CaptureSettings) -> bool:
    """Both a picture and a sound on one timeline: the screen with sound, or TDW's frames with sound."""
    return settings.wants_video and settings.wants_audio


def audio_offset_s(settings: CaptureSettings, path: Path | None = None) -> float:
    """The one A/V-offset rule: seconds added to the sound's timestamps on every route that records both
    (0 otherwise): the settings' own offset, else minus the saved calibration."""
    if not records_picture_and_sound(settings):
        return 0.0
    if settings.audio_offset is not None:
        return float(settings.audio_offset)
    saved = load_offset_ms(path)
    return -saved / 1000.0 if saved else 0.0


def corrected_offset_ms(settings: CaptureSettings, path: Path | None = None) -> float | None:
    """The offset a recording was corrected for, as sync-check reports it (+ = sound late); None without both A and V
    or without a calibration (for the batch manifest)."""
    if not records_picture_and_sound(settings):
        return None
    if settings.audio_offset is None and load_offset_ms(path) is None:
        return None
    return round(-audio_offset_s(settings, path) * 1000.0, 1)
