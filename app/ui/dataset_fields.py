"""The window's dataset choice for TDW's own frames: which cameras (avatars), which passes, what data per frame, and
an MP4 of each camera to share, and `_img` lossless (the CLI's --cameras, --passes, --frame-data, --mp4 and --lossless;
app.model.dataset says what each means).

Cameras are only known once a scene has run, so the list offers "the first that renders", "all", and then each
camera seen in this window's last recording of a scene; any avatar id can be typed.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QHBoxLayout, QWidget

from app.model.dataset import FRAME_DATA, PASSES, split
from app.ui.widgets import ProblemLabel, field_row

PASS_TIPS = {
    "_img": "the rendered picture (H.264, as always)",
    "_id": "segmentation colours per object (lossless)",
    "_category": "segmentation colours per category (lossless)",
    "_mask": "object mask (lossless)",
    "_depth": "depth, 24-bit as TDW encodes it (lossless; TDWUtils.get_depth_values reads it)",
    "_depth_simple": "depth, 8-bit (lossless)",
    "_normals": "surface normals",
    "_flow": "optical flow",
    "_albedo": "colour without lighting",
}
DATA_TIPS = {"camera": "each camera's matrices, every frame", "avatars": "each avatar's position and rotation, every frame",
             "objects": "every object's position and rotation, every frame", "collisions": "the collisions of that frame"}


def nothing_chosen(passes: str) -> dict:
    """The dataset fields of CaptureSettings where no dataset is offered (not a scene's own frames)."""
    return dict(cameras="", passes=passes, frame_data="", share_mp4=False, lossless=False)


class DatasetFields(QObject):
    changed = Signal()

    def __init__(self, parent: QObject | None = None, columns: int = 3) -> None:
        """`columns`: pass boxes per line (the Batch tab's box has width to spare and no height)."""
        super().__init__(parent)
        self.problems = {name: ProblemLabel() for name in ("cameras", "passes", "frame_data")}
        self.cameras = QComboBox(editable=True, minimumContentsLength=18,
                                 toolTip="The avatars to record: all, or their ids (a,b); empty: the first that renders")
        self.cameras.addItems(["", "all"])
        self.cameras.lineEdit().setPlaceholderText("the first that renders")
        self.pass_boxes = {name: QCheckBox(name, toolTip=PASS_TIPS[name]) for name in PASSES}
        self.pass_boxes["_img"].setChecked(True)
        self.data_boxes = {name: QCheckBox(name, toolTip=DATA_TIPS.get(name, "")) for name in FRAME_DATA}
        self.share = QCheckBox("Also an MP4 of each camera's _img, to share", toolTip=(
            "NAME.<camera>.mp4 beside each NAME.<camera>.mkv: its _img track copied, not re-encoded (--mp4)"))
        self.lossless = QCheckBox("Lossless _img", toolTip=(
            "_img as lossless H.264 in RGB: every pixel as the build sent it; files several times larger (--lossless)"))
        passes = QWidget()
        grid = QGridLayout(passes)
        grid.setContentsMargins(0, 0, 0, 0)
        for index, box in enumerate(self.pass_boxes.values()):
            grid.addWidget(box, index // columns, index % columns)
        options = QHBoxLayout()
        options.addWidget(self.share)
        options.addWidget(self.lossless)
        options.addStretch(1)
        grid.addLayout(options, (len(self.pass_boxes) + columns - 1) // columns, 0, 1, columns)
        data = QWidget()
        line = QHBoxLayout(data)
        line.setContentsMargins(0, 0, 0, 0)
        for box in self.data_boxes.values():
            line.addWidget(box)
        line.addStretch(1)
        self.rows = [
            ("Cameras", field_row(self.cameras, problems=(self.problems["cameras"],), stretch=False)),
            ("Passes", field_row(passes, problems=(self.problems["passes"],))),
            ("Frame data", field_row(data, problems=(self.problems["frame_data"],))),
        ]
        self.cameras.currentTextChanged.connect(self._edited)
        for box in (*self.pass_boxes.values(), *self.data_boxes.values(), self.share, self.lossless):
            box.toggled.connect(self._edited)

    def values(self) -> dict:
        """The dataset fields of CaptureSettings (`lossless` belongs to its Encoding)."""
        return dict(cameras=self.cameras.currentText().strip(),
                    passes=",".join(name for name, box in self.pass_boxes.items() if box.isChecked()),
                    frame_data=",".join(name for name, box in self.data_boxes.items() if box.isChecked()),
                    share_mp4=self.share.isChecked(), lossless=self.lossless.isChecked())

    def load(self, cameras: str, passes: str, frame_data: str, share_mp4: bool = False, lossless: bool = False) -> None:
        widgets = (self.cameras, *self.pass_boxes.values(), *self.data_boxes.values(), self.share, self.lossless)
        for widget in widgets:
            widget.blockSignals(True)
        self.cameras.setCurrentText(cameras)
        self.share.setChecked(share_mp4)
        self.lossless.setChecked(lossless)
        chosen, data = split(passes), split(frame_data)
        for name, box in self.pass_boxes.items():
            box.setChecked(name in chosen)
        for name, box in self.data_boxes.items():
            box.setChecked(name in data)
        for widget in widgets:
            widget.blockSignals(False)

    def offer_cameras(self, names: list[str]) -> None:
        """Cameras seen in a recording: each becomes a choice (and `a,b` for all of them), the typed text kept."""
        current = self.cameras.currentText()
        known = [self.cameras.itemText(i) for i in range(self.cameras.count())]
        offers = [*names, ",".join(names)] if len(names) > 1 else list(names)
        self.cameras.blockSignals(True)
        for name in offers:
            if name and name not in known:
                self.cameras.addItem(name)
        self.cameras.setCurrentText(current)
        self.cameras.blockSignals(False)

    def _edited(self) -> None:
        self.changed.emit()
