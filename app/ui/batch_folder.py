"""The Batch tab's "from a folder of scripts" box: pick a folder, set the defaults every job shares, make the list.

Making the list writes an ordinary jobs file into the batch's output folder (`app.batch.folder`), off the
GUI thread, and hands its path on (`built`): the tab then loads it like any jobs file, and the same batch
can be rerun from the command line with `tdw-recorder batch <that file> --out <folder>`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget,
)

from app.batch.folder import build_from_folder
from app.output import expand_folder
from app.scene.build import default_build_path
from app.model.dataset import PASSES
from app.model.settings import MAX_FPS, CaptureSettings
from app.ui.background import Background
from app.ui.dataset_fields import DatasetFields, nothing_chosen
from app.ui.scene_panel import split_args
from app.ui.widgets import ProblemLabel, add_item, browse_button, field_row
from app.ui.worker import one_line


class FolderJobsBox(QGroupBox):
    built = Signal(str)  # the jobs file just written

    def __init__(self, background: Background, out: QLineEdit, parent: QWidget | None = None) -> None:
        super().__init__("New batch from a folder of scripts", parent)
        self._background = background
        self._out = out  # the tab's output folder field: the jobs file goes there
        self.folder = QLineEdit(placeholderText="a folder of controller scripts (*.py): one job per script")
        self.mode = QComboBox(toolTip="What every job records")
        add_item(self.mode, "Video from TDW frames", "video-frames", tooltip="TDW's own images: every frame, no screen")
        add_item(self.mode, "Video from the build's window", "video")
        add_item(self.mode, "Audio + video", "av")
        add_item(self.mode, "Audio only", "audio")
        self.fps = QSpinBox(minimum=0, maximum=int(MAX_FPS), value=0, specialValueText="default",
                            toolTip="Framerate of every job; default: 30, or 60 when audio is recorded")
        self.args = QLineEdit(placeholderText="none", toolTip="Arguments given to every script, as in a shell")
        self.build = QLineEdit(placeholderText=f"{default_build_path()} (tdw's default)",
                               toolTip="The TDW build every job launches")
        self.dataset = DatasetFields(self, columns=len(PASSES))  # TDW frames only: cameras, passes, frame data and MP4s, as for one recording
        self.problem = ProblemLabel()
        self.make_button = QPushButton("Make job list", toolTip="One job per script, saved as a jobs file in the "
                                                                 "output folder, then loaded here")
        self.make_button.clicked.connect(self.make)
        form = self._form = QFormLayout(self)
        form.addRow("Scripts folder", field_row(self.folder, browse_button(self.folder, "Folder of controller scripts",
                                                                         folder=True), problems=(self.problem,)))
        shared = QHBoxLayout()  # the defaults every job gets, on one line
        for label, widget, stretch in (("Mode", self.mode, 0), ("FPS", self.fps, 0), ("Arguments", self.args, 1)):
            if shared.count():
                shared.addSpacing(12)
                shared.addWidget(QLabel(label))
            shared.addWidget(widget, stretch)
        form.addRow("Mode", shared)
        for label, row in self.dataset.rows:
            form.addRow(label, row)
        self.mode.currentIndexChanged.connect(self._show_dataset)
        form.addRow("TDW build", field_row(self.build, browse_button(self.build, "TDW build (TDW.x86_64)"),
                                           self.make_button))

    def defaults(self) -> dict:
        """The `[defaults]` every job gets (what is left empty is left to the engine's own defaults)."""
        args, problem = split_args(self.args.text())
        if problem:
            raise ValueError(problem)
        frames = self.mode.currentData() == "video-frames"
        dataset = self.dataset.values() if frames else nothing_chosen(passes="")
        return {"mode": self.mode.currentData(), "fps": self.fps.value() or None, "args": args,
                "build": self.build.text().strip(), "cameras": dataset["cameras"],
                "passes": "" if dataset["passes"] == CaptureSettings.passes else dataset["passes"],  # the default: left out
                "frame-data": dataset["frame_data"], "mp4": dataset["share_mp4"] or None,
                "lossless": dataset["lossless"] or None}

    def _show_dataset(self) -> None:
        frames = self.mode.currentData() == "video-frames"
        for _label, row in self.dataset.rows:
            self._form.setRowVisible(row, frames)

    def make(self) -> None:
        """Write the jobs file off the GUI thread; `built` carries its path."""
        text = self.folder.text().strip()
        if not text:
            self.problem.show_messages(["Pick the folder that holds your controller scripts."])
            return
        folder = Path(text).expanduser().resolve()
        try:
            defaults = self.defaults()
        except ValueError as exc:
            self.problem.show_messages([str(exc)])
            return
        if not self._out.text().strip():
            self._out.setText(str(folder / "out"))
        out = expand_folder(self._out.text().strip())
        self.problem.show_messages([])
        self.make_button.setEnabled(False)
        self._background.call(lambda: build_from_folder(folder, out, defaults), self._made, self._failed)

    def _made(self, path: Path) -> None:
        self.make_button.setEnabled(True)
        self.built.emit(str(path))

    def _failed(self, exc: BaseException) -> None:
        self.make_button.setEnabled(True)
        self.problem.show_messages([one_line(exc)])
