"""Remember every choice across restarts in QSettings (the platform's usual place for app settings).

The capture settings are stored as the engine's own dict (`CaptureSettings.to_dict()`, as JSON), so the
GUI, the CLI and batch jobs share one format; a few window-only choices sit beside it under `ui/`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QSettings

from app.model.settings import CaptureSettings

log = logging.getLogger(__name__)

ORGANIZATION = APPLICATION = "TDW Recorder"


@dataclass
class WindowChoices:
    """Choices the engine does not know about."""

    countdown: int = 0
    audio_source: str = "default"  # the source of the screen modes (audio + video, audio only)
    frames_audio: str = "none"  # the sound recorded with TDW's frames: none unless the user picked a source


class SettingsStore:
    def __init__(self, qsettings: QSettings | None = None) -> None:
        # Tests pass QSettings(path, QSettings.IniFormat) to keep the user's settings untouched.
        self.qsettings = qsettings if qsettings is not None else QSettings(ORGANIZATION, APPLICATION)

    def load(self) -> CaptureSettings:
        text = self.qsettings.value("capture/settings", "")
        if not text:
            return CaptureSettings()
        try:
            data = json.loads(str(text))
            data.pop("platform", None)  # always the running platform
            return CaptureSettings.from_dict(data)
        except (ValueError, TypeError) as exc:
            log.warning("ignoring unreadable saved settings: %s", exc)
            return CaptureSettings()

    def save(self, settings: CaptureSettings) -> None:
        data = settings.to_dict()
        data.pop("platform", None)
        self.qsettings.setValue("capture/settings", json.dumps(data))

    def load_choices(self) -> WindowChoices:
        try:
            countdown = int(self.qsettings.value("ui/countdown", 0))
        except (TypeError, ValueError):
            countdown = 0
        defaults = WindowChoices()
        return WindowChoices(countdown, str(self.qsettings.value("ui/audio_source", defaults.audio_source)),
                             str(self.qsettings.value("ui/frames_audio", defaults.frames_audio)))

    def save_choices(self, choices: WindowChoices) -> None:
        self.qsettings.setValue("ui/countdown", choices.countdown)
        self.qsettings.setValue("ui/audio_source", choices.audio_source)
        self.qsettings.setValue("ui/frames_audio", choices.frames_audio)

    def live_preview(self) -> bool:
        return str(self.qsettings.value("ui/live_preview", "true")).lower() != "false"

    def save_live_preview(self, on: bool) -> None:
        self.qsettings.setValue("ui/live_preview", "true" if on else "false")

    def shortcuts(self, defaults: dict[str, str]) -> dict[str, str]:
        """The global shortcuts (action -> "Ctrl+Alt+R"; "" for none), the defaults where none is saved."""
        return {action: str(self.qsettings.value(f"shortcuts/{action}", text)) for action, text in defaults.items()}

    def save_shortcuts(self, shortcuts: dict[str, str]) -> None:
        for action, text in shortcuts.items():
            self.qsettings.setValue(f"shortcuts/{action}", text)

    def geometry(self) -> QByteArray | None:
        value = self.qsettings.value("ui/geometry")
        return value if isinstance(value, QByteArray) else None

    def save_geometry(self, geometry: QByteArray) -> None:
        self.qsettings.setValue("ui/geometry", geometry)

    def sync(self) -> None:
        self.qsettings.sync()
