"""Sanitize File Names: a preview of the renames (worked out off the GUI thread), rule toggles, Apply as a
job with an undo journal, and Undo Last Rename."""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.job import Outcome
from app.core.paths import display_path
from app.ingest.sanitize import Rules, SanitizePlan, kept_paths
from app.ingest.sanitize_apply import SanitizeApplyJob, SanitizePreviewJob, SanitizeUndoJob
from app.ingest.sanitize_journal import journal_dir, last_undoable
from app.services.library import LibraryService
from app.ui.dialogs.confirm import ask

PREVIEW_DELAY_MS = 250  # typing a pattern re-plans once the keys stop
SETTINGS = "sanitize"
SHOW_LIMIT = 5000  # rows in the table; Apply renames them all


class SanitizeDialog(QDialog):
    """Preview, apply and undo clean names for files or a folder's contents; the records follow."""

    def __init__(self, library: LibraryService, paths: list[str], media_ids: list[int] | None = None,
                 parent: QWidget | None = None, confirm: Callable[[str, str], bool] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sanitize File Names")
        self.resize(900, 520)
        self.library, self.paths = library, list(paths)
        self.media_ids = list(media_ids or [])  # selected library files: their paths are read again after a rename
        self.confirm = confirm or (lambda title, text: ask(self, title, text, "Undo"))
        self.plan: SanitizePlan | None = None
        self.last_outcome: Outcome | None = None
        self._generation = 0
        self._job_id: int | None = None
        self.journals = journal_dir(library.catalog.path)

        self.source = QLabel(self)
        self.source.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        choose = QPushButton("Choose Folder…", self)
        choose.clicked.connect(self.choose_folder)
        always = QLabel("Always: legal on Windows, macOS and Linux (no reserved names, no <>:\"/\\|?*, no trailing "
                        "dots or spaces), Unicode NFC, at most 255 bytes with the extension kept.", self)
        always.setWordWrap(True)
        always.setEnabled(False)
        self.spaces = QCheckBox("Spaces to _", self)
        self.lowercase = QCheckBox("Lowercase extensions", self)
        self.pattern = QLineEdit(self)
        self.pattern.setPlaceholderText("regular expression")
        self.replacement = QLineEdit(self)
        self.replacement.setPlaceholderText("replacement")
        self.summary = QLabel(self)
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels(["Old name", "New name", "Why"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.undo_button = QPushButton("Undo Last Rename…", self)
        self.undo_button.clicked.connect(self.undo_last)
        self.apply_button = QPushButton("Apply", self)
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self.apply_or_cancel)
        close = QPushButton("Close", self)
        close.clicked.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(self.source, 1)
        top.addWidget(choose)
        rules = QHBoxLayout()
        rules.addWidget(self.spaces)
        rules.addWidget(self.lowercase)
        rules.addWidget(QLabel("Replace", self))
        rules.addWidget(self.pattern, 1)
        rules.addWidget(QLabel("with", self))
        rules.addWidget(self.replacement)
        buttons = QHBoxLayout()
        buttons.addWidget(self.undo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        for part in (top, always, rules, self.summary, self.table, self.status, buttons):
            layout.addLayout(part) if isinstance(part, QHBoxLayout) else layout.addWidget(part)

        self._restore_rules()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        for box in (self.spaces, self.lowercase):
            box.toggled.connect(self._timer.start)
        for edit in (self.pattern, self.replacement):
            edit.textChanged.connect(self._timer.start)
        self._update_undo()
        self.refresh()

    @property
    def busy(self) -> bool:
        """A rename or undo of this dialog is queued or running."""
        return self._job_id is not None

    # ---- preview
    def rules(self) -> Rules:
        pattern = self.pattern.text()
        problem = _pattern_problem(pattern)
        self.pattern.setToolTip(f"Not used: {problem}" if problem else "A Python regular expression, applied to "
                                "the name before its extension")
        self.pattern.setStyleSheet("color: #c62828;" if problem else "")
        regex = ((pattern, self.replacement.text()),) if pattern and not problem else ()
        return Rules(spaces_to_underscore=self.spaces.isChecked(), lowercase_extension=self.lowercase.isChecked(),
                     regex=regex)

    def _restore_rules(self) -> None:
        settings = self.library.settings
        if settings is not None:  # the rules last used, as a user keeps one naming policy
            self.spaces.setChecked(settings.value(f"{SETTINGS}/spaces", False, bool))
            self.lowercase.setChecked(settings.value(f"{SETTINGS}/lowercase_extension", False, bool))
            self.pattern.setText(settings.value(f"{SETTINGS}/pattern", "", str))
            self.replacement.setText(settings.value(f"{SETTINGS}/replacement", "", str))

    def _save_rules(self) -> None:
        settings = self.library.settings
        if settings is not None:
            settings.set_value(f"{SETTINGS}/spaces", self.spaces.isChecked())
            settings.set_value(f"{SETTINGS}/lowercase_extension", self.lowercase.isChecked())
            settings.set_value(f"{SETTINGS}/pattern", self.pattern.text())
            settings.set_value(f"{SETTINGS}/replacement", self.replacement.text())

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Sanitize the names inside")
        if folder:
            self.set_paths([folder])

    def set_paths(self, paths: list[str]) -> None:
        self.paths, self.media_ids = list(paths), []
        self.refresh()

    def refresh(self) -> None:
        """Plan again in the background; a result older than the newest request is dropped."""
        self._save_rules()
        self._generation += 1
        generation = self._generation
        self.plan = None
        self._show_source()
        if not self.paths:
            self.summary.setText("Choose files in the library, or a folder.")
            self._fill(None)
            return
        self.summary.setText("Working out the new names…")
        self.apply_button.setEnabled(False)
        self.table.setEnabled(False)  # the rows shown are the previous plan's until the new one arrives
        keep = kept_paths(self.library.catalog)
        self.library.runner.submit(SanitizePreviewJob(self.paths, self.rules(), keep),
                                   lambda outcome: self._planned(generation, outcome))

    def _planned(self, generation: int, outcome: Outcome) -> None:
        if generation != self._generation:
            return
        if not outcome.ok:
            self.summary.setText(outcome.message)
            return
        self.plan = outcome.value
        self._fill(self.plan)

    def _show_source(self) -> None:
        if not self.paths:
            self.source.setText("No files selected")
        elif len(self.paths) == 1 and os.path.isdir(self.paths[0]):
            self.source.setText(f"Inside <b>{self.paths[0]}</b> (and its folders)")
        else:
            self.source.setText(f"<b>{len(self.paths):,}</b> selected file{'s' if len(self.paths) != 1 else ''}")

    def _fill(self, plan: SanitizePlan | None) -> None:
        renames = sorted(plan.renames, key=lambda r: r.old_path) if plan else []
        shown = renames[:SHOW_LIMIT]
        self.table.setRowCount(len(shown))
        base = os.fsencode(os.path.commonpath(self.paths)) if self.paths else b""
        if base and not os.path.isdir(base):
            base = os.path.dirname(base)
        for row, rename in enumerate(shown):
            old = display_path(os.path.relpath(rename.old_path, base) if base else rename.old_path)
            new = display_path(rename.new) + ("/" if rename.is_dir else "")
            cells = (_quoted(old) + ("/" if rename.is_dir else ""), new, "; ".join(rename.reasons))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(display_path(plan.final_path(rename)) if column == 1 else text)
                self.table.setItem(row, column, item)
        self.table.setEnabled(True)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(1)
        for column, cap in ((0, 330), (1, 260)):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), cap))
        if plan is not None:
            notes = f" · {len(plan.notes)} left alone (see tooltip)" if plan.notes else ""
            more = f" (the first {SHOW_LIMIT:,} shown)" if len(renames) > SHOW_LIMIT else ""
            self.summary.setText(f"<b>{len(renames):,}</b> to rename{more} · {plan.unchanged:,} already clean{notes}")
            self.summary.setToolTip("\n".join(plan.notes))
        self.apply_button.setEnabled(bool(renames) and self._job_id is None)

    # ---- apply, cancel, undo
    def apply_or_cancel(self) -> None:
        if self._job_id is not None:
            self.library.runner.cancel(self._job_id)
            return
        if self.plan is None or not self.plan.renames or self.journals is None:
            return
        self._start(SanitizeApplyJob(self.library.catalog, self.plan, self.journals), "Renaming…")

    def undo_last(self) -> None:
        journal = last_undoable(self.journals)
        if journal is None or self._job_id is not None:
            return
        text = (f"Undo the renames of {len(journal.done())} file names?\n\n{journal.summary()}\n\n"
                "Every renamed file gets its exact old name back; its catalog record stays the same.")
        if self.confirm("Undo Last Rename", text):
            self._start(SanitizeUndoJob(self.library.catalog, journal.path), "Restoring the old names…")

    def _start(self, job: SanitizeApplyJob | SanitizeUndoJob, message: str) -> None:
        self.status.setText(message)
        self.apply_button.setText("Cancel")
        self.apply_button.setEnabled(True)
        self.undo_button.setEnabled(False)
        self._job_id = self.library.runner.submit(job, self._finished)

    def _finished(self, outcome: Outcome) -> None:
        self._job_id = None
        self.last_outcome = outcome
        self.apply_button.setText("Apply")
        if outcome.ok:
            self.status.setText(outcome.value.summary() + "".join(f"\n{p}" for p in outcome.value.problems))
        else:
            note = "\nWhat was renamed is in the journal: Undo Last Rename restores it." if outcome.cancelled else ""
            self.status.setText(outcome.message + note)
        catalog = self.library.catalog
        if self.media_ids:
            raw = catalog.raw_paths(self.media_ids)
            self.paths = [os.fsdecode(raw[i]) for i in self.media_ids if i in raw]
        self.library.notify_changed(self.media_ids or [i for path in self.paths for i in catalog.ids_under(path)])
        self._update_undo()
        self._fill(None)  # the names shown are gone now
        self.refresh()

    def _update_undo(self) -> None:
        self.undo_button.setEnabled(last_undoable(self.journals) is not None)


def _pattern_problem(pattern: str) -> str:
    """Why pattern is no regular expression ('' when it is one); a half-typed one is skipped, not an error."""
    try:
        re.compile(pattern)
    except re.error as exc:
        return str(exc)
    return ""


def _quoted(text: str) -> str:
    """A path whose names have a space at either end (invisible otherwise) with those names in quotes."""
    return "/".join(f"“{part}”" if part != part.strip() else part for part in text.split("/"))
