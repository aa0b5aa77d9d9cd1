"""The desktop window: settings on the left, the live recording and the recordings list on the right.

It only builds `CaptureSettings` and hands them to the engine: validation runs in the background
(`LiveCheck`), recordings run on one long-lived worker thread, and engine callbacks come back through
`SessionBridge` signals, so the GUI thread never waits on ffmpeg (or on a TDW scene, whose output shows
in its own box while a scene is chosen).
"""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication, QGroupBox, QHBoxLayout, QLabel, QMainWindow, QPushButton, QScrollArea, QTabWidget, QVBoxLayout,
    QWidget,
)

from app.errors import Problem
from app.machine import Machine
from app.processes import keep_secrets_from_children
from app.resources import APP_ID, icon_pngs
from app.model.status import RecordingResult
from app.ui.background import Background
from app.ui.batch_panel import BatchPanel
from app.ui.capture_form import CaptureForm
from app.ui.control import WindowControl
from app.ui.interrupt import close_on_signals
from app.ui.live_check import LiveCheck
from app.ui.log_folder import add_log_folder_action
from app.ui.machine_banner import MachineBanner
from app.ui.recordings import RecordingsPanel
from app.ui.scene_log import SceneLog
from app.ui.session_bridge import SessionBridge
from app.ui.encoder_keys import GlobalKeys
from app.ui.settings_store import SettingsStore
from app.screen.hotkeys import DEFAULTS as SHORTCUTS
from app.ui.status_panel import StatusPanel, size_text
from app.ui.style import STYLE
from app.ui.tray import make_tray
from app.ui.unfinished import UnfinishedBar
from app.ui.live_preview import LivePreview
from app.ui.widgets import MessageBar, app_icon, home_shortened
from app.ui.worker import RecordingWorker

log = logging.getLogger(__name__)


def window_icon() -> QIcon:
    """The app icon from resources/ (every PNG size), or the drawn one if the files are missing."""
    icon = QIcon()
    for size, path in icon_pngs().items():
        icon.addFile(str(path), QSize(size, size))
    return app_icon() if icon.isNull() else icon


def result_message(result: RecordingResult) -> tuple[str, str]:
    """(text, kind) for the message bar: one line, plus the kept file when something went wrong."""
    if result.path is None:
        return result.error or "Nothing was recorded.", "error"
    figures = f"{result.duration_s:.1f} s, {result.frames} frames, {result.dropped} dropped, {size_text(result.size_bytes)}"
    if result.error:
        return f"{result.error} Kept: {result.path} ({figures}).", "error"
    more = f", with {', '.join(path.name for path in result.more)}" if result.more else ""  # a dataset's other files
    return f"Saved {result.path.name}{more} ({figures}).", "success"


def dataset_cameras(result: RecordingResult) -> list[str]:
    """The cameras a dataset recorded, from its files' names (NAME.<camera>.mkv beside NAME.frames.jsonl)."""
    files = [p for p in (result.path, *result.more) if p is not None]
    stems = [p.name[: -len(".frames.jsonl")] for p in files if p.name.endswith(".frames.jsonl")]
    if not stems:
        return []
    prefix = stems[0] + "."
    return [p.name[len(prefix):-len(p.suffix)] for p in files if p.name.startswith(prefix) and p.suffix == ".mkv"]


class MainWindow(QMainWindow):
    def __init__(self, machine: Machine | None = None, store: SettingsStore | None = None, control_id: str | None = None,
                 **recordings_options) -> None:
        super().__init__()
        self.setWindowTitle("TDW Recorder")
        self.setWindowIcon(window_icon())
        self.machine = machine or Machine()
        self.store = store or SettingsStore()
        self.background = Background(self)
        self.bridge = SessionBridge(self)
        self.worker = RecordingWorker(self.bridge, self.machine)
        self.form = CaptureForm(self.background, self.machine)
        self.live = LiveCheck(self.background, self.machine, self.form.settings, parent=self, local=self.form.local_problems)
        self.banner = MachineBanner(self.background, self.machine)
        self.message = MessageBar()
        self.unfinished = UnfinishedBar(self.background)  # recordings a crash left behind, offered to finish
        self.status_panel = StatusPanel()
        self.recordings = RecordingsPanel(self.background, **recordings_options)
        self.scene_log = SceneLog()
        self.preview = LivePreview(self.worker.preview)
        self.batch = BatchPanel(self.background)
        self.global_keys = GlobalKeys(self.machine.env, self)  # Ctrl+Alt+R / Ctrl+Alt+P from any window
        self._countdown_left = 0
        self._countdown = QTimer(self, interval=1000)
        self._countdown.timeout.connect(self._tick)
        self._close_pending = self._shut = False
        self._unfinished_in: str | None = None  # the folder last looked at for unfinished recordings
        self._build_actions()
        self._build_layout()
        self.log_folder_action = add_log_folder_action(self)  # "Open log folder" (app.ui.log_folder)
        self.tray = make_tray(self, [self.record_action, self.stop_action])
        self._connect()
        self._load()
        self.control = WindowControl(self, control_id)  # `tdw-recorder ctl` reaches this window

    # -- construction -------------------------------------------------------------------------------
    def _build_actions(self) -> None:
        self.record_action = QAction("Record", self, shortcut=QKeySequence("Ctrl+R"), toolTip="Start recording (Ctrl+R)")
        self.stop_action = QAction("Stop", self, toolTip="Stop recording (Ctrl+S or Esc)")
        self.stop_action.setShortcuts([QKeySequence("Ctrl+S"), QKeySequence(Qt.Key_Escape)])
        for action in (self.record_action, self.stop_action):
            self.addAction(action)  # window shortcuts: Esc in a dialog or the region overlay stays theirs
        self.record_action.triggered.connect(self.record)
        self.stop_action.triggered.connect(self.stop)
        # the Pause button and the global pause shortcut (app.ui.control carries it out, as `ctl pause|resume` does)
        self.pause_action = QAction("Pause", self, toolTip="Pause or resume the recording")
        self.pause_action.triggered.connect(lambda: self.control.pause_or_resume())

    def _build_layout(self) -> None:
        scroll = QScrollArea(widgetResizable=True, frameShape=QScrollArea.NoFrame)
        scroll.setWidget(self.form)
        scroll.setMinimumWidth(self.form.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 6)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.record_button = QPushButton("●  Record", objectName="recordButton", toolTip="Start recording (Ctrl+R)")
        self.stop_button = QPushButton("■  Stop", objectName="stopButton", toolTip="Stop recording (Ctrl+S or Esc)")
        self.record_button.clicked.connect(self.record_action.trigger)
        self.stop_button.clicked.connect(self.stop_action.trigger)
        self.pause_button = QPushButton("❚❚  Pause", objectName="pauseButton", toolTip="Pause or resume the recording")
        self.pause_button.clicked.connect(self.pause_action.trigger)
        self.readiness = QLabel(objectName="hint", wordWrap=True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.readiness, 1)
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.pause_button)
        buttons.addWidget(self.stop_button)
        files = QGroupBox("Recordings")
        QVBoxLayout(files).addWidget(self.recordings)
        self.scene_box = QGroupBox("Scene output")
        QVBoxLayout(self.scene_box).addWidget(self.scene_log)
        right = QVBoxLayout()
        right.addWidget(self.status_panel)
        right.addLayout(buttons)
        right.addWidget(self.preview)
        right.addWidget(self.scene_box, 2)
        right.addWidget(files, 3)
        columns = QHBoxLayout()
        columns.addWidget(scroll, 5)
        columns.addLayout(right, 4)
        record_tab = QWidget()
        record_tab.setLayout(columns)
        self.tabs = QTabWidget(documentMode=True)
        self.tabs.addTab(record_tab, "Record")
        self.tabs.addTab(self.batch, "Batch")
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.banner)
        layout.addWidget(self.message)
        layout.addWidget(self.unfinished)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.resize(1180, 760)

    def _connect(self) -> None:
        self.form.changed.connect(self._settings_changed)
        self.live.checked.connect(self._show_problems)
        self.bridge.status.connect(self.status_panel.show_status)
        self.bridge.scene.connect(self.status_panel.show_scene)
        self.bridge.scene.connect(self.scene_log.show_snapshot)
        self.bridge.started.connect(lambda path: self.statusBar().showMessage(f"Recording to {home_shortened(path)}"))
        self.bridge.finished.connect(self._finished)
        self.bridge.failed.connect(self._failed)
        self.bridge.started.connect(lambda _path: self.preview.set_recording(True))
        self.preview.toggled.connect(self.store.save_live_preview)
        self.banner.again.clicked.connect(self.check_machine)
        self.global_keys.pressed.connect(self.global_shortcut)
        self.form.extras.shortcuts_changed.connect(self.apply_shortcuts)
        self.unfinished.finished.connect(lambda done: self.recordings.refresh(select=done[0] if done else None))

    def _load(self) -> None:
        self.form.load(self.store.load(), self.store.load_choices())
        self.preview.enabled_box.setChecked(self.store.live_preview())
        geometry = self.store.geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        self.form.extras.load_shortcuts(self.store.shortcuts(SHORTCUTS))
        self.apply_shortcuts()
        self.check_machine()
        self.live.run_now()
        self._look_for_unfinished()
        self._update_actions()

    def check_machine(self) -> None:
        s = self.form.settings()
        self.banner.run(s.output_dir, s.ffmpeg_path)
        self.form.refresh_sources()
        self.form.refresh_backends()
        self.form.region.refresh()
        self.live.schedule()

    # -- settings and problems ----------------------------------------------------------------------
    def _settings_changed(self) -> None:
        settings = self.form.settings()
        self.store.save(settings)
        self.store.save_choices(self.form.choices())
        self.recordings.set_folder(settings.output_dir, settings.ffmpeg_path)
        if settings.output_dir != self._unfinished_in:
            self._look_for_unfinished()
        self.scene_box.setVisible(bool(settings.scene))
        self.live.schedule()
        self._update_actions()

    def _look_for_unfinished(self) -> None:
        settings = self.form.settings()
        self._unfinished_in = settings.output_dir
        self.unfinished.check(settings.output_dir, settings.ffmpeg_path)

    def _show_problems(self, problems: list[Problem]) -> None:
        rest = self.form.show_problems(problems)
        if problems:
            extra = "".join(f" {p.message}" for p in rest)
            self.readiness.setText(f"{len(problems)} problem{'s' if len(problems) > 1 else ''} to fix first (shown in red).{extra}")
        else:
            self.readiness.setText("Ready to record.")
        self._update_actions()

    def can_record(self) -> bool:
        return self.live.problems == [] and not self.busy

    @property
    def busy(self) -> bool:
        return self.worker.busy or self._countdown.isActive()

    def _update_actions(self) -> None:
        if self.worker.busy:
            self.readiness.setText("Recording: Stop with Ctrl+S or Esc.")
        elif self.live.problems == [] and self.readiness.text().startswith("Recording"):
            self.readiness.setText("Ready to record.")
        self.record_action.setEnabled(self.can_record())
        self.record_button.setEnabled(self.can_record())
        self.stop_action.setEnabled(self.busy)
        self.stop_button.setEnabled(self.busy)
        self.pause_button.setEnabled(self.worker.busy)
        self.pause_action.setEnabled(self.worker.busy)
        if not self.worker.busy:
            self.show_paused(False)
        self.form.setEnabled(not self.busy)

    def apply_shortcuts(self) -> None:
        """Save the global shortcuts and grab them; one that cannot be grabbed says why under its field."""
        shortcuts = self.form.extras.shortcuts()
        self.store.save_shortcuts(shortcuts)
        self.form.extras.show_key_problems(self.global_keys.apply(shortcuts))

    def global_shortcut(self, action: str) -> None:
        """A global shortcut, pressed in any window: record/stop, or pause/resume where the window can pause."""
        if action == "record":
            self.stop() if self.busy else self.record()
            return
        if self.pause_action.isEnabled():
            self.pause_action.trigger()

    # -- recording ----------------------------------------------------------------------------------
    def record(self) -> None:
        if not self.can_record():
            return
        self.message.hide()
        self._countdown_left = int(self.form.countdown.currentData() or 0)
        if self._countdown_left > 0:
            self.status_panel.show_countdown(self._countdown_left)
            self._countdown.start()
            self._update_actions()
        else:
            self._start()

    def _tick(self) -> None:
        self._countdown_left -= 1
        if self._countdown_left > 0:
            self.status_panel.show_countdown(self._countdown_left)
        else:
            self._countdown.stop()
            self._start()

    def _start(self) -> None:
        settings = self.form.settings()
        self.status_panel.reset()
        self.status_panel.show_state("starting")
        self.scene_log.reset()
        self.scene_box.setVisible(bool(settings.scene))
        if not self.worker.record(settings):
            self.message.show_message("A recording is already running.", "error")
        self._update_actions()

    def stop(self) -> None:
        if self._countdown.isActive():
            self._countdown.stop()
            self.status_panel.reset()
        elif self.worker.busy:
            self.status_panel.show_state("stopping")
            self.worker.stop()
        self._update_actions()

    def show_paused(self, paused: bool) -> None:
        self.pause_button.setText("▶  Resume" if paused else "❚❚  Pause")

    def _finished(self, result: RecordingResult) -> None:
        cameras = dataset_cameras(result)
        if cameras:
            self.form.scene.dataset.offer_cameras(cameras)  # the avatars this scene has, offered next time
        text, kind = result_message(result)
        self.message.show_message(text, kind)
        self.statusBar().showMessage(text.splitlines()[0], 10000)
        self.status_panel.show_state("failed" if result.error else "done")
        self.recordings.refresh(select=result.path)
        self._after_recording()

    def _failed(self, message: str) -> None:
        self.message.show_message(message, "error")
        self.statusBar().showMessage(message, 10000)
        self.status_panel.show_state("failed")
        self._after_recording()

    def _after_recording(self) -> None:
        self.preview.set_recording(False)
        self._update_actions()
        self.live.schedule()
        self._look_for_unfinished()  # e.g. a recording whose MP4 could not be written is kept unfinished
        if self._close_pending:
            self.close()

    # -- closing ------------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self._countdown.isActive():
            self.stop()
        if self.worker.busy:
            event.ignore()  # finish the file first; _after_recording closes the window again
            self._close_pending = True
            self.message.show_message("Stopping and saving the recording before closing…", "info")
            self.stop()
            return
        self.shutdown()
        event.accept()

    def signal_note(self, text: str) -> None:
        """What a signal to the window does now (app.ui.interrupt): e.g. a second Ctrl+C while it finishes."""
        self.message.show_message(text, "info")
        self.statusBar().showMessage(text, 10000)

    def shutdown(self) -> None:
        """Save the choices and end the helper threads; safe to call twice."""
        if self._shut:
            return
        self._shut = True
        self.store.save(self.form.settings())
        self.store.save_geometry(self.saveGeometry())
        self.store.sync()
        if self.form.region.picker is not None:
            self.form.region.picker.close()
        self.background.close()
        self.global_keys.close()
        self.control.close()
        self.batch.shutdown()
        self.worker.shutdown()
        if self.tray is not None:
            self.tray.hide()


def run(argv: list[str]) -> int:
    """Start the window; returns the exit code of the Qt event loop."""
    keep_secrets_from_children()  # before the Machine copies our environment: no child sees the OBS password
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "tdw-recorder-gui", *argv])
    app.setOrganizationName("TDW Recorder")
    app.setApplicationName("TDW Recorder")
    app.setDesktopFileName(APP_ID)  # Wayland: the compositor takes the icon from that .desktop file
    app.setWindowIcon(window_icon())
    app.setStyle("Fusion")
    app.setStyleSheet(STYLE)
    window = MainWindow()
    window.show()
    restore = close_on_signals(window, note=window.signal_note)
    try:
        code = app.exec()
    finally:
        restore()
        window.shutdown()  # stops and finalises a recording if the loop ended some other way
    return code
