"""Tapes due for re-verification, the longest overdue first, and the interval that makes them due."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.services.tape import TapeService
from app.ui.library.format import date_text

BARCODE_ROLE = Qt.ItemDataRole.UserRole


def due_line(tape: dict[str, Any], now: float) -> str:
    days = max(0, int((now - tape["due_at"]) // 86400))
    late = f"due {days:,} day{'s' if days != 1 else ''} ago" if days else "due today"
    if tape["last_verified_at"] is None:
        return f"{tape['barcode']} — never verified (cataloged {date_text(tape['imported_at'])}), {late}"
    if tape["last_verify"] != "ok":
        return f"{tape['barcode']} — last pass {tape['last_verify']} on {date_text(tape['last_verified_at'])}, {late}"
    return f"{tape['barcode']} — last verified OK on {date_text(tape['last_verified_at'])}, {late}"


class DueListPage(QWidget):
    """Activate a tape (Enter, double-click) to select it; Verify reads it back."""

    tape_activated = Signal(str)
    verify_requested = Signal(list)  # barcodes

    def __init__(self, service: TapeService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.list = QListWidget(self)
        self.list.setObjectName("tapeDueList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setMinimumHeight(36)
        self.list.itemActivated.connect(lambda item: self.tape_activated.emit(item.data(BARCODE_ROLE)))
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.empty = QLabel("No tape is due: every tape had a clean verify pass within the interval.", self)
        self.empty.setEnabled(False)
        self.empty.setWordWrap(True)
        self.days = QSpinBox(self)
        self.days.setObjectName("tapeReverifyDays")
        self.days.setRange(1, 3650)
        self.days.setSuffix(" days")
        self.days.setValue(round(service.reverify_days))
        self.days.setToolTip("A tape is due this long after its last clean verify pass")
        self.days.editingFinished.connect(self._days_changed)
        self.verify_button = QPushButton("Verify Selected", self)
        self.verify_button.clicked.connect(lambda: self.verify_requested.emit(self.selected()))
        self.verify_all_button = QPushButton("Verify All Due", self)
        self.verify_all_button.setToolTip("Queue a verify pass of every due tape on the drive, one after another")
        self.verify_all_button.clicked.connect(lambda: self.verify_requested.emit(self.barcodes()))
        interval = QHBoxLayout()
        interval.addWidget(QLabel("Re-verify every"))
        interval.addWidget(self.days)
        interval.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.verify_button)
        buttons.addWidget(self.verify_all_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(interval)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        layout.addLayout(buttons)
        service.tapes_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        now = time.time()
        self.list.clear()
        for tape in self.service.due(now):
            item = QListWidgetItem(due_line(tape, now))
            item.setData(BARCODE_ROLE, tape["barcode"])
            item.setToolTip(item.text())
            self.list.addItem(item)
        self.empty.setVisible(self.list.count() == 0)
        self.list.setVisible(self.list.count() > 0)
        self._update_buttons()

    def barcodes(self) -> list[str]:
        return [self.list.item(r).data(BARCODE_ROLE) for r in range(self.list.count())]

    def selected(self) -> list[str]:
        return [item.data(BARCODE_ROLE) for item in self.list.selectedItems()]

    def _days_changed(self) -> None:
        if self.days.value() != round(self.service.reverify_days):
            self.service.set_reverify_days(self.days.value())

    def _update_buttons(self) -> None:
        self.verify_button.setEnabled(bool(self.list.selectedItems()))
        self.verify_all_button.setEnabled(self.list.count() > 0)
