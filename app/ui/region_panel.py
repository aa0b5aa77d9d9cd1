"""Which part of the screen to record: the whole screen, one monitor (when there are two or more), a window
from a live list, a rectangle typed as X,Y,WxH or drawn on a screenshot, or the TDW build's window (when a
scene runs), with a thumbnail of what will be recorded. With a scene, the build's window is the default until
the user picks another region. The kinds the chosen backend cannot record on this display (e.g. the screen in a
Wayland session) are greyed, with preflight's reason as their tooltip; a chosen one stays chosen, with its problem."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QGridLayout, QGroupBox, QLabel, QLineEdit, QPushButton, QRadioButton, QWidget,
)

from app.errors import Problem, RecorderError
from app.machine import Machine
from app.model.region import Region, parse_region
from app.screen.resolve import monitors
from app.screen.x11 import Monitor, WindowInfo
from app.ui.background import Background
from app.ui.display_choices import Reasons, as_tooltip, region_reasons
from app.ui.region_picker import RegionPicker
from app.ui.widgets import ProblemLabel, select_data

THUMB = (160, 100)
MIN_WINDOW = 16  # smaller windows are helpers (selection owners, tooltips), not something to record
WINDOW_LIST_MS = 2000  # the window list is listed again this often while the form can be edited (not while recording)
TDW_TIP = "The window of the build the scene launches; choose a scene first"


def window_choice(window: WindowInfo, windows: list[WindowInfo]) -> str:
    """`window:<title>` survives restarts; fall back to the id when the title is not unique."""
    same = [w for w in windows if w.title.lower() == window.title.lower()]
    return f"window:{window.title}" if window.title and len(same) == 1 else f"window:{window.window_id:#x}"


def monitor_choice(monitor: Monitor, number: int) -> str:
    """`monitor:<name>` survives a change of order; the number when the name would read as one (or is empty)."""
    name = monitor.name.strip()
    return f"monitor:{name}" if name and not name.isdigit() else f"monitor:{number}"


class RegionPanel(QGroupBox):
    changed = Signal()

    def __init__(self, background: Background, machine: Machine, parent: QWidget | None = None) -> None:
        super().__init__("Region", parent)
        self._background, self._machine = background, machine
        self._windows: dict[str, WindowInfo] = {}
        self._wanted_window = ""
        self._monitors: dict[str, Monitor] = {}
        self._wanted_monitor = ""
        self.picked = False  # the user chose a region other than the TDW window by hand
        self._scene = False  # a scene is chosen, so the TDW window is a choice
        self.picker: RegionPicker | None = None
        self._reasons: Reasons = {}  # what each backend cannot record on this display (display_choices), found off the GUI thread
        self._backend, self._mode = "ffmpeg", "video"
        self._checked: list[str] = []  # the last inline preflight's region problems
        self._fixable = False
        self.screen_radio = QRadioButton("Whole screen")
        self.monitor_radio = QRadioButton("Monitor")
        self.window_radio = QRadioButton("Window")
        self.rect_radio = QRadioButton("Rectangle")
        self.tdw_radio = QRadioButton("The TDW window (found when the scene starts)", enabled=False, toolTip=TDW_TIP)
        self._kinds = QButtonGroup(self)
        for radio in (self.screen_radio, self.monitor_radio, self.window_radio, self.rect_radio, self.tdw_radio):
            self._kinds.addButton(radio)
        self.monitor_combo = QComboBox(minimumContentsLength=18, toolTip="One monitor of the desktop: its size and position")
        self.monitor_combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.window_combo = QComboBox(minimumContentsLength=18, toolTip="Open windows: title, size and position")
        self.window_combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.window_combo.setPlaceholderText("listing the open windows…")
        self.refresh_button = QPushButton("Refresh", toolTip="List the open windows again")
        self.rect_edit = QLineEdit(placeholderText="X,Y,WxH  e.g. 100,80,1280x720")
        self.draw_button = QPushButton("Draw…", toolTip="Drag a rectangle on a screenshot of the screen")
        self.thumbnail = QLabel("No preview", alignment=Qt.AlignCenter, objectName="thumbnail")
        self.thumbnail.setFixedSize(*THUMB)
        self.problem = ProblemLabel()
        self.problem.setTextFormat(Qt.PlainText)  # e.g. "--region window:<title>" is words, not an HTML tag
        self.round_button = QPushButton("Round to even", toolTip="Shrink the odd width/height by one pixel")
        self.round_button.hide()

        grid = QGridLayout(self)
        grid.addWidget(self.screen_radio, 0, 0, 1, 3)
        grid.addWidget(self.monitor_radio, 1, 0)
        grid.addWidget(self.monitor_combo, 1, 1)
        grid.addWidget(self.window_radio, 2, 0)
        grid.addWidget(self.window_combo, 2, 1)
        grid.addWidget(self.refresh_button, 2, 2)
        grid.addWidget(self.rect_radio, 3, 0)
        grid.addWidget(self.rect_edit, 3, 1)
        grid.addWidget(self.draw_button, 3, 2)
        grid.addWidget(self.tdw_radio, 4, 0, 1, 3)
        grid.addWidget(self.thumbnail, 0, 3, 5, 1, Qt.AlignRight | Qt.AlignTop)
        grid.addWidget(self.problem, 5, 0, 1, 3)
        grid.addWidget(self.round_button, 5, 3, Qt.AlignRight | Qt.AlignTop)
        grid.setColumnStretch(1, 1)

        self._listing = False  # a window listing is under way off the GUI thread
        self._list_timer = QTimer(self, interval=WINDOW_LIST_MS)  # keeps the list fresh: stopped while disabled
        self._list_timer.timeout.connect(self._list_windows_again)
        self._list_timer.start()
        self._thumb_timer = QTimer(self, singleShot=True, interval=300)
        self._thumb_timer.timeout.connect(self.update_thumbnail)
        self._kinds.buttonToggled.connect(self._kind_toggled)
        self._kinds.buttonClicked.connect(lambda button: self._picked_by_hand(button is not self.tdw_radio))
        self.window_combo.activated.connect(lambda _index: self._picked_by_hand())
        self.monitor_combo.activated.connect(lambda _index: self._picked_by_hand())
        self.rect_edit.textEdited.connect(lambda _text: self._picked_by_hand())
        self.window_combo.currentIndexChanged.connect(self._edited)
        self.monitor_combo.currentIndexChanged.connect(self._edited)
        self.rect_edit.textChanged.connect(self._edited)
        self.refresh_button.clicked.connect(self.refresh)
        self.draw_button.clicked.connect(self.start_drawing)
        self.round_button.clicked.connect(self.round_to_even)
        self.screen_radio.setChecked(True)
        self._show_monitor_row()

    # -- value --------------------------------------------------------------------------------------
    def region_text(self) -> str:
        if self.monitor_radio.isChecked():
            return self.monitor_combo.currentData() or "monitor:"
        if self.window_radio.isChecked():
            return self.window_combo.currentData() or "window:"
        if self.rect_radio.isChecked():
            return self.rect_edit.text().strip()
        if self.tdw_radio.isChecked():
            return "tdw"
        return "screen"

    def load(self, text: str, scene: bool = False) -> None:
        """Show a saved region; one saved beside a scene but other than its window was picked by hand."""
        try:
            spec = parse_region(text)
        except RecorderError:
            spec = None
        self._scene = scene
        self._grey_impossible()
        self.picked = scene and (spec is None or spec.kind != "tdw")
        if spec is not None and spec.kind == "tdw":
            (self.tdw_radio if scene else self.screen_radio).setChecked(True)
        elif spec is not None and spec.kind == "monitor":
            self._wanted_monitor = str(spec)
            self.monitor_radio.setChecked(True)
            self._fill_monitors(list(self._monitors.values()), self._wanted_monitor)
        elif spec is not None and spec.kind == "window":
            self._wanted_window = f"window:{spec.query}"
            self._fill_windows(list(self._windows.values()))
            self.window_radio.setChecked(True)
        elif spec is None or spec.kind == "rect":
            self.rect_edit.setText(text)
            self.rect_radio.setChecked(True)
        else:
            self.screen_radio.setChecked(True)

    def show_problems(self, problems: list[Problem]) -> None:
        self._checked = [p.message for p in problems]
        self._fixable = any(p.fixable for p in problems)
        self._show_problem()

    def _show_problem(self) -> None:
        """Preflight's region problems, and at once the reason the chosen kind is greyed (the same words, once).
        Such a reason from the last check that is not the chosen kind's (with this backend) is gone already."""
        why = self.reason(self.kind())
        greyed = {message for found in self._reasons.values() for message in found.values()}
        checked = [message for message in self._checked if message == why or message not in greyed]
        self.problem.show_messages(([why] if why and why not in checked else []) + checked)
        self.round_button.setVisible(self._fixable and self.rect_radio.isChecked())

    # -- what the backend can record here -----------------------------------------------------------
    def _radios(self) -> dict[str, QRadioButton]:
        return {"screen": self.screen_radio, "monitor": self.monitor_radio, "window": self.window_radio,
                "rect": self.rect_radio, "tdw": self.tdw_radio}

    def kind(self) -> str:
        return next((kind for kind, radio in self._radios().items() if radio.isChecked()), "screen")

    def reason(self, kind: str) -> str | None:
        """Why the chosen backend cannot record this kind of region on this display (None: it can, or not known yet)."""
        return self._reasons.get((self._backend, self._mode), {}).get(kind)

    def set_backend(self, backend: str, mode: str) -> None:
        """Grey what this backend cannot record in this mode; a chosen kind stays chosen (and shows its problem)."""
        if (backend, mode) == (self._backend, self._mode):
            return
        self._backend, self._mode = backend, mode
        self._grey_impossible()

    def _reasons_found(self, reasons: Reasons) -> None:
        self._reasons = reasons
        self._grey_impossible()

    def _grey_impossible(self) -> None:
        for kind, radio in self._radios().items():
            why = self.reason(kind)
            radio.setEnabled(why is None and (self._scene or radio is not self.tdw_radio))
            radio.setToolTip(as_tooltip(why) if why else TDW_TIP if radio is self.tdw_radio else "")
        self.draw_button.setEnabled(self.reason("rect") is None)
        self._show_problem()
        self._thumb_timer.start()

    def set_scene(self, scene: bool) -> None:
        """The TDW window is a choice only with a scene, and the default one unless the user picked another."""
        if scene == self._scene:
            return
        self._scene = scene
        self._grey_impossible()
        if scene and not self.picked and self.reason("tdw") is None:
            self.tdw_radio.setChecked(True)
        elif not scene and self.tdw_radio.isChecked():
            self.screen_radio.setChecked(True)

    def _picked_by_hand(self, picked: bool = True) -> None:
        self.picked = picked

    # -- monitors -----------------------------------------------------------------------------------
    def _fill_monitors(self, found: list[Monitor], wanted: str = "") -> None:
        """One choice per monitor, numbered as `monitor:<number>` counts them; a saved one not there now is kept."""
        wanted = wanted or self.monitor_combo.currentData() or self._wanted_monitor
        self.monitor_combo.blockSignals(True)
        self.monitor_combo.clear()
        self._monitors = {}
        for number, m in enumerate(found, 1):
            choice = monitor_choice(m, number)
            self._monitors[choice] = m
            primary = ", primary" if m.primary else ""
            self.monitor_combo.addItem(f"{number}: {m.name}  —  {m.width}×{m.height} at {m.x},{m.y}{primary}", choice)
        if wanted and not select_data(self.monitor_combo, wanted):
            self.monitor_combo.insertItem(0, f"{wanted.split(':', 1)[1]}  (not connected now)", wanted)
            self.monitor_combo.setCurrentIndex(0)
        self.monitor_combo.blockSignals(False)
        self._show_monitor_row()
        self._edited()

    def _monitors_failed(self, exc: BaseException) -> None:
        self.monitor_combo.setToolTip(str(exc))

    def _show_monitor_row(self) -> None:
        """A choice only on a desk of two or more monitors (or when a saved monitor is the current choice)."""
        shown = len(self._monitors) >= 2 or self.monitor_radio.isChecked()
        self.monitor_radio.setVisible(shown)
        self.monitor_combo.setVisible(shown)

    # -- windows ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """List the windows and the monitors again, and what each backend can record on this display, off the GUI thread."""
        self.refresh_button.setEnabled(False)
        self._background.call(self._machine.display.windows, self._fill_windows, self._windows_failed)
        machine = self._machine
        self._background.call(lambda: monitors(machine.display), self._fill_monitors, self._monitors_failed)
        self._background.call(lambda: region_reasons(machine.display.kind, machine.platform), self._reasons_found)

    def changeEvent(self, event: QEvent) -> None:
        """The form is disabled while recording: no listing then, so the window costs no CPU for it."""
        if event.type() == QEvent.EnabledChange:
            self._list_timer.start() if self.isEnabled() else self._list_timer.stop()
        super().changeEvent(event)

    def _list_windows_again(self) -> None:
        """List the windows again, unless hidden, busy listing, or the list is open under the user's pointer."""
        if self._listing or not self.isVisible() or self.window_combo.view().isVisible():
            return
        self._listing = True
        self._background.call(self._machine.display.windows, lambda found: self._fill_windows(found, quiet=True),
                              self._windows_failed)

    def _windows_failed(self, exc: BaseException) -> None:
        self._listing = False
        self.refresh_button.setEnabled(True)
        self.window_combo.setToolTip(str(exc))

    def _fill_windows(self, windows: list[WindowInfo], quiet: bool = False) -> None:
        self._listing = False
        self.refresh_button.setEnabled(True)
        own = self.window().windowTitle()
        windows = [w for w in windows if w.title != own and min(w.region.width, w.region.height) >= MIN_WINDOW]
        if quiet and windows == list(self._windows.values()):
            return  # nothing changed: no new check, no flicker
        self.window_combo.setPlaceholderText("no other window is open" if not windows else "pick a window")
        wanted = self.window_combo.currentData() or self._wanted_window
        self.window_combo.blockSignals(True)
        self.window_combo.clear()
        self._windows = {}
        for w in windows:
            choice = window_choice(w, windows)
            self._windows[choice] = w
            r = w.region
            self.window_combo.addItem(f"{w.title}  —  {r.width}×{r.height} at {r.x},{r.y}", choice)
        if wanted and not select_data(self.window_combo, wanted):
            self.window_combo.insertItem(0, f"{wanted.split(':', 1)[1]}  (not open now)", wanted)
            self.window_combo.setCurrentIndex(0)
        self.window_combo.blockSignals(False)
        self._edited()

    def select_window(self, title: str) -> bool:
        """Pick the listed window with this exact title (as a user would from the list)."""
        for index in range(self.window_combo.count()):
            info = self._windows.get(self.window_combo.itemData(index))
            if info is not None and info.title == title:
                self.picked = True
                self.window_radio.setChecked(True)
                self.window_combo.setCurrentIndex(index)
                return True
        return False

    # -- rectangle ----------------------------------------------------------------------------------
    def round_to_even(self) -> None:
        spec = parse_region(self.rect_edit.text())
        if spec.region is not None:
            self.rect_edit.setText(str(spec.region.rounded_even()))

    def start_drawing(self) -> None:
        """Hide this window, let the screen repaint, then open the overlay on a fresh screenshot."""
        self.window().hide()
        QTimer.singleShot(300, self._open_picker)

    def _open_picker(self) -> None:
        self.picker = RegionPicker()  # replaces (and frees) the previous, long closed overlay
        self.picker.accepted.connect(self._drawn)
        self.picker.cancelled.connect(self._picker_closed)
        self.picker.open()

    def _drawn(self, region: Region) -> None:
        assert self.picker is not None
        crop = self.picker.crop()
        self.rect_edit.setText(str(region))
        self.rect_radio.setChecked(True)
        self.picked = True
        self._thumb_timer.stop()
        self._set_thumbnail(crop)
        self._picker_closed()

    def _picker_closed(self) -> None:
        # self.picker is kept: dropping the last reference here would delete it inside its own key event.
        top = self.window()
        top.show()
        top.raise_()
        top.activateWindow()

    # -- preview ------------------------------------------------------------------------------------
    def _kind_toggled(self, _button: QRadioButton, checked: bool) -> None:
        if not checked:
            return
        if self.window_radio.isChecked() and not self._windows:
            self.refresh()
        self._show_monitor_row()
        self._show_problem()
        self._edited()

    def _edited(self) -> None:
        self.window_combo.setEnabled(self.window_radio.isChecked())
        self.monitor_combo.setEnabled(self.monitor_radio.isChecked())
        self.rect_edit.setEnabled(self.rect_radio.isChecked())
        self._thumb_timer.start()
        self.changed.emit()

    def _current_rect(self) -> Region | None:
        if self.monitor_radio.isChecked():
            monitor = self._monitors.get(self.monitor_combo.currentData() or "")
            return monitor.region if monitor else None
        if self.window_radio.isChecked():
            info = self._windows.get(self.window_combo.currentData() or "")
            return info.region if info else None
        if self.rect_radio.isChecked():
            try:
                return parse_region(self.rect_edit.text()).region
            except RecorderError:
                return None
        return None

    def update_thumbnail(self) -> None:
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            return
        region, scale = self._current_rect(), screen.devicePixelRatio() or 1.0
        if self.reason(self.kind()):
            self._set_thumbnail(QPixmap(), "Cannot be\nrecorded here")  # whatever this screen shows, it is not that
        elif self.tdw_radio.isChecked():
            self._set_thumbnail(QPixmap(), "Found when the\nscene starts")
        elif self.screen_radio.isChecked():
            self._set_thumbnail(screen.grabWindow(0))
        elif region is not None and region.width > 0 and region.height > 0:
            rect = QRect(int(region.x / scale), int(region.y / scale), int(region.width / scale), int(region.height / scale))
            self._set_thumbnail(screen.grabWindow(0, rect.x(), rect.y(), rect.width(), rect.height()))
        else:
            self._set_thumbnail(QPixmap())

    def _set_thumbnail(self, pixmap: QPixmap, text: str = "No preview") -> None:
        if pixmap.isNull():
            self.thumbnail.setPixmap(QPixmap())
            self.thumbnail.setText(text)
            return
        self.thumbnail.setPixmap(pixmap.scaled(THUMB[0] - 4, THUMB[1] - 4, Qt.KeepAspectRatio, Qt.SmoothTransformation))
