"""A small live preview of what is being recorded, twice a second, off by a click (as SimpleScreenRecorder and OBS
show one). One thumbnail per camera of a TDW frame route, or the window or rectangle a screen route grabs.

The engine only says where the pictures are (`app.model.preview.PreviewFrame`); this widget looks at them on its
own timer while a recording runs and the box is ticked, so with the preview off recording costs nothing more.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import QCheckBox, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.model.preview import PreviewFrame

EVERY_MS = 500
HEIGHT = 96  # thumbnail height; the width follows each picture's aspect
MAX_THUMBS = 4  # more cameras than this: the first four are shown, the rest named in the hint


def pixmap_of(frame: PreviewFrame) -> QPixmap:
    """The picture a frame points at: TDW's image bytes, or a grab of the window or rectangle (empty if gone)."""
    if frame.image:
        pixmap = QPixmap()
        pixmap.loadFromData(frame.image)
        return pixmap
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return QPixmap()
    if frame.window_id is not None:
        return screen.grabWindow(frame.window_id)
    if frame.region is not None:
        r = frame.region
        return screen.grabWindow(0, r.x, r.y, r.width, r.height)
    return QPixmap()


class LivePreview(QGroupBox):
    toggled = Signal(bool)  # the user ticked or cleared the box (the window remembers it)

    def __init__(self, source: Callable[[], list[PreviewFrame]], parent: QWidget | None = None) -> None:
        super().__init__("Preview", parent)
        self._source = source
        self.enabled_box = QCheckBox("Live preview while recording", checked=True)
        self.enabled_box.setToolTip("A small picture of what is recorded, twice a second. Clear it to spare the CPU.")
        self.enabled_box.toggled.connect(self._toggled)
        self.hint = QLabel(objectName="hint")
        self.thumbs = [QLabel(alignment=Qt.AlignCenter, objectName="thumbnail") for _ in range(MAX_THUMBS)]
        row = QHBoxLayout()
        for thumb in self.thumbs:
            thumb.hide()
            row.addWidget(thumb)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.enabled_box)
        layout.addLayout(row)
        layout.addWidget(self.hint)
        self.hint.hide()
        self._timer = QTimer(self, interval=EVERY_MS)
        self._timer.timeout.connect(self.refresh)
        self._recording = False

    def set_recording(self, recording: bool) -> None:
        self._recording = recording
        if recording and self.enabled_box.isChecked():
            self._timer.start()
            QTimer.singleShot(0, self.refresh)
        else:
            self._timer.stop()
            self._clear()

    def _toggled(self, on: bool) -> None:
        self.set_recording(self._recording)
        self.toggled.emit(on)

    def _clear(self) -> None:
        for thumb in self.thumbs:
            thumb.clear()
            thumb.hide()
        self.hint.hide()

    def refresh(self) -> None:
        """Look once at every picture being recorded and show it small."""
        frames = self._source()
        for thumb, frame in zip(self.thumbs, frames):
            pixmap = pixmap_of(frame)
            if pixmap.isNull():
                thumb.setText(f"{frame.name}\n(no picture yet)")
            else:
                thumb.setPixmap(pixmap.scaledToHeight(HEIGHT, Qt.SmoothTransformation))
            thumb.setToolTip(frame.name if frame.name != "screen" else "What the screen route grabs")
            thumb.show()
        for thumb in self.thumbs[len(frames):]:
            thumb.hide()
        shown = [frame.name for frame in frames[:MAX_THUMBS]]
        words = ", ".join(shown) if frames and shown != ["screen"] else ""
        if len(frames) > MAX_THUMBS:
            words += f" (and {len(frames) - MAX_THUMBS} more not shown)"
        self.hint.setText(f"Cameras: {words}" if words else "")
        self.hint.setVisible(bool(words))

    def shown_names(self) -> list[str]:
        """The names of the thumbnails showing now (for tests and the status line)."""
        return [thumb.toolTip() for thumb in self.thumbs if thumb.isVisible()]
