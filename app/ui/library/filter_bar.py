"""The row above the table: instant search and the filter controls."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QToolButton,
    QWidget,
)

from app.catalog.filters import LibraryFilter
from app.ui.library.format import HEART, STAR
from app.ui.widgets.icons import search_icon
from app.ui.widgets.wrap_row import WrapRow

SEARCH_DEBOUNCE_MS = 120
SEARCH_MIN_WIDTH = 160
SCOPE_MAX_WIDTH = 160
KIND_CHOICES = (("All", frozenset()), ("Video", frozenset({"video"})), ("Audio", frozenset({"audio"})),
                ("Images", frozenset({"image"})))
STATUS_CHOICES = (("Any status", None), ("Missing", "missing"), ("Errors", "error"), ("Reading…", "pending"))


class FilterBar(QWidget):
    """Search box, kind buttons, minimum rating, favourites, status, and the browser's scope chip.

    One row when the panel is wide enough, else the controls wrap below the search box (and in two rows
    when narrower still): the library must not hold the window wider than a small screen.
    """

    filter_changed = Signal()
    scope_cleared = Signal()
    leave_requested = Signal()  # Esc on an empty search box, or Down: focus goes to the table

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setObjectName("librarySearch")
        self.search.setPlaceholderText("Search names, folders, artists, albums, tags…")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(search_icon(), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setMinimumWidth(SEARCH_MIN_WIDTH)
        self.search.installEventFilter(self)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.filter_changed)
        self.search.textChanged.connect(self._debounce.start)

        self.kind_group = QButtonGroup(self)
        self.kind_group.setExclusive(True)
        kinds = QHBoxLayout()
        kinds.setSpacing(0)
        for number, (title, _) in enumerate(KIND_CHOICES):
            button = QToolButton(self)
            button.setText(title)
            button.setCheckable(True)
            button.setChecked(number == 0)
            button.setToolTip(f"Show {title.lower()} files" if number else "Show every kind of file")
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            self.kind_group.addButton(button, number)
            kinds.addWidget(button)
        self.kind_group.idToggled.connect(lambda _id, on: on and self.filter_changed.emit())

        self.rating = QComboBox(self)
        self.rating.addItem("Any rating", 0)
        for stars in range(1, 6):
            self.rating.addItem(STAR * stars + (" and up" if stars < 5 else ""), stars)
        self.rating.setToolTip("Minimum rating")
        self.rating.currentIndexChanged.connect(self.filter_changed)

        self.favourites = QToolButton(self)
        self.favourites.setText(f"{HEART} Favourites")
        self.favourites.setCheckable(True)
        self.favourites.setToolTip("Only favourites")
        self.favourites.toggled.connect(self.filter_changed)

        self.status = QComboBox(self)
        for title, value in STATUS_CHOICES:
            self.status.addItem(title, value)
        self.status.setToolTip("Only files that are missing on disk or could not be read")
        self.status.currentIndexChanged.connect(self.filter_changed)

        self.scope = QToolButton(self)
        self.scope.setObjectName("scopeChip")
        self.scope.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.scope.setToolTip("Click to show files from everywhere again")
        self.scope.clicked.connect(self.scope_cleared)
        self.scope.hide()

        search_row = QWidget(self)
        top = QHBoxLayout(search_row)
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(6)
        top.addWidget(self.search, 1)
        top.addWidget(self.scope)
        kinds_group = QWidget(self)
        kinds_row = QHBoxLayout(kinds_group)
        kinds_row.setContentsMargins(0, 0, 0, 0)
        kinds_row.setSpacing(6)
        kinds_row.addLayout(kinds)
        kinds_row.addWidget(self.favourites)
        choices = QWidget(self)
        self.controls_layout = QHBoxLayout(choices)  # the panel adds its view switch here
        self.controls_layout.setContentsMargins(0, 0, 0, 0)
        self.controls_layout.setSpacing(6)
        self.controls_layout.addWidget(self.rating)
        self.controls_layout.addWidget(self.status)
        self.controls = WrapRow([kinds_group, choices], self, stretch_first=False)
        self.rows = WrapRow([search_row, self.controls], self, margins=(6, 6, 6, 4))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.rows)

    @property
    def wrapped(self) -> bool:
        """The controls are below the search box (the panel is narrow)."""
        return self.rows.wrapped

    def minimumSizeHint(self) -> QSize:
        return self.rows.minimumSizeHint()

    def apply_to(self, flt: LibraryFilter) -> LibraryFilter:
        """flt with this bar's fields (search, kind, rating, favourites, status) set."""
        return replace(
            flt,
            text=self.search.text().strip(),
            kinds=KIND_CHOICES[max(self.kind_group.checkedId(), 0)][1],
            min_rating=int(self.rating.currentData() or 0),
            favourites_only=self.favourites.isChecked(),
            status=self.status.currentData(),
        )

    def flush(self) -> None:
        """Apply a pending search now (Enter, or before reading the filter)."""
        if self._debounce.isActive():
            self._debounce.stop()
            self.filter_changed.emit()

    def set_scope_text(self, text: str | None) -> None:
        """Show (or hide, for None) the chip naming the browser's tag or artist."""
        # cut: a long artist name must not widen the bar (and so the window) past the screen
        shown = self.scope.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, SCOPE_MAX_WIDTH) if text else ""
        self.scope.setText(f"{shown}  ✕" if text else "")
        self.scope.setToolTip(f"{text}: click to show files from everywhere again" if text else "")
        self.scope.setVisible(bool(text))

    def clear(self) -> None:
        """Every control back to 'show everything' (one filter_changed at the end)."""
        self.blockSignals(True)
        try:
            self.search.clear()
            self._debounce.stop()
            self.kind_group.button(0).setChecked(True)
            self.rating.setCurrentIndex(0)
            self.favourites.setChecked(False)
            self.status.setCurrentIndex(0)
        finally:
            self.blockSignals(False)
        self.filter_changed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Escape:
                if self.search.text():
                    self.search.clear()
                    self.flush()
                else:
                    self.leave_requested.emit()
                return True
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.flush()
                self.leave_requested.emit()
                return True
        return super().eventFilter(watched, event)
