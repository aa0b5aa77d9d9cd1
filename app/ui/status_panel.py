"""What a running recording is doing: a state light, elapsed time and ffmpeg's own figures.

Everything shown comes from the engine's `RecordingStatus` (and, with a scene, the worker's
`SceneSnapshot`); this panel only formats it. The clock keeps ticking between statuses (ffmpeg is silent
while a scene's build starts or its first frames are encoded), counting on from the engine's last figure.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QVBoxLayout, QWidget,
)

from app.model.status import RecordingStatus
from app.ui.session_bridge import SceneSnapshot
from app.ui.widgets import home_shortened

STATES = {  # state -> (light colour, words)
    "idle": ("#9e9e9e", "Ready"),
    "countdown": ("#fb8c00", "Starting…"),
    "starting": ("#fb8c00", "Starting…"),
    "recording": ("#e53935", "Recording"),
    "paused": ("#fb8c00", "Paused"),
    "stopping": ("#fb8c00", "Stopping…"),
    "finalising": ("#fb8c00", "Finishing the file…"),
    "done": ("#43a047", "Saved"),
    "failed": ("#e53935", "Failed"),
}


def clock(seconds: float) -> str:
    whole = int(max(seconds, 0))
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def size_text(size_bytes: int) -> str:
    if size_bytes >= 1024 ** 3:
        return f"{size_bytes / 1024 ** 3:.2f} GB"
    if size_bytes >= 1024 ** 2:
        return f"{size_bytes / 1024 ** 2:.1f} MB"
    return f"{size_bytes / 1024:.0f} KB"


METER_FLOOR_DB = -60  # the meter's left end; quieter reads as silence


def _restyle(widget: QWidget, sheet: str) -> None:
    """Set a style sheet only when it differs: each set re-polishes the widget and lays out its window again."""
    if widget.styleSheet() != sheet:
        widget.setStyleSheet(sheet)


def _text_keeps_width(label: QLabel) -> None:
    """Figures change twice a second; a label whose width follows its text asks its window to lay itself out
    again, and the whole window is repainted each time. These get their width from the panel instead."""
    label.setSizePolicy(QSizePolicy.Ignored, label.sizePolicy().verticalPolicy())


class StatusPanel(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusPanel")
        self.light = QLabel("●", objectName="light")
        self.state = QLabel(objectName="stateText")
        self.elapsed = QLabel("00:00:00", objectName="elapsed")
        self.elapsed.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        top = QHBoxLayout()
        top.addWidget(self.light)
        top.addWidget(self.state, 1)
        top.addWidget(self.elapsed)

        self.figures: dict[str, QLabel] = {}
        grid = QGridLayout()
        names = (("frames", "Frames"), ("fps", "FPS"), ("dropped", "Dropped"), ("size", "Size"), ("bitrate", "Bitrate"))
        for column, (key, title) in enumerate(names):
            caption = QLabel(title, objectName="caption", alignment=Qt.AlignCenter)
            value = QLabel("–", objectName="figure", alignment=Qt.AlignCenter)
            grid.addWidget(caption, 0, column)
            grid.addWidget(value, 1, column)
            self.figures[key] = value
        self.meter = QProgressBar(objectName="audioMeter", minimum=METER_FLOOR_DB, maximum=0, textVisible=True)
        self.meter.setFormat("audio %v dB")
        self.meter.setToolTip("Peak level of the recorded sound, over the last tenth of a second")
        self.meter.hide()
        self.scene = QLabel(objectName="hint")
        self.scene.hide()
        self.note = QLabel(objectName="hint", wordWrap=True)  # what the capture wants the user to know now
        self.note.hide()
        self.path = QLabel(objectName="hint", wordWrap=True)
        self.path.setTextInteractionFlags(Qt.TextSelectableByMouse)
        for label in (self.elapsed, *self.figures.values(), self.scene, self.path):
            _text_keeps_width(label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(grid)
        layout.addWidget(self.meter)
        layout.addWidget(self.scene)
        layout.addWidget(self.note)
        layout.addWidget(self.path)
        self._elapsed_at = (0.0, 0.0)  # (engine's elapsed seconds, when it arrived)
        # While recording, the clock and the figures are drawn together once a second, on the clock's second
        # boundary: statuses come twice a second (scene frames far more often) and each drawing costs the GUI
        # thread; the user reads whole seconds anyway. A change of state is drawn at once.
        self._tick = QTimer(self, singleShot=True)
        self._tick.timeout.connect(self._on_tick)
        self._pending: RecordingStatus | None = None
        self._pending_scene: SceneSnapshot | None = None
        self._shown_state: tuple[str, str] | None = None
        self._newest = 0.0  # the newest status's elapsed seconds: an older one arriving late is not shown
        self.show_state("idle")

    def show_state(self, state: str, words: str | None = None) -> None:
        colour, default = STATES.get(state, STATES["idle"])
        if (state, words or default) == self._shown_state:
            return  # a style sheet set again re-polishes and re-lays out the whole window
        self._shown_state = (state, words or default)
        self.setProperty("recording", state == "recording")
        _restyle(self.light, f"color: {colour};")
        self.state.setText(words or default)
        self.current = state
        if state != "recording":
            self._tick.stop()
            self._flush()

    def show_countdown(self, seconds: int) -> None:
        self.show_state("countdown", f"Starting in {seconds}…")

    def show_status(self, status: RecordingStatus) -> None:
        if status.elapsed_s < self._newest:
            return  # queued from the capture's thread before a status made on this thread (a pause) was shown
        self._newest = status.elapsed_s
        self._elapsed_at = (status.recorded_s, time.monotonic())  # the time in the file: paused stretches left out
        if status.audio_peak_db is not None and status.state == "recording":  # the meter stays lively
            self.meter.setValue(max(int(round(status.audio_peak_db)), METER_FLOOR_DB))
            self.meter.show()
        self._show_words(status)
        if status.state == "finalising" and status.finishing_pct is not None:
            self.show_state("finalising", f"Finishing the file… {status.finishing_pct} %")
            return
        if status.state == "recording" and self._tick.isActive():
            self._pending = status  # drawn on the next second
            return
        paused = f" ({clock(status.paused_s)} paused, left out)" if status.paused_s >= 0.5 else ""
        self.show_state(status.state, f"{STATES.get(status.state, STATES['idle'])[1]}{paused}" if paused else None)
        self._draw(status)
        if status.state == "recording":
            self._next_tick()

    def _draw(self, status: RecordingStatus) -> None:
        self.elapsed.setText(clock(status.recorded_s))
        self.figures["frames"].setText(str(status.frames))
        self.figures["fps"].setText(f"{status.fps:.1f}")
        self.figures["dropped"].setText(str(status.dropped))
        _restyle(self.figures["dropped"], "color: #e53935;" if status.dropped else "")
        self.figures["size"].setText(size_text(status.size_bytes))
        self.figures["bitrate"].setText(f"{status.bitrate_kbps:.0f} kb/s")

    def _show_words(self, status: RecordingStatus) -> None:
        """The file and the capture's note show at once (they change seldom and matter when they do)."""
        if status.path and status.path != self.path.toolTip():  # with the encoder that runs (what auto chose)
            self.path.setText(home_shortened(status.path) + (f"\n{status.encoder}" if status.encoder else ""))
            self.path.setToolTip(status.path)
        if status.note and status.note != self.note.text():
            self.note.setText(status.note)
            self.note.show()

    def _elapsed_now(self) -> float:
        seconds, since = self._elapsed_at
        return seconds + time.monotonic() - since

    def _next_tick(self) -> None:
        """Wake just after the clock's next whole second."""
        self._tick.start(int((1.0 - self._elapsed_now() % 1.0) * 1000) + 5)

    def _flush(self) -> None:
        status, self._pending = self._pending, None
        if status is not None:
            self._draw(status)
        snapshot, self._pending_scene = self._pending_scene, None
        if snapshot is not None:
            self._draw_scene(snapshot)

    def _on_tick(self) -> None:
        self._flush()
        self.elapsed.setText(clock(self._elapsed_now()))
        self._next_tick()

    def show_scene(self, snapshot: SceneSnapshot) -> None:
        if self._tick.isActive():
            self._pending_scene = snapshot  # a scene renders dozens of frames a second: drawn on the next second
            return
        self._draw_scene(snapshot)

    def _draw_scene(self, snapshot: SceneSnapshot) -> None:
        self.scene.setText(f"TDW scene: {snapshot.frames} frame{'s' if snapshot.frames != 1 else ''} rendered")
        self.scene.show()

    def reset(self) -> None:
        self._newest = 0.0
        self.show_state("idle")
        self.meter.hide()
        self.scene.hide()
        self.scene.setText("")
        self.note.hide()
        self.note.setText("")
        self.elapsed.setText("00:00:00")
        for label in self.figures.values():
            label.setText("–")
        self.path.setText("")
