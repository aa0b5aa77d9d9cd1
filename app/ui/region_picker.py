"""Draw the region to record on a frozen screenshot: drag, nudge with the keys, Enter to accept.

The overlay shows the screenshot taken before it opened, so what the user frames is exactly what is on
screen; coordinates are converted once, here, from widget pixels to X11 screen pixels (HiDPI aware).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from app.model.region import Region

HELP = "Drag to select  ·  arrows move by 1 px  ·  Shift+arrows resize  ·  Enter accepts  ·  Esc cancels"
_STEPS = {Qt.Key_Left: (-1, 0), Qt.Key_Right: (1, 0), Qt.Key_Up: (0, -1), Qt.Key_Down: (0, 1)}


class RegionPicker(QWidget):
    accepted = Signal(object)  # Region in screen pixels, rounded to even sizes
    cancelled = Signal()

    def __init__(self, screenshot: QPixmap | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Window | Qt.FramelessWindowHint | Qt.WindowStaysOnTopHint)
        screen = QGuiApplication.primaryScreen()
        self._area = screen.virtualGeometry()
        self.shot = screenshot if screenshot is not None else screen.grabWindow(0)
        self._scale = self.shot.devicePixelRatio() or 1.0
        self.selection = QRect()  # widget coordinates
        self._anchor: QPoint | None = None
        self._done = False
        self.setWindowTitle("Draw the region to record")
        self.setGeometry(self._area)
        self.setCursor(Qt.CrossCursor)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.StrongFocus)

    def open(self) -> None:
        self.showFullScreen()
        self.raise_()
        self.activateWindow()
        self.setFocus()

    # -- the result ---------------------------------------------------------------------------------
    def region(self) -> Region | None:
        """The selection in screen pixels, rounded down to even sizes (yuv420p needs them)."""
        if self.selection.width() < 2 or self.selection.height() < 2:
            return None
        s, origin = self._scale, self._area.topLeft()
        r = self.selection
        return Region(
            round((r.x() + origin.x()) * s), round((r.y() + origin.y()) * s),
            round(r.width() * s), round(r.height() * s),
        ).rounded_even()

    def crop(self) -> QPixmap:
        """The screenshot under the selection (the main window shows it as a thumbnail)."""
        r, s = self.selection, self._scale
        return self.shot.copy(QRect(round(r.x() * s), round(r.y() * s), round(r.width() * s), round(r.height() * s)))

    def _finish(self, accept: bool) -> None:
        if self._done:
            return
        region = self.region() if accept else None
        if accept and region is None:
            return  # nothing selected yet: Enter does nothing
        self._done = True
        if region is not None:
            self.accepted.emit(region)
        else:
            self.cancelled.emit()
        self.close()

    # -- input --------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.LeftButton:
            self._anchor = event.position().toPoint()
            self.selection = QRect(self._anchor, QSize(0, 0))
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._anchor is not None:
            p, a = event.position().toPoint(), self._anchor
            self.selection = QRect(min(a.x(), p.x()), min(a.y(), p.y()), abs(p.x() - a.x()), abs(p.y() - a.y()))
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.LeftButton and self._anchor is not None:
            self.mouseMoveEvent(event)
            self._anchor = None

    def mouseDoubleClickEvent(self, _event: QMouseEvent) -> None:
        self._finish(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key_Escape:
            self._finish(False)
        elif key in (Qt.Key_Return, Qt.Key_Enter):
            self._finish(True)
        elif key in _STEPS and not self.selection.isNull():
            dx, dy = _STEPS[key]
            r = QRect(self.selection)
            if event.modifiers() & Qt.ShiftModifier:
                r.setSize(QSize(max(r.width() + dx, 2), max(r.height() + dy, 2)))
            else:
                r.translate(dx, dy)
            if self.rect().contains(r):
                self.selection = r
                self.update()
        else:
            super().keyPressEvent(event)

    # -- drawing ------------------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.drawPixmap(self.rect(), self.shot)
        shade = QColor(0, 0, 0, 110)
        r = self.selection
        if r.isNull():
            painter.fillRect(self.rect(), shade)
        else:
            full = self.rect()
            for part in (QRect(0, 0, full.width(), r.top()), QRect(0, r.bottom() + 1, full.width(), full.height()),
                         QRect(0, r.top(), r.left(), r.height()), QRect(r.right() + 1, r.top(), full.width(), r.height())):
                painter.fillRect(part, shade)
            painter.setPen(QPen(QColor("#29b6f6"), 2))
            painter.drawRect(r.adjusted(-1, -1, 0, 0))
            self._readout(painter)
        self._hint(painter)

    def _readout(self, painter: QPainter) -> None:
        region = self.region()
        text = f"{self.selection.width()} × {self.selection.height()}"
        if region is not None and (region.width, region.height) != (self.selection.width(), self.selection.height()):
            text += f"  → records {region.width} × {region.height}"
        box = painter.fontMetrics().boundingRect(text).adjusted(-6, -3, 6, 3)
        top = self.selection.top() - box.height() - 6
        box.moveTopLeft(QPoint(self.selection.left(), top if top > 0 else self.selection.bottom() + 6))
        painter.fillRect(box, QColor(20, 20, 20, 220))
        painter.setPen(Qt.white)
        painter.drawText(box, Qt.AlignCenter, text)

    def _hint(self, painter: QPainter) -> None:
        box = painter.fontMetrics().boundingRect(HELP).adjusted(-12, -6, 12, 6)
        box.moveCenter(QPoint(self.width() // 2, 28))
        painter.fillRect(box, QColor(20, 20, 20, 200))
        painter.setPen(Qt.white)
        painter.drawText(box, Qt.AlignCenter, HELP)
