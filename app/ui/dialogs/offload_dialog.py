"""File → Offload Card… (or a card dropped on the window): the card as detected, its destinations with where the
card will go in each, the hash and the verification; Offload queues the job. OffloadResultDialog shows how it
ended, with the report one click away."""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ingest.card import CardInfo
from app.ingest.offload_mhl import HASH_FORMATS
from app.ingest.offload_model import OK, OffloadRequest, OffloadResult
from app.services.offload import OffloadService

VERIFY_CHOICES = (("Source + destination: every copy read back", "full"), ("Source hash while copying", "source"),
                  ("Sizes only (no hash, no ASC MHL)", "size"))
PATTERN_HELP = "Fields: {date} {year} {month} {day} {camera} {family} {reel} {card}"


class OffloadDialog(QDialog):
    def __init__(self, service: OffloadService, source: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.card: CardInfo | None = None
        self.setWindowTitle("Offload Card")
        self.setMinimumWidth(640)
        self.source = QLineEdit(self)
        self.source.setReadOnly(True)
        self.source.setPlaceholderText("the card's folder or the mounted card")
        choose = QPushButton("Choose…", self)
        choose.clicked.connect(self._choose_source)
        source_row = QHBoxLayout()
        source_row.addWidget(self.source, 1)
        source_row.addWidget(choose)
        self.card_label = QLabel("Choose a card to offload.", self)
        self.card_label.setWordWrap(True)
        self.destinations = QListWidget(self)
        self.destinations.setMaximumHeight(self.fontMetrics().height() * 5)
        self.destinations.addItems(service.destinations())
        add = QPushButton("Add…", self)
        add.clicked.connect(self._add_destination)
        self.remove = QPushButton("Remove", self)
        self.remove.clicked.connect(self._remove_destination)
        buttons_column = QVBoxLayout()
        buttons_column.addWidget(add)
        buttons_column.addWidget(self.remove)
        buttons_column.addStretch(1)
        destinations_row = QHBoxLayout()
        destinations_row.addWidget(self.destinations, 1)
        destinations_row.addLayout(buttons_column)
        self.pattern = QLineEdit(service.pattern(), self)
        self.pattern.setToolTip(PATTERN_HELP)
        self.pattern.textChanged.connect(self._update)
        self.targets = QLabel(self)
        self.targets.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.targets.setWordWrap(True)
        self.hash = QComboBox(self)
        self.hash.addItems(list(HASH_FORMATS))
        self.hash.setCurrentText(service.hash_format())
        self.verify = QComboBox(self)
        for label, mode in VERIFY_CHOICES:
            self.verify.addItem(label, mode)
        self.verify.setCurrentIndex(max(0, self.verify.findData(service.verify_mode())))
        form = QFormLayout()
        form.addRow("Card", source_row)
        form.addRow("", self.card_label)
        form.addRow("Destinations", destinations_row)
        form.addRow("Folder name", self.pattern)
        form.addRow("", self.targets)
        form.addRow("Hash", self.hash)
        form.addRow("Verify", self.verify)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.start_button = self.buttons.addButton("Offload", QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.setDefault(True)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.destinations.itemSelectionChanged.connect(self._update)
        service.card_detected.connect(self._on_card)
        service.detect_failed.connect(self._on_detect_failed)
        if source:
            self.set_source(source)
        self._update()

    def set_source(self, source: str) -> None:
        self.source.setText(source)
        self.card = None
        self.card_label.setText("Looking at the card…")
        self.service.detect(source)
        self._update()

    def _choose_source(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Card to offload", self.source.text() or os.path.expanduser("~"))
        if folder:
            self.set_source(folder)

    def _add_destination(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Offload to", os.path.expanduser("~"))
        if folder and folder not in self.destination_list():
            self.destinations.addItem(folder)
            self._update()

    def _remove_destination(self) -> None:
        for item in self.destinations.selectedItems():
            self.destinations.takeItem(self.destinations.row(item))
        self._update()

    def destination_list(self) -> list[str]:
        return [self.destinations.item(row).text() for row in range(self.destinations.count())]

    def _on_card(self, source: str, card: CardInfo) -> None:
        if source != self.source.text():
            return
        self.card = card
        kind = "folder (no camera card structure found)" if card.family == "Folder" else f"{card.family} card"
        notes = "".join(f"<br><i>{escape(note)}</i>" for note in card.notes)
        self.card_label.setText(f"<b>{kind}</b> · {escape(card.camera)} · reel <b>{escape(card.reel)}</b> · "
                                f"{card.clips:,} clip(s)" + notes)
        self._update()

    def _on_detect_failed(self, source: str, message: str) -> None:
        if source == self.source.text():
            self.card_label.setText(f"✗ {message}")

    def _update(self) -> None:
        self.remove.setEnabled(bool(self.destinations.selectedItems()))
        previews = ([self.service.target_preview(d, self.pattern.text(), self.card) for d in self.destination_list()]
                    if self.card is not None else [])
        self.targets.setText("\n".join(f"→ {p}" for p in previews) if previews else PATTERN_HELP)
        self.start_button.setEnabled(self.card is not None and bool(previews)
                                     and not any(p.startswith("✗") for p in previews))

    def request(self) -> OffloadRequest:
        return OffloadRequest(Path(self.source.text()), tuple(Path(d) for d in self.destination_list()),
                              self.hash.currentText(), self.verify.currentData(), self.pattern.text())

    def start(self) -> None:
        if not self.start_button.isEnabled():
            return
        self.job_id = self.service.start(self.request())
        self.accept()


class OffloadResultDialog(QDialog):
    """How an offload ended: per destination, the problems, and the report."""

    def __init__(self, result: OffloadResult, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result = result
        self.setWindowTitle("Offload finished" if result.ok else "Offload finished with problems")
        self.setMinimumWidth(560)
        lines = [f"<b>{escape(result.summary())}</b>"]
        for destination in result.destinations:
            mark = "✓" if destination.status == OK else "✗"
            state = "" if destination.status == OK else f"{destination.status}, "
            lines.append(f"{mark} {escape(str(destination.target))}: {state}{destination.verified:,} of {len(result.files):,} "
                         "file(s) verified" + (", ASC MHL written" if destination.mhl else ""))
            lines += [f"&nbsp;&nbsp;&nbsp;{escape(problem)}" for problem in destination.problems[:8]]
        lines += [f"✗ card: {escape(problem)}" for problem in result.card_problems[:8]]
        if not result.ok:
            lines.append("Nothing was overwritten. Fix the cause and offload the card again: verified files are "
                         "skipped.")
        self.text = QLabel("<br>".join(lines), self)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.open_report = buttons.addButton("Open Report", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_report.setEnabled(bool(result.reports))
        self.open_report.clicked.connect(self._open_report)
        show = buttons.addButton("Show Copy", QDialogButtonBox.ButtonRole.ActionRole)
        show.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(result.destinations[0].target))))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)

    def _open_report(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.result.reports[0])))
