"""The running tape job in one line under the Tape panel's buttons: its title, a bar, bytes and MB/s and ETA (the
same record the Jobs panel shows, read from the runner) and Cancel."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from app.jobs.runner import PAUSED, RUNNING, JobRecord, JobRunner
from app.ui.jobs.job_row import progress_text
from app.ui.widgets.elided_label import ElidedLabel

_STEPS = 1000


class TapeProgressLine(QWidget):
    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.job_id: int | None = None
        self.title = ElidedLabel("", self, min_chars=10)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.bar = QProgressBar(self)
        self.bar.setMaximumHeight(self.fontMetrics().height() + 4)
        self.bar.setFixedWidth(160)
        self.detail = ElidedLabel("", self, min_chars=10)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Stop the tape job; a write keeps the files it finished")
        self.cancel_button.clicked.connect(self.cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 2)
        layout.addWidget(self.title)
        layout.addWidget(self.bar)
        layout.addWidget(self.detail, 1)
        layout.addWidget(self.cancel_button)
        self.lines: list[str] = []  # every line shown while the panel lives (short: one per throttled update)
        runner.job_added.connect(self._update)
        runner.job_changed.connect(self._update)
        runner.job_finished.connect(self._update)
        self._update()

    def _current(self) -> JobRecord | None:
        tape = [r for r in self.runner.active() if r.lane == "tape" and r.visible]
        running = [r for r in tape if r.state in (RUNNING, PAUSED)]
        return (running or tape or [None])[0]

    def _update(self, _job_id: int | None = None) -> None:
        record = self._current()
        self.job_id = record.id if record is not None else None
        self.setVisible(record is not None)
        if record is None:
            return
        waiting = len([r for r in self.runner.active() if r.lane == "tape" and r.visible]) - 1
        self.title.setText(record.title + (f" (+{waiting} waiting)" if waiting > 0 else ""))
        update = record.progress
        if record.state not in (RUNNING, PAUSED):
            self.bar.setRange(0, _STEPS)
            self.bar.setValue(0)
            text = "waiting for the drive"
        else:
            if update is None or update.fraction is None:
                self.bar.setRange(0, 0)
            else:
                self.bar.setRange(0, _STEPS)
                self.bar.setValue(round(update.fraction * _STEPS))
            text = ("Paused · " if record.state == PAUSED else "") + progress_text(update)
        self.detail.setText(text)
        if text and (not self.lines or self.lines[-1] != text):
            self.lines = (self.lines + [text])[-200:]

    def cancel(self) -> None:
        if self.job_id is not None:
            self.runner.cancel(self.job_id)
