"""The main window's status bar: counts, problems, scan state, job progress and watched folders."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton, QWidget

from app.ui.context import UiContext
from app.ui.library.format import count_text
from app.ui.library.table_model import LibraryTableModel
from app.ui.widgets.icons import status_icon

COUNTS_DEBOUNCE_MS = 300


class LibraryStatusBar(QStatusBar):
    """Left: what is happening (scan state, messages). Right: how many files, problems, watching."""

    problems_clicked = Signal(str)  # 'missing' or 'error': the status to filter by

    def __init__(self, ctx: UiContext, model: LibraryTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = model
        self.scan_label = QLabel(self)
        self.job_bar = QProgressBar(self)
        self.job_bar.setMaximumWidth(140)
        self.job_bar.setMaximumHeight(self.fontMetrics().height())
        self.job_bar.setTextVisible(False)
        self.job_bar.hide()
        self.addWidget(self.job_bar)
        self.addWidget(self.scan_label, 1)
        self.counts_label = QLabel(self)
        self.missing_button = self._problem_button("missing")
        self.error_button = self._problem_button("error")
        self.watch_label = QLabel(self)
        for widget in (self.counts_label, self.missing_button, self.error_button, self.watch_label):
            self.addPermanentWidget(widget)
        self._totals = QTimer(self)
        self._totals.setSingleShot(True)
        self._totals.setInterval(COUNTS_DEBOUNCE_MS)
        self._totals.timeout.connect(self.update_totals)

        library = ctx.library
        library.scan_state_changed.connect(self.set_scan_state)
        library.media_changed.connect(self._on_media_changed)
        library.library_reset.connect(self._totals.start)
        for signal in (model.ids_changed, model.modelReset, model.rowsInserted, model.rowsRemoved):
            signal.connect(self.update_shown)
        ctx.runner.job_changed.connect(self._update_job_bar)
        ctx.runner.job_finished.connect(self._update_job_bar)
        if ctx.watch is not None:
            ctx.watch.watching_changed.connect(self.update_watching)
        self._total = 0
        self.update_totals()
        self.update_watching()
        self.set_scan_state("Scanning…" if library.scanning else "")

    def _problem_button(self, status: str) -> QToolButton:
        button = QToolButton(self)
        button.setAutoRaise(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setIcon(status_icon(status))
        button.setToolTip("Show the files that are missing on disk" if status == "missing"
                          else "Show the files that could not be read")
        button.clicked.connect(lambda: self.problems_clicked.emit(status))
        button.hide()
        return button

    def _on_media_changed(self, _ids: list[int]) -> None:
        if not self._totals.isActive():
            self._totals.start()

    def set_scan_state(self, text: str) -> None:
        """LibraryService's scan text ('' when idle)."""
        self.scan_label.setText(text)

    def update_totals(self) -> None:
        """Catalog-wide counts (debounced: these are aggregate queries)."""
        catalog = self.ctx.catalog
        self._total = catalog.count()
        statuses = catalog.status_counts()
        for button, status, noun in ((self.missing_button, "missing", "missing"),
                                     (self.error_button, "error", "unreadable")):
            count = statuses.get(status, 0)
            button.setText(f"{count:,} {noun}")
            button.setVisible(count > 0)
        self._show_counts()

    def update_shown(self) -> None:
        """The shown rows changed; the catalog totals may have moved too (re-read shortly)."""
        self._show_counts()
        if not self._totals.isActive():
            self._totals.start()

    def _show_counts(self) -> None:
        shown = self.model.rowCount()
        if shown == self._total:
            self.counts_label.setText(count_text(self._total, "file"))
        else:
            self.counts_label.setText(f"{shown:,} of {count_text(self._total, 'file')} shown")

    def update_watching(self) -> None:
        """How many library folders are being watched."""
        folders = self.ctx.watch.folders() if self.ctx.watch is not None else []
        self.watch_label.setText(f"Watching {count_text(len(folders), 'folder')}" if folders else "Not watching")
        self.watch_label.setToolTip("\n".join(folders))

    def _update_job_bar(self, _job_id: int = 0) -> None:
        active = [r for r in self.ctx.runner.active() if r.visible]
        self.job_bar.setVisible(bool(active))
        if not active:
            return
        progress = active[0].progress
        if progress is None or progress.fraction is None:
            self.job_bar.setRange(0, 0)
        else:
            self.job_bar.setRange(0, 1000)
            self.job_bar.setValue(round(progress.fraction * 1000))
        self.job_bar.setToolTip(f"{active[0].title}" + (f" (+{len(active) - 1} more)" if len(active) > 1 else ""))
