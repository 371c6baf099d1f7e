"""LibraryPanel: search and filters over a virtual table of the catalog, with empty states."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import (
    QByteArray,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtWidgets import QAbstractItemView, QStackedWidget, QVBoxLayout, QWidget

from app.catalog.filters import LibraryFilter
from app.services.library import LibraryService
from app.services.thumbnails import ThumbnailService
from app.ui.dialogs.confirm import ask
from app.ui.library.columns import COLUMNS, Col
from app.ui.library.edits import LibraryEdits
from app.ui.library.filter_bar import FilterBar
from app.ui.library.grid import LibraryGridView
from app.ui.library.table_model import LibraryTableModel
from app.ui.library.view import LibraryTableView
from app.ui.library.view_switch import GRID, ViewSwitch
from app.ui.widgets.empty_state import EmptyState
from app.ui.widgets.icons import app_icon, search_icon

_EMPTY_LIBRARY, _NO_MATCH = 1, 2


class LibraryPanel(QWidget):
    """The library table (or grid) with its filter bar; edits act on the selected rows."""

    activated = Signal(int)  # a file was double-clicked: open it in the player
    play_requested = Signal(int)  # Enter on a file: open it and play
    selection_changed = Signal(list)  # selected media ids, in display order
    filter_changed = Signal(object)  # the LibraryFilter now shown
    add_folder_requested = Signal()

    def __init__(self, library: LibraryService, parent: QWidget | None = None,
                 thumbnails: ThumbnailService | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.model = LibraryTableModel(library, parent=self)
        self.filter_bar = FilterBar(self)
        self.view = LibraryTableView(self.model, self)
        self.rating_delegate = self.view.rating_delegate
        self.favourite_delegate = self.view.favourite_delegate
        self.column_actions = self.view.column_actions
        self.view.selectionModel().selectionChanged.connect(self._emit_selection)
        self.view.doubleClicked.connect(self._on_double_click)
        self.view.type_ahead.connect(self._type_ahead)
        self.grid = LibraryGridView(self.model, thumbnails, self)
        self.grid.setSelectionModel(self.view.selectionModel())  # one selection, whichever view shows it
        self.grid.doubleClicked.connect(self._on_double_click)
        self.grid.type_ahead.connect(self._type_ahead)
        self.grid.customContextMenuRequested.connect(self._grid_context_menu)
        self.view_switch = ViewSwitch(self)
        self.addActions(list(self.view_switch.actions.values()))
        for button in self.view_switch.buttons(self.filter_bar):
            self.filter_bar.controls_layout.addWidget(button)
        self.view_switch.mode_changed.connect(self._show_view)
        self.edits = LibraryEdits(self)
        for action in self.edits.actions():
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)

        self.empty_library = EmptyState(
            app_icon(), "Your library is empty",
            "Drop folders or files here, or use File → Add Folder… to start.\n"
            "Reelkeep only reads your files: nothing on disk is ever changed.", "Add Folder…", self)
        self.empty_library.action_clicked.connect(self.add_folder_requested)
        self.no_match = EmptyState(search_icon(), "No files match", "Try fewer words or other filters.",
                                   "Clear Filters", self)
        self.no_match.action_clicked.connect(self.clear_filters)
        self.stack = QStackedWidget(self)
        for page in (self.view, self.empty_library, self.no_match, self.grid):
            self.stack.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.stack, 1)

        self._scope: dict[str, str | None] = {"tag": None, "artist": None, "album": None}
        self._saved: tuple[list[int], int | None, int | None] | None = None
        self.filter_bar.filter_changed.connect(self._update_filter)
        self.filter_bar.scope_cleared.connect(self.clear_scope)
        self.filter_bar.leave_requested.connect(self.focus_table)
        self.model.modelAboutToBeReset.connect(self._remember_selection)
        self.model.modelReset.connect(self._restore_selection)
        self.model.ids_changed.connect(self._update_page)
        self._update_page()

    def confirm(self, title: str, text: str) -> bool:
        """Asked before anything is removed from the catalog; tests assign their own callable."""
        return ask(self, title, text)

    # ---- selection
    def selected_ids(self) -> list[int]:
        """Selected ids in display order, read from selection ranges (cheap even for 100,000 rows)."""
        ids = self.model.id_list()
        rows: set[int] = set()
        for span in self.view.selectionModel().selection():
            rows.update(range(span.top(), span.bottom() + 1))
        return [ids[r] for r in sorted(rows) if r < len(ids)]

    def current_id(self) -> int | None:
        """The id of the row with the keyboard focus, if any."""
        index = self.view.currentIndex()
        return self.model.media_id(index.row()) if index.isValid() else None

    def select_ids(self, ids: list[int], current: int | None = None, scroll: bool = True) -> None:
        """Select the rows of ids that are shown; current (or the first) becomes the current row."""
        rows = sorted(r for r in (self.model.row_for_id(i) for i in ids) if r is not None)
        selection = QItemSelection()
        last_col = self.model.columnCount() - 1
        start = prev = None
        for row in [*rows, None]:
            if start is not None and (row is None or row != prev + 1):
                selection.select(self.model.index(start, 0), self.model.index(prev, last_col))
                start = None
            if start is None:
                start = row
            prev = row
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        current_row = self.model.row_for_id(current) if current is not None else (rows[0] if rows else None)
        model = self.view.selectionModel()
        if current_row is not None:
            model.setCurrentIndex(self.model.index(current_row, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
            if scroll:
                self.active_view().scrollTo(self.model.index(current_row, 0),
                                            QAbstractItemView.ScrollHint.PositionAtCenter)
        model.select(selection, flags)

    def _emit_selection(self) -> None:
        self.selection_changed.emit(self.selected_ids())

    def _remember_selection(self) -> None:
        top = self.active_view().indexAt(QPoint(8, 8)).row()
        top_id = self.model.media_id(top) if top >= 0 else None
        self._saved = (self.selected_ids(), self.current_id(), top_id)

    def _restore_selection(self) -> None:
        if self._saved is None:
            return
        selected, current, top_id = self._saved
        self._saved = None
        self.select_ids(selected, current, scroll=False)
        top_row = self.model.row_for_id(top_id) if top_id is not None else None
        if top_row is not None:
            self.active_view().scrollTo(self.model.index(top_row, 0), QAbstractItemView.ScrollHint.PositionAtTop)
        self._emit_selection()

    # ---- filtering
    def current_filter(self) -> LibraryFilter:
        """The filter the table shows now."""
        return self.model.library_filter

    def set_tag(self, tag: str | None) -> None:
        """Only files with this tag (None: any)."""
        self._scope["tag"] = tag
        self._scope_updated()

    def set_artist(self, artist: str | None, album: str | None = None) -> None:
        """Only this artist's (album's) tracks (None: any)."""
        self._scope["artist"], self._scope["album"] = artist, album
        self._scope_updated()

    def clear_scope(self) -> None:
        """Forget the browser's tag and artist choice."""
        self._scope = {"tag": None, "artist": None, "album": None}
        self._scope_updated()

    def _scope_updated(self) -> None:
        parts = []
        if self._scope["tag"]:
            parts.append(f"Tag: {self._scope['tag']}")
        if self._scope["artist"]:
            album = self._scope["album"]
            parts.append(self._scope["artist"] + (f" — {album}" if album else ""))
        self.filter_bar.set_scope_text(" · ".join(parts) or None)
        self._update_filter()

    def clear_filters(self) -> None:
        """Show every file: search, filters and the browser's choice reset."""
        self._scope = {"tag": None, "artist": None, "album": None}
        self.filter_bar.set_scope_text(None)
        self.filter_bar.clear()

    def _update_filter(self) -> None:
        flt = replace(self.filter_bar.apply_to(self.model.library_filter), **self._scope)
        if flt != self.model.library_filter:
            self.model.set_filter(flt)
            self._update_page()
            self.filter_changed.emit(flt)

    def _update_page(self) -> None:
        if self.model.rowCount() > 0:
            self.stack.setCurrentWidget(self.active_view())
            return
        flt = self.model.library_filter
        if flt == LibraryFilter(sort=flt.sort, descending=flt.descending):
            self.stack.setCurrentIndex(_EMPTY_LIBRARY)
        else:
            text = flt.text
            self.no_match.set_title(f"No files match “{text}”" if text else "No files match these filters")
            self.stack.setCurrentIndex(_NO_MATCH)

    # ---- keyboard and focus
    def focus_search(self) -> None:
        """Put the cursor in the search box with its text selected (Ctrl+F)."""
        self.filter_bar.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_bar.search.selectAll()

    def focus_table(self) -> None:
        """Move the keyboard focus to the table or grid (on a row)."""
        view = self.active_view()
        view.setFocus(Qt.FocusReason.OtherFocusReason)
        if not view.currentIndex().isValid() and self.model.rowCount():
            view.setCurrentIndex(self.model.index(0, 0))

    # ---- table or grid
    def active_view(self) -> LibraryTableView | LibraryGridView:
        """The view the library is shown in now."""
        return self.grid if self.view_switch.mode == GRID else self.view

    def set_view_mode(self, mode: str) -> None:
        """'table' or 'grid'."""
        self.view_switch.set_mode(mode)

    def _show_view(self, _mode: str) -> None:
        had_focus = self.view.hasFocus() or self.grid.hasFocus()
        view = self.active_view()
        if self.stack.currentWidget() in (self.view, self.grid):
            self.stack.setCurrentWidget(view)
        if view.currentIndex().isValid():
            view.scrollTo(view.currentIndex(), QAbstractItemView.ScrollHint.PositionAtCenter)
        if had_focus:
            view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _grid_context_menu(self, pos: QPoint) -> None:
        # The edits place their menu in table coordinates: hand them the same spot on screen.
        self.edits.show_context_menu(self.view.viewport().mapFromGlobal(self.grid.viewport().mapToGlobal(pos)))

    def _type_ahead(self, text: str) -> None:
        self.filter_bar.search.setFocus(Qt.FocusReason.OtherFocusReason)
        self.filter_bar.search.setText(self.filter_bar.search.text() + text)

    def _on_double_click(self, index: QModelIndex) -> None:
        if index.isValid() and index.column() not in (Col.RATING, Col.FAVOURITE):
            self.activated.emit(self.model.media_id(index.row()))

    # ---- persistence
    def header_state(self) -> QByteArray:
        """Column widths, order, visibility and sort, for the settings."""
        return self.view.horizontalHeader().saveState()

    def restore_header(self, state: QByteArray, columns: int = len(COLUMNS)) -> None:
        """Apply a header_state() from an earlier run that had `columns` columns; columns added since then
        get their defaults (Qt would show them all)."""
        header = self.view.horizontalHeader()
        if header.restoreState(state):
            for col in list(COLUMNS)[columns:]:
                header.setSectionHidden(col, not COLUMNS[col].shown)
                header.resizeSection(col, COLUMNS[col].width)
            self.view.sync_column_actions()
