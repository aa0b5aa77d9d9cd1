"""The Batch tab: a jobs file's jobs (or one made from a folder of scripts), their problems, and a run of
them (`BatchRunner`) on this machine's workers or a Ray cluster, with live status.

Loading is `app.batch.orchestrate.prepare` (read the file, skip what is recorded, check the rest: that starts
a headless display for a moment; only the settings themselves for a Ray cluster) off the GUI thread, as
`tdw-recorder batch` does. A run is `orchestrate.start`'s `BatchRunner` on
a Python thread of its own, which also makes its pool (joining a Ray cluster takes seconds): it starts the
job processes, so it lives until the batch ends (their PR_SET_PDEATHSIG fires when that thread exits). Its
snapshots and its text progress come back through queued Qt signals; Stop asks it to stop cleanly.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPlainTextEdit,
    QPushButton, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from app.batch.jobs import Job, read_table
from app.batch.orchestrate import BatchPlan, make_pool, prepare, start
from app.errors import RecorderError
from app.output import expand_folder
from app.ui.background import Background
from app.ui.batch_folder import FolderJobsBox
from app.ui.widgets import ProblemLabel, browse_button, field_row
from app.ui.worker import one_line

log = logging.getLogger(__name__)

COLUMNS = ("Name", "Scene", "Mode", "Args", "Status", "Problems")
NAME, SCENE, MODE, ARGS, STATUS, PROBLEMS = range(len(COLUMNS))


def job_rows(path: Path) -> list[dict]:
    """Every [[job]] entry of the file as shown (name, scene, mode, args), even those with problems."""
    data = read_table(path)
    defaults = data.get("defaults", {}) if isinstance(data.get("defaults", {}), dict) else {}
    entries = data.get("job", data.get("jobs", []))
    rows = []
    for index, entry in enumerate(entries if isinstance(entries, list) else [], start=1):
        values = {**defaults, **(entry if isinstance(entry, dict) else {})}
        args = values.get("args", [])
        rows.append({
            "index": index, "name": str(values.get("name", f"job-{index:03d}")), "scene": str(values.get("scene", "")),
            "mode": str(values.get("mode", "video")),
            "args": " ".join(map(str, args)) if isinstance(args, list) else str(args),
        })
    return rows


def read_and_check(path: Path, out: Path, remote: bool = False) -> dict:
    """The file's rows, the batch plan (valid jobs, what is recorded already) and every problem by job index
    (0 for the file as a whole). `remote`: the jobs run on a Ray cluster (see `orchestrate.prepare`)."""
    rows = job_rows(path)
    plan = prepare(path, out, remote=remote)
    return {"rows": rows, "plan": plan, "jobs": plan.jobs, "problems": plan.problems_by_job()}


class _Lines:
    """A text stream for `Progress` that hands each line to a signal (GUI thread via a queued connection)."""

    def __init__(self, signal) -> None:
        self._signal = signal

    def write(self, text: str) -> int:
        text = text.replace("\r\x1b[2K", "").strip()
        if text:
            self._signal.emit(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class BatchSignals(QObject):
    snapshot = Signal(object)  # {"statuses": {name: text}, "counts": {status: n}}
    line = Signal(str)
    finished = Signal(object)  # Summary, or None after a failure
    failed = Signal(str)


class BatchPanel(QWidget):
    running_changed = Signal(bool)

    def __init__(self, background: Background, parent: QWidget | None = None,
                 pool_factory: Callable[[str, int], object] = make_pool) -> None:
        super().__init__(parent)
        self._background = background
        self._pool_factory = pool_factory  # (Ray address or "", workers) -> pool; called on the batch's thread
        self._stop_asked = threading.Event()
        self._generation = 0
        self.jobs: list[Job] = []
        self.loaded: dict | None = None  # the latest read_and_check answer
        self.runner = None
        self._thread: threading.Thread | None = None
        self.signals = BatchSignals(self)
        self.signals.snapshot.connect(self._show_snapshot)
        self.signals.line.connect(self._show_line)
        self.signals.finished.connect(self._finished)
        self.signals.failed.connect(self._failed)
        self._reload = QTimer(self, singleShot=True, interval=400)
        self._reload.timeout.connect(self.load)
        self._build()

    def _build(self) -> None:
        self.jobs_file = QLineEdit(placeholderText="a jobs file: [defaults] + [[job]] tables (TOML), or the same in JSON")
        browse_jobs = browse_button(self.jobs_file, "Jobs file", filter="Jobs (*.toml *.json);;All files (*)")
        self.out = QLineEdit(placeholderText="output folder: one file per job, manifest.json, manifest.csv")
        browse_out = browse_button(self.out, "Batch output folder", folder=True)
        self.workers = QSpinBox(minimum=1, maximum=64, value=1, toolTip="Jobs recorded at once on this machine")
        self.ray = QLineEdit(placeholderText="empty: workers on this machine; or host:port, ray://host:10001, auto",
                             toolTip="Run the jobs on a Ray cluster (see docs/cluster.md); its nodes offer "
                                     "\"display\" slots, one per job at once")
        self.file_problem = ProblemLabel()
        self.from_folder = FolderJobsBox(self._background, self.out)
        self.from_folder.built.connect(self.jobs_file.setText)
        settings = QGroupBox("Batch")
        form = QFormLayout(settings)
        form.addRow("Jobs file", field_row(self.jobs_file, browse_jobs, problems=(self.file_problem,)))
        form.addRow("Output folder", field_row(self.out, browse_out))
        form.addRow("Workers", field_row(self.workers, stretch=False))
        form.addRow("Ray cluster", field_row(self.ray))
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(PROBLEMS, QHeaderView.Stretch)
        self.counts = QLabel(objectName="hint", wordWrap=True)
        self.run_button = QPushButton("▶  Run", objectName="recordButton", toolTip="Record every job of the file")
        self.stop_button = QPushButton("■  Stop", objectName="stopButton", toolTip="Stop the batch (running jobs keep what they recorded)")
        self.run_button.clicked.connect(self.run)
        self.stop_button.clicked.connect(self.stop)
        buttons = QHBoxLayout()
        buttons.addWidget(self.counts, 1)
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.stop_button)
        self.log = QPlainTextEdit(readOnly=True, maximumBlockCount=2000)
        layout = QVBoxLayout(self)
        layout.addWidget(self.from_folder)
        layout.addWidget(settings)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.log, 1)
        self.jobs_file.textChanged.connect(self._edited)
        self.out.textChanged.connect(self._edited)
        self.ray.textChanged.connect(self._edited)
        self._update_buttons()

    # -- loading ------------------------------------------------------------------------------------
    def _edited(self) -> None:
        self.jobs, self.loaded = [], None
        self._update_buttons()
        self._reload.start()

    def out_dir(self) -> Path | None:
        if self.out.text().strip():
            return expand_folder(self.out.text().strip())
        path = self.jobs_path()
        return path.parent / "out" if path is not None else None

    def jobs_path(self) -> Path | None:
        text = self.jobs_file.text().strip()
        return Path(text).expanduser().resolve() if text else None

    def load(self) -> None:
        """Read and check the jobs file off the GUI thread; the newest answer fills the table."""
        self._reload.stop()
        self._generation += 1
        generation, path, out, remote = self._generation, self.jobs_path(), self.out_dir(), bool(self.ray_address())
        if path is None or out is None:
            self.table.setRowCount(0)
            self.file_problem.show_messages([])
            self.counts.setText("")
            return
        self.counts.setText("Checking the jobs…")
        self._background.call(lambda: read_and_check(path, out, remote), lambda answer: self._loaded(generation, answer),
                              lambda exc: self._load_failed(generation, exc))

    def _loaded(self, generation: int, answer: dict) -> None:
        if generation != self._generation:
            return
        self.loaded, self.jobs = answer, answer["jobs"]
        problems, plan = answer["problems"], answer["plan"]
        self.table.setRowCount(len(answer["rows"]))
        for row, job in enumerate(answer["rows"]):
            lines = problems.get(job["index"], [])
            for column, text in ((NAME, job["name"]), (SCENE, job["scene"]), (MODE, job["mode"]), (ARGS, job["args"]),
                                 (STATUS, "problem" if lines else "recorded" if job["name"] in plan.recorded else "ready"),
                                 (PROBLEMS, " ".join(lines))):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        self.file_problem.show_messages(problems.get(0, []))
        count = sum(len(v) for v in problems.values())
        self.counts.setText(f"{count} problem{'s' if count != 1 else ''} to fix first." if count
                            else f"{len(self.jobs)} job(s) ready.")
        self._update_buttons()

    def _load_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.loaded, self.jobs = None, []
        self.table.setRowCount(0)
        self.file_problem.show_messages([one_line(exc)])
        self.counts.setText("")
        self._update_buttons()

    def ray_address(self) -> str:
        return self.ray.text().strip()

    # -- running ------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """From Run until the GUI has taken in the batch's end (its failure or summary): the batch's thread may be
        gone a moment before its last signals are shown."""
        return self._thread is not None

    def can_run(self) -> bool:
        return (not self.busy and self.loaded is not None and bool(self.jobs)
                and not any(self.loaded["problems"].values()))

    def _update_buttons(self) -> None:
        self.run_button.setEnabled(self.can_run())
        self.stop_button.setEnabled(self.busy)
        for widget in (self.jobs_file, self.out, self.ray, self.from_folder):
            widget.setEnabled(not self.busy)
        self.workers.setEnabled(not self.busy and not self.ray_address())

    def run(self) -> bool:
        if not self.can_run():
            return False
        from app.batch.progress import Progress

        plan: BatchPlan = self.loaded["plan"]
        out = plan.out
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._failed(one_line(exc))
            return False
        jobs = list(plan.jobs)
        for row in range(self.table.rowCount()):
            self._set(row, STATUS, "pending")
        self.log.clear()
        signals = self.signals
        holder: dict = {}

        def snapshot(snap) -> None:
            runner = holder["runner"]
            statuses = {name: str(entry.get("status") or "pending") for name, entry in runner.manifest.entries.items()}
            for running in snap.running:
                statuses[running.name] = (f"{running.state} ({running.frames} frames)" if running.state == "recording"
                                          else running.state)
            signals.snapshot.emit({"statuses": statuses, "counts": dict(snap.counts), "total": snap.total})

        ray, workers, make = self.ray_address(), self.workers.value(), self._pool_factory
        self.runner = None
        self._stop_asked.clear()

        def work() -> None:
            runner = summary = None
            try:
                pool = make(ray, workers)
                runner = start(plan, pool, recheck=True, progress=Progress(stream=_Lines(signals.line), every_s=1e9),
                               on_snapshot=snapshot)
                holder["runner"] = self.runner = runner
                if self._stop_asked.is_set():  # Stop pressed while the pool was being made
                    runner.request_stop()
                summary = runner.run()
            except Exception as exc:  # noqa: BLE001 - shown as one sentence
                if not isinstance(exc, RecorderError):
                    log.exception("batch failed")
                signals.failed.emit(one_line(exc))
            try:
                try:
                    if runner is not None:
                        statuses = {name: str(entry.get("status") or "pending")
                                    for name, entry in runner.manifest.entries.items()}
                        signals.snapshot.emit({"statuses": statuses, "counts": runner.manifest.counts(jobs),
                                               "total": len(jobs)})
                finally:
                    signals.finished.emit(summary)  # always: the panel is busy until it has seen the end
            except RuntimeError:  # the window went away meanwhile
                pass

        self._thread = threading.Thread(target=work, name="tdw-ui-batch", daemon=True)
        self._thread.start()
        where = f"on the Ray cluster at {ray}" if ray else f"{workers} at once"
        self.counts.setText(f"Running {len(jobs)} job(s) ({where}) into {out}…")
        self._update_buttons()
        self.running_changed.emit(True)
        return True

    def stop(self) -> None:
        if self.busy:
            self.counts.setText("Stopping: the running jobs finish what they recorded…")
            self._stop_asked.set()  # before reading runner: the batch's thread checks it after publishing runner
            if self.runner is not None:
                self.runner.request_stop()

    def _set(self, row: int, column: int, text: str) -> None:
        item = self.table.item(row, column)
        if item is None:
            self.table.setItem(row, column, QTableWidgetItem(text))
        else:
            item.setText(text)
            item.setToolTip(text)

    def status_of(self, name: str) -> str:
        for row in range(self.table.rowCount()):
            if self.table.item(row, NAME).text() == name:
                return self.table.item(row, STATUS).text()
        return ""

    def _show_snapshot(self, snap: dict) -> None:
        statuses = snap["statuses"]
        for row in range(self.table.rowCount()):
            name = self.table.item(row, NAME).text()
            if name in statuses:
                self._set(row, STATUS, statuses[name])
        counts = snap["counts"]
        if self.busy:
            self.counts.setText(f"{counts.get('done', 0)}/{snap['total']} done, {counts.get('failed', 0)} failed, "
                                f"{counts.get('running', 0)} running")

    def _show_line(self, text: str) -> None:
        self.log.appendPlainText(text)

    def _finished(self, summary) -> None:
        if self._thread is not None:
            self._thread.join(5)
        self._thread = None
        if summary is not None:
            self.counts.setText(
                f"{len(summary.done) + len(summary.skipped)} of {summary.total} job(s) recorded"
                f" ({len(summary.skipped)} by an earlier run), {len(summary.failed)} failed"
                + (", stopped before the end" if summary.interrupted else "") + f". Manifest: {self.out_dir() / 'manifest.json'}")
        self._update_buttons()
        self.running_changed.emit(False)

    def _failed(self, message: str) -> None:
        self.counts.setText(message)
        self.log.appendPlainText(message)

    def shutdown(self, timeout: float = 90.0) -> None:
        """Stop a running batch and wait for its jobs to end (they keep what they recorded)."""
        self._reload.stop()
        if self._thread is not None:
            self._stop_asked.set()
            if self.runner is not None:
                self.runner.request_stop()
            self._thread.join(timeout)
