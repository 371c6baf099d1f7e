"""JobsPanel: every visible job of the runner, newest first, with progress and controls."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from app.jobs.runner import JobRunner
from app.ui.jobs.job_row import JobRow


class JobsPanel(QWidget):
    """Lists the runner's jobs; Pause, Resume and Cancel go straight to the runner."""

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._rows: dict[int, JobRow] = {}
        self.summary = QLabel(self)
        self.summary.setEnabled(False)
        self.clear_button = QPushButton("Clear Finished", self)
        self.clear_button.setToolTip("Remove finished, failed and cancelled jobs from this list")
        self.clear_button.clicked.connect(self.clear_finished)
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 4, 8, 0)
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.clear_button)

        self._list = QWidget()
        self._list_layout = QVBoxLayout(self._list)
        self._list_layout.setContentsMargins(6, 4, 6, 6)
        self._list_layout.setSpacing(4)
        self.empty = QLabel("No jobs. Scans and other long tasks show their progress here.", self._list)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setEnabled(False)
        self.empty.setWordWrap(True)
        self._list_layout.addWidget(self.empty)
        self._list_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self._list)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(scroll, 1)

        runner.job_added.connect(self._on_added)
        runner.job_changed.connect(self._on_changed)
        runner.job_finished.connect(self._on_changed)
        runner.job_removed.connect(self._on_removed)
        for record in runner.records():
            self._on_added(record.id)
        self._update_summary()

    def row(self, job_id: int) -> JobRow | None:
        """The row showing job_id (None when it is not shown)."""
        return self._rows.get(job_id)

    def job_ids(self) -> list[int]:
        """Ids of the jobs shown, oldest first."""
        return list(self._rows)

    def clear_finished(self) -> None:
        """Drop finished, failed and cancelled jobs from the runner and this list."""
        self.runner.clear_finished()
        known = {r.id for r in self.runner.records()}
        for job_id in [j for j in self._rows if j not in known]:
            self._rows.pop(job_id).deleteLater()
        self._update_summary()

    def _on_added(self, job_id: int) -> None:
        record = self.runner.record(job_id)
        if not record.visible or job_id in self._rows:
            return
        row = JobRow(record, self._list)
        row.cancel_requested.connect(self.runner.cancel)
        row.pause_requested.connect(self.runner.pause)
        row.resume_requested.connect(self.runner.resume)
        self._rows[job_id] = row
        self._list_layout.insertWidget(0, row)  # newest on top
        self._update_summary()

    def _on_removed(self, job_id: int) -> None:
        row = self._rows.pop(job_id, None)
        if row is not None:
            row.deleteLater()
            self._update_summary()

    def _on_changed(self, job_id: int) -> None:
        row = self._rows.get(job_id)
        if row is None:
            return
        try:
            row.show_record(self.runner.record(job_id))
        except KeyError:
            return
        self._update_summary()

    def _update_summary(self) -> None:
        records = [r for r in self.runner.records() if r.visible and r.id in self._rows]
        active = sum(1 for r in records if not r.finished)
        finished = len(records) - active
        self.empty.setVisible(not records)
        self.clear_button.setEnabled(finished > 0)
        parts = [f"{active} active" if active else "Idle"]
        if finished:
            parts.append(f"{finished} finished")
        self.summary.setText(" · ".join(parts))
