"""One job in the Jobs dock: title, state, progress bar, numbers, and its buttons."""

from __future__ import annotations

import time
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QStyle,
    QToolButton,
    QWidget,
)

from app.core.progress import ProgressUpdate
from app.jobs.runner import CANCELLED, DONE, FAILED, PAUSED, QUEUED, RUNNING, JobRecord
from app.ui.library.format import eta_text, rate_per_second_text, size_text
from app.ui.widgets.elided_label import ElidedLabel
from app.ui.widgets.icons import ERROR_COLOR

STATE_TEXT = {QUEUED: "Waiting", RUNNING: "Running", PAUSED: "Paused", DONE: "Done", FAILED: "Failed",
              CANCELLED: "Cancelled"}
_STEPS = 1000


def progress_text(update: ProgressUpdate | None) -> str:
    """'120/1,000 files · 350 files/s · ETA 3 s · message'."""
    if update is None:
        return ""
    parts = []
    in_bytes = update.unit == "bytes"  # tape, archive and copy jobs: 1.2 GB of 3.4 GB · 350 MB/s
    if update.total:
        parts.append(f"{size_text(update.done)} of {size_text(update.total)}" if in_bytes
                     else f"{update.done:,}/{update.total:,} {update.unit}")
    elif update.done:
        parts.append(size_text(update.done) if in_bytes else f"{update.done:,} {update.unit}")
    if update.rate > 0 and update.done:
        parts.append(f"{size_text(int(update.rate))}/s" if in_bytes else rate_per_second_text(update.rate, update.unit))
    if update.eta_seconds is not None and update.fraction is not None and update.fraction < 1:
        parts.append(f"ETA {eta_text(update.eta_seconds)}")
    if update.message:
        parts.append(update.message)
    return " · ".join(parts)


def still_progress(update: ProgressUpdate | None) -> ProgressUpdate | None:
    """A paused job's progress without a rate or an ETA (neither means anything while it waits)."""
    return None if update is None else replace(update, rate=0.0, eta_seconds=None)


def outcome_text(record: JobRecord) -> str:
    """How a finished job ended: its summary, or why it failed or stopped."""
    outcome = record.outcome
    took = ""
    if record.started_at and record.finished_at and record.finished_at - record.started_at >= 1:
        took = f" in {eta_text(record.finished_at - record.started_at)}"
    if outcome is None:
        return ""
    if outcome.ok:
        summary = getattr(outcome.value, "summary", None)
        return (summary() if callable(summary) else "Finished") + took
    return outcome.message


class JobRow(QFrame):
    """Shows one JobRecord; its buttons ask the runner (via the panel) to pause, resume or cancel."""

    cancel_requested = Signal(int)
    pause_requested = Signal(int)
    resume_requested = Signal(int)

    def __init__(self, record: JobRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job_id = record.id
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = ElidedLabel(record.title, self, min_chars=8)  # a long title must not widen the panel
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.state = QLabel(self)
        self.state.setEnabled(False)
        self.bar = QProgressBar(self)
        self.bar.setTextVisible(True)
        self.bar.setMaximumHeight(self.fontMetrics().height() + 4)
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        style = self.style()
        self.pause_button = QToolButton(self)
        self.pause_button.setAutoRaise(True)
        self.pause_button.clicked.connect(self._pause_or_resume)
        self.cancel_button = QToolButton(self)
        self.cancel_button.setAutoRaise(True)
        self.cancel_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogCancelButton))
        self.cancel_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop this job; what it finished so far is kept")
        self.cancel_button.clicked.connect(lambda: self.cancel_requested.emit(self.job_id))
        self.pause_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.state)
        top.addWidget(self.pause_button)
        top.addWidget(self.cancel_button)
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 4, 8, 6)
        grid.setVerticalSpacing(2)
        grid.addLayout(top, 0, 0)
        grid.addWidget(self.bar, 1, 0)
        grid.addWidget(self.detail, 2, 0)
        self._paused = False
        self.show_record(record)

    def _pause_or_resume(self) -> None:
        (self.resume_requested if self._paused else self.pause_requested).emit(self.job_id)

    def show_record(self, record: JobRecord) -> None:
        """Bring every widget in line with the record."""
        self.state.setText(STATE_TEXT.get(record.state, record.state))
        active = not record.finished
        self._paused = record.state == PAUSED
        self.cancel_button.setVisible(active)
        self.pause_button.setVisible(record.state in (RUNNING, PAUSED))
        icon = QStyle.StandardPixmap.SP_MediaPlay if self._paused else QStyle.StandardPixmap.SP_MediaPause
        self.pause_button.setIcon(self.style().standardIcon(icon))
        self.pause_button.setText("Resume" if self._paused else "Pause")
        self.bar.setVisible(active)
        update = record.progress
        if record.state == QUEUED:
            self.bar.setRange(0, _STEPS)
            self.bar.setValue(0)
            self.bar.setFormat("Waiting for its turn")
            self.detail.setText("")
        elif active:
            if update is None or update.fraction is None:
                self.bar.setRange(0, 0)  # busy: the total is not known yet
            else:
                self.bar.setRange(0, _STEPS)
                self.bar.setValue(round(update.fraction * _STEPS))
                self.bar.setFormat("%p%")
            self.detail.setText("Paused · " + progress_text(still_progress(update)) if self._paused
                               else progress_text(update))
        else:
            self.detail.setText(outcome_text(record))
            color = ERROR_COLOR if record.state == FAILED else ""
            self.detail.setStyleSheet(f"color: {color}" if color else "")
            self.detail.setEnabled(record.state != CANCELLED)
        if record.state == DONE and record.finished_at:
            self.state.setText(f"Done {time.strftime('%H:%M', time.localtime(record.finished_at))}")
