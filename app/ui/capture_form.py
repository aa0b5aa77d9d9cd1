"""The settings form: every choice of a recording, turned into a `CaptureSettings` and back.

Fields the form does not show (ffmpeg path, free-space minimum, ...) are kept from the loaded settings,
so saving never loses them. Each field has its own problem label for the inline preflight. The backends
are the engine's registry, each greyed out with its reason when it cannot be used here.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace

from PySide6.QtCore import Signal, QTimer
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QPushButton, QSpinBox,
    QVBoxLayout, QWidget,
)

from app.audio.pulse import AudioSource
from app.capture import registry
from app.errors import Problem
from app.model.encoding import X264_PRESETS
from app.machine import Machine
from app.model.obs import DEFAULT_PORT, OBS_BACKENDS, ObsSettings
from app.model.settings import MAX_FPS, MODES, CaptureSettings
from app.ui.background import Background
from app.ui.display_choices import as_tooltip, display_reason
from app.ui.encoder_keys import EncoderKeysGroup
from app.ui.region_panel import RegionPanel
from app.ui.scene_panel import ScenePanel
from app.ui.settings_store import WindowChoices
from app.ui.widgets import ProblemLabel, add_item, browse_button, field_row, select_data

DEFAULT_AUDIO = "default"
NO_AUDIO = "none"
FRAMES_AUDIO_TIP = "No sound: only TDW's frames. A source records the build's sound on the frames' clock (Linux)."
BACKEND_TIPS = {"ffmpeg": "Records with ffmpeg (x11grab + PulseAudio)"}
PRESETS = X264_PRESETS
DEFAULT_FPS = {"video": 30, "video-frames": 30, "av": 60, "audio": 60}  # TDW's advice: 60 when audio is recorded


def audio_slot(mode: str) -> str | None:
    """Which remembered audio choice a mode uses: the screen modes' source, or TDW frames' sound (none by default)."""
    return {"av": "source", "audio": "source", "video-frames": "frames"}.get(mode)


def backend_reasons(display_kind: str = "x11", platform: str = sys.platform) -> dict[str, str | None]:
    """Why each registered backend cannot be used here (None: it can): not installed, or nothing it records works on
    this kind of display (e.g. OBS in a Wayland session); may be slow, so run off the GUI thread."""
    reasons: dict[str, str | None] = {}
    for name in registry.names():
        try:
            found = [registry.unavailable(name), display_reason(name, display_kind, platform)]
            reasons[name] = " ".join(reason for reason in found if reason) or None
        except Exception as exc:  # noqa: BLE001 - a broken check greys the backend out with its error
            reasons[name] = f"{registry.info(name).label} could not be checked: {exc}"
    return reasons


class CaptureForm(QWidget):
    changed = Signal()

    def __init__(self, background: Background, machine: Machine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._background, self._machine = background, machine
        self._base = CaptureSettings()
        self._sources: list[AudioSource] = []
        self._audio_choice = {"source": DEFAULT_AUDIO, "frames": NO_AUDIO}  # per audio_slot; "frames" may be none
        self._backend_reasons: dict[str, str | None] = {}
        self.problems: dict[str, ProblemLabel] = {
            name: ProblemLabel()
            for name in ("mode", "backend", "ffmpeg", "audio", "encoder", "output_dir", "name", "container", "fps", "duration", "quality",
                         "obs_host", "obs_port", "obs_password_file")
        }
        self.obs_problem = ProblemLabel()  # any other OBS problem (a field starting with "obs")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._capture_group())
        self.obs_group = self._obs_group()
        layout.addWidget(self.obs_group)
        self.scene = ScenePanel()
        layout.addWidget(self.scene)
        self.region = RegionPanel(background, machine)
        layout.addWidget(self.region)
        layout.addWidget(self._output_group())
        layout.addWidget(self._timing_group())
        self.extras = EncoderKeysGroup(self.problems["encoder"])
        layout.addWidget(self.extras)
        layout.addStretch(1)
        self.mode.currentIndexChanged.connect(self._mode_changed)  # before _edited: the audio choice follows the mode
        self.audio.currentIndexChanged.connect(self._audio_picked)
        for signal in (self.audio2.currentIndexChanged, self.extras.encoder.currentIndexChanged,
                       self.mode.currentIndexChanged, self.backend.currentIndexChanged, self.audio.currentIndexChanged,
                       self.scene.changed, self.region.changed, self.folder.textChanged, self.name.textChanged, self.container.currentIndexChanged,
                       self.fps.valueChanged, self.duration.valueChanged, self.countdown.currentIndexChanged,
                       self.crf.valueChanged, self.preset.currentIndexChanged, self.draw_mouse.toggled, self.finalise.toggled,
                       self.obs_host.textChanged, self.obs_port.valueChanged, self.obs_password.textChanged,
                       self.obs_password_file.textChanged, self.obs_profile.textChanged, self.obs_collection.textChanged,
                       self.obs_scene.textChanged):
            signal.connect(self._edited)
        self._last_mode = self.mode_value()
        self._align_labels()
        self._clock = QTimer(self, interval=1000)  # the name preview shows the time the file would get now
        self._clock.timeout.connect(self._preview_name)
        self._clock.start()

    def _align_labels(self) -> None:
        """One label column width for every group, so the fields line up down the form."""
        labels = [label for form in self.findChildren(QFormLayout) for row in range(form.rowCount())
                  if (item := form.itemAt(row, QFormLayout.LabelRole)) and isinstance(label := item.widget(), QLabel)]
        width = max(label.sizeHint().width() for label in labels)
        for label in labels:
            label.setMinimumWidth(width)

    # -- groups -------------------------------------------------------------------------------------
    def _capture_group(self) -> QGroupBox:
        group = QGroupBox("Capture")
        form = QFormLayout(group)
        self.mode = QComboBox()
        add_item(self.mode, "Video from screen", "video")
        add_item(self.mode, "Audio + video", "av")
        add_item(self.mode, "Audio only", "audio")
        add_item(self.mode, "Video from TDW frames", "video-frames",
                 tooltip="TDW's own rendered images, every frame once, straight into the video (needs a scene)")
        self.backend = QComboBox(minimumContentsLength=20)
        self.backend.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self._fill_backends({}, "ffmpeg")
        self.audio = QComboBox(minimumContentsLength=20)
        self.audio.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.audio_refresh = QPushButton("Refresh", toolTip="List the sound server's sources again")
        self.audio_refresh.clicked.connect(self.refresh_sources)
        self.audio2 = QComboBox(minimumContentsLength=20, toolTip="Audio + video: a second source (e.g. a microphone), "
                                                                  "recorded as a track of its own")
        self.audio2.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self._second = NO_AUDIO
        self._fill_sources([])
        form.addRow("Mode", field_row(self.mode, problems=(self.problems["mode"],)))
        form.addRow("Backend", field_row(self.backend, problems=(self.problems["backend"], self.problems["ffmpeg"])))
        form.addRow("Audio source", field_row(self.audio, self.audio_refresh, problems=(self.problems["audio"],)))
        form.addRow("Second source", field_row(self.audio2))
        return group

    def _obs_group(self) -> QGroupBox:
        """Where OBS is and how to reach it; shown only for the OBS backends. The password stays in memory."""
        group = QGroupBox("OBS")
        form = QFormLayout(group)
        self.obs_host = QLineEdit(placeholderText="localhost", toolTip="The machine OBS runs on")
        self.obs_port = QSpinBox(minimum=1, maximum=65535, value=DEFAULT_PORT, minimumWidth=110,
                                 toolTip=f"OBS WebSocket server port (OBS's default is {DEFAULT_PORT})")
        self.obs_password = QLineEdit(echoMode=QLineEdit.Password, placeholderText="(none, or from the password file)",
                                      toolTip="Kept for this session only: it is never saved. To remember it, "
                                              "use a password file (chmod 600).")
        self.obs_password_file = QLineEdit(placeholderText="optional: a file holding the password (chmod 600)")
        browse = browse_button(self.obs_password_file, "OBS password file", tooltip="Choose a file holding the OBS WebSocket password")
        self.obs_profile = QLineEdit(placeholderText="optional")
        self.obs_collection = QLineEdit(placeholderText="optional")
        self.obs_scene = QLineEdit(placeholderText="optional")
        form.addRow("Host", field_row(self.obs_host, problems=(self.problems["obs_host"],)))
        form.addRow("Port", field_row(self.obs_port, problems=(self.problems["obs_port"],), stretch=False))
        form.addRow("Password", field_row(self.obs_password))
        form.addRow("Password file", field_row(self.obs_password_file, browse, problems=(self.problems["obs_password_file"],)))
        form.addRow("Profile", field_row(self.obs_profile))
        form.addRow("Collection", field_row(self.obs_collection))
        form.addRow("Scene", field_row(self.obs_scene, problems=(self.obs_problem,)))
        group.setVisible(False)
        return group

    def obs_settings(self) -> ObsSettings:
        return ObsSettings(
            host=self.obs_host.text().strip() or "localhost", port=self.obs_port.value(), password=self.obs_password.text(),
            password_file=self.obs_password_file.text().strip(), profile=self.obs_profile.text().strip(),
            collection=self.obs_collection.text().strip(), scene=self.obs_scene.text().strip(),
        )

    def _output_group(self) -> QGroupBox:
        group = QGroupBox("Output")
        form = QFormLayout(group)
        self.folder = QLineEdit()
        browse = browse_button(self.folder, "Folder for recordings", folder=True, tooltip="Choose the folder recordings are saved in")
        self.name = QLineEdit(toolTip="File name; strftime codes such as %Y%m%d-%H%M%S give the date and time")
        self.name_preview = QLabel(objectName="hint")
        name_box = QWidget()
        name_column = QVBoxLayout(name_box)
        name_column.setContentsMargins(0, 0, 0, 0)
        name_column.setSpacing(2)
        name_column.addWidget(self.name)
        name_column.addWidget(self.name_preview)
        name_column.addWidget(self.problems["name"])
        self.container = QComboBox(toolTip="What is written while recording; both survive a crash")
        add_item(self.container, "MKV (crash-safe)", "mkv")
        add_item(self.container, "MP4 (fragmented)", "mp4")
        self.finalise = QCheckBox("Turn it into a standard MP4 when it stops")
        form.addRow("Folder", field_row(self.folder, browse, problems=(self.problems["output_dir"],)))
        form.addRow("Name", name_box)
        form.addRow("Recording as", field_row(self.container, problems=(self.problems["container"],)))
        form.addRow("", self.finalise)
        return group

    def _timing_group(self) -> QGroupBox:
        group = QGroupBox("Timing and quality")
        form = QFormLayout(group)
        self.fps = QSpinBox(minimumWidth=110, minimum=0, maximum=MAX_FPS, suffix=" fps", toolTip="30 for video, 60 when audio is recorded (TDW docs)")
        self.duration = QDoubleSpinBox(minimum=0, maximum=24 * 3600, decimals=1, suffix=" s", specialValueText="until stopped", minimumWidth=140)
        self.countdown = QComboBox(toolTip="Wait before recording starts")
        for seconds in (0, 3, 5):
            add_item(self.countdown, "none" if not seconds else f"{seconds} s", seconds)
        self.crf = QSpinBox(minimumWidth=110, minimum=0, maximum=51, prefix="crf ", toolTip="Lower is better: 18 looks lossless, 23 is smaller")
        self.preset = QComboBox(toolTip="x264 preset: faster presets use less CPU, slower ones give smaller files")
        for preset in PRESETS:
            add_item(self.preset, preset, preset)
        self.draw_mouse = QCheckBox("Record the mouse pointer")
        form.addRow("Framerate", field_row(self.fps, problems=(self.problems["fps"],), stretch=False))
        form.addRow("Duration", field_row(self.duration, problems=(self.problems["duration"],), stretch=False))
        form.addRow("Countdown", field_row(self.countdown, stretch=False))
        form.addRow("Quality", field_row(self.crf, self.preset, problems=(self.problems["quality"],), stretch=False))
        form.addRow("", self.draw_mouse)
        return group

    # -- values -------------------------------------------------------------------------------------
    def mode_value(self) -> str:
        return self.mode.currentData()

    def settings(self) -> CaptureSettings:
        mode = self.mode_value()
        scene = self.scene.values()
        lossless = scene.pop("lossless")  # the dataset's box, an encoding choice
        return replace(
            self._base, mode=mode, backend=self.backend.currentData() or "ffmpeg", region=self.region.region_text(),
            fps=float(self.fps.value()), **scene,
            audio=self._audio_value(mode), more_audio=[self.audio2.currentData()] if self._two_tracks(mode) else [],
            output_dir=self.folder.text().strip(), name_pattern=self.name.text().strip(),
            duration=self.duration.value() or None, finalise=self.finalise.isChecked(), draw_mouse=self.draw_mouse.isChecked(),
            encoding=replace(self._base.encoding, video_codec=self.extras.encoder_value(), crf=self.crf.value(), preset=self.preset.currentData(),
                             container=self.container.currentData(), lossless=lossless),
            obs=self.obs_settings(),
        )

    def _two_tracks(self, mode: str) -> bool:
        return mode == "av" and self.audio2.currentData() not in (None, NO_AUDIO)

    def _audio_value(self, mode: str) -> str:
        slot = audio_slot(mode)
        return self._audio_choice[slot] if slot else NO_AUDIO

    def choices(self) -> WindowChoices:
        """What the window remembers beside the engine's settings (the audio choice of the modes not chosen)."""
        return WindowChoices(self.countdown.currentData(), self._audio_choice["source"], self._audio_choice["frames"])

    def load(self, settings: CaptureSettings, choices: WindowChoices | None = None) -> None:
        choices = choices or WindowChoices()
        self._base = settings
        self.blockSignals(True)
        select_data(self.mode, settings.mode if settings.mode in MODES else "video")
        self._last_mode = self.mode_value()
        self._fill_backends(self._backend_reasons, settings.backend)
        self._audio_choice = {"source": choices.audio_source or DEFAULT_AUDIO, "frames": choices.frames_audio or NO_AUDIO}
        slot = audio_slot(self._last_mode)  # the settings hold the audio of their own mode: it wins
        if slot == "frames" or (slot and settings.audio not in ("", NO_AUDIO)):
            self._audio_choice[slot] = settings.audio or NO_AUDIO
        self._second = settings.more_audio[0] if settings.more_audio else NO_AUDIO
        self.audio2.clear()  # refilled below with the loaded choice
        self._fill_sources(self._sources)
        self.scene.load(settings.scene, list(settings.scene_args), settings.build, settings.screen_size, settings.keep_frames,
                        settings.cameras, settings.passes, settings.frame_data, settings.share_mp4, settings.encoding.lossless)
        self.region.load(settings.region, scene=bool(settings.scene))
        self.folder.setText(settings.output_dir)
        self.name.setText(settings.name_pattern)
        select_data(self.container, settings.encoding.container)
        self.fps.setValue(round(float(settings.fps)) if isinstance(settings.fps, (int, float)) else 30)
        self.duration.setValue(float(settings.duration or 0))
        select_data(self.countdown, choices.countdown)
        self.crf.setValue(int(settings.encoding.crf))
        select_data(self.preset, settings.encoding.preset)
        self.extras.load_encoder(settings.encoding.video_codec)
        self.draw_mouse.setChecked(settings.draw_mouse)
        self.finalise.setChecked(settings.finalise)
        obs = settings.obs
        self.obs_host.setText(obs.host)
        self.obs_port.setValue(obs.port if isinstance(obs.port, int) and 0 < obs.port < 65536 else DEFAULT_PORT)
        self.obs_password.setText(obs.password)
        self.obs_password_file.setText(obs.password_file)
        self.obs_profile.setText(obs.profile)
        self.obs_collection.setText(obs.collection)
        self.obs_scene.setText(obs.scene)
        self.blockSignals(False)
        self._edited()

    def show_problems(self, problems: list[Problem]) -> list[Problem]:
        """Put each problem under its field; return those that belong to no field (for the banner)."""
        by_field: dict[str, list[Problem]] = {}
        for problem in problems:
            by_field.setdefault(problem.field, []).append(problem)
        for name, label in self.problems.items():
            label.show_messages([p.message for p in by_field.pop(name, [])])
        self.obs_problem.show_messages([p.message for name in [n for n in by_field if n.startswith("obs")]
                                        for p in by_field.pop(name)])
        self.scene.show_problems(by_field)
        self.region.show_problems(by_field.pop("region", []))
        return [p for rest in by_field.values() for p in rest]

    def local_problems(self) -> list[Problem]:
        """Problems only the window can see (checked with the engine's, see LiveCheck)."""
        return self.scene.local_problems()

    # -- reactions ----------------------------------------------------------------------------------
    def refresh_backends(self) -> None:
        machine = self._machine  # its display kind, as the region panel's: read off the GUI thread
        self._background.call(lambda: backend_reasons(machine.display.kind, machine.platform), self._backends_checked)

    def _backends_checked(self, reasons: dict[str, str | None]) -> None:
        self._fill_backends(reasons, self.backend.currentData())

    def _fill_backends(self, reasons: dict[str, str | None], wanted: str) -> None:
        self._backend_reasons = reasons
        self.backend.blockSignals(True)
        self.backend.clear()
        for name in registry.names():
            reason = reasons.get(name)
            add_item(self.backend, registry.info(name).label, name, enabled=reason is None,
                     tooltip=as_tooltip(reason) if reason else BACKEND_TIPS.get(name, ""))
        if not select_data(self.backend, wanted):
            add_item(self.backend, f"{wanted}  (not installed)", wanted, enabled=False, tooltip=f"No backend named {wanted!r} is registered.")
            select_data(self.backend, wanted)
        self.backend.blockSignals(False)

    def refresh_sources(self) -> None:
        self.audio_refresh.setEnabled(False)
        self._background.call(self._machine.pulse.sources, self._sources_listed, self._sources_failed)

    def _sources_listed(self, sources: list[AudioSource]) -> None:
        self._sources = sources
        self._fill_sources(sources)

    def _sources_failed(self, exc: BaseException) -> None:
        self.audio_refresh.setEnabled(True)
        self.audio.setToolTip(str(exc))

    def _fill_sources(self, sources: list[AudioSource]) -> None:
        """The sources, showing the current mode's choice; TDW frames may also have none (their default)."""
        slot = audio_slot(self.mode_value())
        wanted = self._audio_choice[slot or "source"]
        self.audio_refresh.setEnabled(True)
        self.audio.blockSignals(True)
        self.audio.clear()
        if slot == "frames":
            add_item(self.audio, "none (TDW frames only)", NO_AUDIO, tooltip=FRAMES_AUDIO_TIP)
        add_item(self.audio, "default (what the computer plays)", DEFAULT_AUDIO)
        for source in sources:
            add_item(self.audio, source.describe(), source.name)
        if not select_data(self.audio, wanted):
            add_item(self.audio, f"{wanted}  (not found)", wanted)
            select_data(self.audio, wanted)
        self.audio.blockSignals(False)
        second = self.audio2.currentData() if self.audio2.count() else self._second
        self.audio2.blockSignals(True)
        self.audio2.clear()
        add_item(self.audio2, "none", NO_AUDIO)
        for source in sources:
            add_item(self.audio2, source.describe(), source.name)
        if not select_data(self.audio2, second):
            add_item(self.audio2, f"{second}  (not found)", second)
            select_data(self.audio2, second)
        self.audio2.blockSignals(False)

    def _audio_picked(self) -> None:
        slot = audio_slot(self.mode_value())
        if slot and self.audio.currentData() is not None:
            self._audio_choice[slot] = self.audio.currentData()

    def _mode_changed(self) -> None:
        """The mode's own audio choice; 30 fps for video, 60 when audio is recorded (TDW's advice), unless the
        user chose another."""
        mode, before = self.mode_value(), self._last_mode
        self._last_mode = mode
        self._fill_sources(self._sources)
        if self.fps.value() == DEFAULT_FPS.get(before):
            self.fps.setValue(DEFAULT_FPS[mode])

    def _edited(self) -> None:
        mode = self.mode_value()
        self.obs_group.setVisible(self.backend.currentData() in OBS_BACKENDS)
        self.audio.setEnabled(audio_slot(mode) is not None)
        self.audio2.setEnabled(mode == "av")
        self.region.setEnabled(mode in ("video", "av"))
        self.region.set_backend(self.backend.currentData() or "ffmpeg", mode)  # before set_scene: may TDW's window be the default
        self.region.set_scene(bool(self.scene.scene()))
        self.scene.set_mode(mode)
        self._preview_name()
        if not self.signalsBlocked():
            self.changed.emit()

    def _preview_name(self) -> None:
        if not self.isEnabled():
            return  # recording: the form is locked, and its clock would only cost the GUI thread
        suffix = "mp4" if self.finalise.isChecked() else self.container.currentData()
        try:
            self.name_preview.setText(f"→ {time.strftime(self.name.text() or 'tdw')}.{suffix}")
        except ValueError:
            self.name_preview.setText("")
