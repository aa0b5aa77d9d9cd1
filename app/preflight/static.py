"""All the checks that need no look at the machine, in the order the user reads them."""

from __future__ import annotations

from app.errors import Problem
from app.model.settings import CaptureSettings
from app.preflight import backends, dataset, fields

CHECKS: tuple[fields.Check, ...] = (
    fields.mode, fields.fps, fields.region, fields.audio, backends.backend, fields.scene, fields.duration,
    fields.scene_fields, dataset.dataset, fields.audio_format, fields.encoding, fields.output,
)


def static_problems(settings: CaptureSettings) -> list[Problem]:
    """Every problem of the settings alone; a problem two checks find is listed once."""
    found: list[Problem] = []
    for check in CHECKS:
        found.extend(p for p in check(settings) if p not in found)
    return found
