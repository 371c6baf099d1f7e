"""The running tape job in one line under the Tape panel's buttons: its title, a bar, bytes and MB/s and ETA (the
same record the Jobs panel shows, read from the runner), Pause/Resume and Cancel. A write pauses at the end of the
file it is writing, once the finished files have an index (app/tape/write_files.py); until then the line says so."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from app.jobs.runner import PAUSED, QUEUED, RUNNING, JobRecord, JobRunner
from app.tape.jobs import PAUSE_TOOK_EFFECT
from app.ui.jobs.job_row import progress_text, still_progress
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
        self.pause_button = QPushButton("Pause", self)
        self.pause_button.setToolTip("Pause the tape job; a write pauses after the file it is writing, once the "
                                     "files finished so far have an index on the cartridge")
        self.pause_button.clicked.connect(self.pause_or_resume)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Stop the tape job; a write keeps the files it finished")
        self.cancel_button.clicked.connect(self.cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 2)
        layout.addWidget(self.title)
        layout.addWidget(self.bar)
        layout.addWidget(self.detail, 1)
        layout.addWidget(self.pause_button)
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
        self.pause_button.setText("Resume" if record.state == PAUSED else "Pause")
        self.pause_button.setEnabled(record.state in (RUNNING, PAUSED, QUEUED))
        writing = record.title.startswith("Write")  # writes pause between files; reads and verifies at once
        if record.state == PAUSED and writing and (update is None or PAUSE_TOOK_EFFECT not in update.message):
            self.bar.setRange(0, _STEPS)
            text = "Pausing after the file being written" + (f" · {progress_text(still_progress(update))}" if update else "")
        elif record.state not in (RUNNING, PAUSED):
            self.bar.setRange(0, _STEPS)
            self.bar.setValue(0)
            text = "waiting for the drive"
        else:
            if update is None or update.fraction is None:
                self.bar.setRange(0, 0)
            else:
                self.bar.setRange(0, _STEPS)
                self.bar.setValue(round(update.fraction * _STEPS))
            paused = record.state == PAUSED
            text = ("Paused · " if paused else "") + progress_text(still_progress(update) if paused else update)
        self.detail.setText(text)
        if text and (not self.lines or self.lines[-1] != text):
            self.lines = (self.lines + [text])[-200:]

    def pause_or_resume(self) -> None:
        if self.job_id is None:
            return
        if self.runner.record(self.job_id).state == PAUSED:
            self.runner.resume(self.job_id)
        else:
            self.runner.pause(self.job_id)

    def cancel(self) -> None:
        if self.job_id is not None:
            self.runner.cancel(self.job_id)
