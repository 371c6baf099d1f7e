"""The main window's status bar: messages, scan state, job progress, counts, problems and watched folders.

Messages do not use QStatusBar's temporary message, which is painted over the normal widgets (and under any
of them that is shown meanwhile): one label shows the latest message, or the scan state when there is none,
beside the job indicator. Every text is elided, so the bar never holds the window wider than the screen.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QStatusBar, QToolButton, QWidget

from app.ui.context import UiContext
from app.ui.library.format import count_text
from app.ui.library.table_model import LibraryTableModel
from app.ui.widgets.elided_label import ElidedLabel
from app.ui.widgets.icons import status_icon

COUNTS_DEBOUNCE_MS = 300


class LibraryStatusBar(QStatusBar):
    """Left: what is happening (scan state, messages). Right: how many files, problems, watching."""

    problems_clicked = Signal(str)  # 'missing' or 'error': the status to filter by
    jobs_clicked = Signal()  # the job indicator was clicked: show the Jobs panel

    def __init__(self, ctx: UiContext, model: LibraryTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = model
        self._message = ""
        self._scan_text = ""
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(self.clearMessage)
        # One container, never hidden by us: QStatusBar hides it alone while a menu's status tip shows.
        self.activity = QWidget(self)
        row = QHBoxLayout(self.activity)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self.message_label = ElidedLabel("", self.activity, min_chars=4)
        self.job_label = ElidedLabel("", self.activity, min_chars=6)
        self.job_label.setCursor(Qt.CursorShape.PointingHandCursor)
        self.job_label.clicked.connect(self.jobs_clicked)
        self.job_bar = QProgressBar(self.activity)
        self.job_bar.setMaximumWidth(120)
        self.job_bar.setMinimumWidth(40)
        self.job_bar.setMaximumHeight(self.fontMetrics().height())
        self.job_bar.setTextVisible(False)
        for widget in (self.job_label, self.job_bar):
            widget.hide()
        row.addWidget(self.message_label, 1)
        row.addWidget(self.job_label)
        row.addWidget(self.job_bar)
        self.addWidget(self.activity, 1)
        self.counts_label = ElidedLabel("", self, min_chars=6)
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
        """LibraryService's scan text ('' when idle): shown whenever no message is."""
        self._scan_text = text
        self._show_message()

    def showMessage(self, text: str, timeout: int = 0) -> None:  # noqa: N802 (QStatusBar's name)
        """Show text (for timeout ms, or until the next message) in place of the scan state."""
        self._message = text
        if timeout > 0:
            self._message_timer.start(timeout)
        else:
            self._message_timer.stop()
        self._show_message()

    def clearMessage(self) -> None:  # noqa: N802
        """Back to the scan state."""
        self._message = ""
        self._message_timer.stop()
        self._show_message()

    def currentMessage(self) -> str:  # noqa: N802
        """The message shown now ('' when none)."""
        return self._message

    def _show_message(self) -> None:
        self.message_label.setText(self._message or self._scan_text)

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
        running = [r for r in active if r.progress is not None] or active
        self.job_bar.setVisible(bool(active))
        self.job_label.setVisible(bool(active))
        if not active:
            return
        shown = running[0]
        progress = shown.progress
        if progress is None or progress.fraction is None:
            self.job_bar.setRange(0, 0)
        else:
            self.job_bar.setRange(0, 1000)
            self.job_bar.setValue(round(progress.fraction * 1000))
        more = f" (+{len(active) - 1} more)" if len(active) > 1 else ""
        self.job_label.setText(f"{shown.title}{more}")
        self.job_bar.setToolTip(f"{shown.title}{more}: click the text to see every job")
