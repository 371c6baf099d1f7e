"""LibraryTableView: the table's looks and header behaviour, tuned for a virtual model of 100,000 rows."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from app.ui.library.columns import COLUMNS, SORT_TO_COLUMN, Col
from app.ui.library.delegates import ElideRightDelegate, FavouriteDelegate, RatingDelegate
from app.ui.library.table_model import LibraryTableModel


class LibraryTableView(QTableView):
    """Rows select whole, heights are fixed, columns move and hide, stars and heart are clickable."""

    type_ahead = Signal(str)  # text typed while the table has focus: it belongs in the search box

    def __init__(self, model: LibraryTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setMouseTracking(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 10)  # fixed heights: no per-row sizing
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col, column in COLUMNS.items():
            self.setColumnWidth(col, column.width)
            header.setSectionHidden(col, not column.shown)
        header.setSortIndicator(Col.NAME, Qt.SortOrder.AscendingOrder)
        self.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(self._on_sort_indicator)
        # The header asks whether each column is wholly selected on every paint (to draw section edges):
        # after a select-all that is rows × columns model calls into Python. Only rows are selected
        # here, so the header gets a selection of its own that stays empty.
        header.setSelectionModel(QItemSelectionModel(model, header))

        self.rating_delegate = RatingDelegate(self)
        self.favourite_delegate = FavouriteDelegate(self)
        self.tags_delegate = ElideRightDelegate(self)  # names elide in the middle, tag lists at the end
        self.setItemDelegateForColumn(Col.RATING, self.rating_delegate)
        self.setItemDelegateForColumn(Col.FAVOURITE, self.favourite_delegate)
        self.setItemDelegateForColumn(Col.TAGS, self.tags_delegate)

        self.column_actions: list[QAction] = []  # View → Columns and the header's own menu
        for col, column in COLUMNS.items():
            action = QAction("Favourite" if col == Col.FAVOURITE else column.title, self)
            action.setCheckable(True)
            action.setChecked(column.shown)
            action.setEnabled(col != Col.NAME)
            action.toggled.connect(lambda on, c=col: header.setSectionHidden(c, not on))
            header.addAction(action)
            self.column_actions.append(action)

    def library_model(self) -> LibraryTableModel:
        """The model, typed."""
        model = self.model()
        assert isinstance(model, LibraryTableModel)
        return model

    def sync_column_actions(self) -> None:
        """Tick the column actions to match the header (after restoring a saved state)."""
        for col, action in enumerate(self.column_actions):
            action.setChecked(not self.horizontalHeader().isSectionHidden(col))

    def keyboardSearch(self, search: str) -> None:
        # Qt's type-ahead would ask the model for every row's text; searching the catalog is instant.
        if search.strip():
            self.type_ahead.emit(search)

    def _on_sort_indicator(self, column: int, order: Qt.SortOrder) -> None:
        if COLUMNS[Col(column)].sort_key is not None:
            return
        # Tags have no catalog order: put the arrow back where the rows really are sorted.
        flt = self.library_model().library_filter
        header = self.horizontalHeader()
        header.blockSignals(True)
        descending = Qt.SortOrder.DescendingOrder if flt.descending else Qt.SortOrder.AscendingOrder
        header.setSortIndicator(SORT_TO_COLUMN.get(flt.sort, Col.NAME), descending)
        header.blockSignals(False)
