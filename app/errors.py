"""Errors the user sees: one sentence that says what went wrong and what to do."""

from __future__ import annotations

from dataclasses import dataclass


class RecorderError(Exception):
    """A failure with a one-line, user-facing message (never shown as a traceback)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(RecorderError):
    """The settings cannot work; `problems` lists each one (a sentence with its fix)."""

    def __init__(self, problems: list["Problem"]) -> None:
        super().__init__(" ".join(p.message for p in problems))
        self.problems = problems


class FfmpegNotFound(RecorderError):
    """No usable ffmpeg binary."""


class CaptureFailed(RecorderError):
    """The capture process stopped on its own or could not start."""


class DiskFull(CaptureFailed):
    """The output disk ran out of space mid-recording."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the settings, tied to the field at fault so the GUI can show it inline."""

    field: str
    message: str
    fixable: bool = False  # the engine can fix it itself when asked (e.g. round an odd size)
