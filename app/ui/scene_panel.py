"""Which TDW scene runs while recording: none, a demo, or the user's own controller script with its
arguments, plus the build that renders it, its screen size and (for TDW frames) where to keep the frames.

Only the "Scene" row shows until a scene is chosen; the engine launches the build and the script itself.
"""

from __future__ import annotations

import ast
import shlex

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLineEdit, QWidget

from app.errors import Problem
from app.scene.build import default_build_path
from app.scene.runner import demos
from app.ui.dataset_fields import DatasetFields, nothing_chosen
from app.ui.widgets import ProblemLabel, add_item, browse_button, field_row, select_data

SCREEN_SIZES = ("640x360", "1280x720", "1920x1080")


def demo_summary(name: str) -> str:
    """The first line of a demo's docstring, for its tooltip."""
    try:
        doc = ast.get_docstring(ast.parse(demos()[name].read_text()))
    except (OSError, SyntaxError, KeyError):
        return ""
    return (doc or "").splitlines()[0] if doc else ""


def split_args(text: str) -> tuple[list[str], str | None]:
    """The arguments as a shell would split them, or (split at spaces, the problem) when a quote is open."""
    try:
        return shlex.split(text), None
    except ValueError:
        return text.split(), "A quote in the arguments is not closed: close it (arguments are split as a shell would)."


class ScenePanel(QGroupBox):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("TDW scene", parent)
        self.problems: dict[str, ProblemLabel] = {name: ProblemLabel() for name in ("build", "screen_size", "scene_args", "keep_frames")}
        # A "scene" problem shows under the demo or the script; "needs a scene" under the choice itself.
        self.scene_problems = {kind: ProblemLabel() for kind in ("", "demo", "script")}
        self.kind = QComboBox(toolTip="A scene the recorder launches (with its TDW build) and records")
        add_item(self.kind, "None: record the screen as it is", "")
        add_item(self.kind, "Demo scene", "demo")
        add_item(self.kind, "Your controller script", "script")
        self.demo = QComboBox()
        for name in demos():
            add_item(self.demo, name, name, tooltip=demo_summary(name))
        self.script = QLineEdit(placeholderText="your_controller.py", toolTip="Your controller script; it runs unmodified")
        self.args = QLineEdit(placeholderText="none", toolTip="Command-line arguments for the script, as in a shell")
        self.build = QLineEdit(placeholderText=f"{default_build_path()} (tdw's default)",
                               toolTip=f"The TDW build (TDW.x86_64); empty: {default_build_path()}")
        self.screen_size = QComboBox(editable=True, minimumContentsLength=15,
                                     toolTip="WIDTHxHEIGHT with even numbers, sent to the build with set_screen_size")
        self.screen_size.addItems(["", *SCREEN_SIZES])
        self.screen_size.lineEdit().setPlaceholderText("the build's own")
        self.keep_frames = QLineEdit(placeholderText="not saved: frames go straight into the video",
                                     toolTip="Also save every frame here, named as TDWUtils.save_images names them")
        self.form = QFormLayout(self)
        self.form.addRow("Scene", field_row(self.kind, problems=(self.scene_problems[""],), stretch=False))
        self.form.addRow("Demo", field_row(self.demo, problems=(self.scene_problems["demo"],)))
        self.form.addRow("Script", field_row(
            self.script, browse_button(self.script, "Controller script", filter="Python scripts (*.py)"),
            problems=(self.scene_problems["script"],)))
        self.form.addRow("Arguments", field_row(self.args, problems=(self.problems["scene_args"],)))
        self.form.addRow("TDW build", field_row(
            self.build, browse_button(self.build, "TDW build (TDW.x86_64)"), problems=(self.problems["build"],)))
        self.form.addRow("Screen size", field_row(self.screen_size, problems=(self.problems["screen_size"],), stretch=False))
        self.form.addRow("Keep frames", field_row(
            self.keep_frames, browse_button(self.keep_frames, "Folder for the frames", folder=True),
            problems=(self.problems["keep_frames"],)))
        self.dataset = DatasetFields(self)  # TDW frames: cameras, passes, frame data (rows 7, 8, 9)
        for label, row in self.dataset.rows:
            self.form.addRow(label, row)
        self.problems.update(self.dataset.problems)
        self.dataset.changed.connect(self._edited)
        self._mode = "video"
        for signal in (self.kind.currentIndexChanged, self.demo.currentIndexChanged, self.script.textChanged,
                       self.args.textChanged, self.build.textChanged, self.screen_size.currentTextChanged,
                       self.keep_frames.textChanged):
            signal.connect(self._edited)
        self._show_rows()

    # -- value --------------------------------------------------------------------------------------
    def scene(self) -> str:
        kind = self.kind.currentData()
        if kind == "demo":
            return f"demo:{self.demo.currentData()}" if self.demo.currentData() else "demo:"
        if kind == "script":
            return self.script.text().strip()
        return ""

    def values(self) -> dict:
        """The scene fields of `CaptureSettings` (a dataset's only with a scene's own frames: the rows show then)."""
        frames = bool(self.kind.currentData()) and self._mode == "video-frames"
        dataset = self.dataset.values() if frames else nothing_chosen(passes="_img")
        return dict(scene=self.scene(), scene_args=split_args(self.args.text())[0], build=self.build.text().strip(),
                    screen_size=self.screen_size.currentText().strip(), keep_frames=self.keep_frames.text().strip(),
                    **dataset)

    def local_problems(self) -> list[Problem]:
        """What only the window can see: no script picked yet, and arguments the engine gets already split."""
        problems = []
        if self.kind.currentData() == "script" and not self.script.text().strip():
            problems.append(Problem("scene", "Choose your controller script (a .py file), or pick a demo."))
        args_problem = split_args(self.args.text())[1] if self.kind.currentData() else None
        if args_problem:
            problems.append(Problem("scene_args", args_problem))
        return problems

    def load(self, scene: str, args: list[str], build: str, screen_size: str, keep_frames: str,
             cameras: str = "", passes: str = "_img", frame_data: str = "", share_mp4: bool = False,
             lossless: bool = False) -> None:
        self.blockSignals(True)
        self.dataset.load(cameras, passes, frame_data, share_mp4, lossless)
        if scene.startswith("demo:"):
            select_data(self.kind, "demo")
            name = scene.split(":", 1)[1]
            if not select_data(self.demo, name):
                add_item(self.demo, f"{name}  (not found)", name)
                select_data(self.demo, name)
        elif scene:
            select_data(self.kind, "script")
            self.script.setText(scene)
        else:
            select_data(self.kind, "")
        self.args.setText(shlex.join(args))
        self.build.setText(build)
        self.screen_size.setCurrentText(screen_size)
        self.keep_frames.setText(keep_frames)
        self.blockSignals(False)
        self._show_rows()

    def set_mode(self, mode: str) -> None:
        self._mode = mode
        self._show_rows()

    def show_problems(self, by_field: dict[str, list[Problem]]) -> None:
        """Take this panel's problems out of `by_field` and show each under its field."""
        for name, label in self.problems.items():
            label.show_messages([p.message for p in by_field.pop(name, [])])
        scene = [p.message for p in by_field.pop("scene", [])][:1]  # the window's own "choose a script" first
        for kind, label in self.scene_problems.items():
            label.show_messages(scene if kind == self.kind.currentData() else [])

    # -- reactions ----------------------------------------------------------------------------------
    def _show_rows(self) -> None:
        kind = self.kind.currentData()
        self.form.setRowVisible(1, kind == "demo")
        self.form.setRowVisible(2, kind == "script")
        for row in (3, 4, 5):
            self.form.setRowVisible(row, bool(kind))
        self.form.setRowVisible(6, bool(kind) and self._mode == "video-frames")
        for row in (7, 8, 9):
            self.form.setRowVisible(row, bool(kind) and self._mode == "video-frames")

    def _edited(self) -> None:
        self._show_rows()
        if not self.signalsBlocked():
            self.changed.emit()
