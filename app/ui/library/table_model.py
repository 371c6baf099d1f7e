"""LibraryTableModel: a virtual table over the catalog. It holds only the ordered id list and a bounded
page cache of rows, so 100,000 files cost one id list and a few pages."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import replace
from functools import cache
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QFont

from app.catalog.filters import LibraryFilter
from app.core.paths import os_path
from app.services.library import LibraryService
from app.ui.library.cells import display_text, foreground, tooltip
from app.ui.library.columns import COLUMNS, Col
from app.ui.library.id_diff import diff_ids
from app.ui.widgets.icons import kind_icon, status_icon

MEDIA_ID_ROLE = Qt.ItemDataRole.UserRole
ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the catalog row dict (ROW_COLUMNS + 'tags')

PAGE_SIZE = 256
CACHE_LIMIT = 16 * PAGE_SIZE
# More runs than this and a reset (with selection restored by the view) is cheaper than row signals.
MAX_DIFF_RUNS = 64
MIN_REFRESH_MS = 150

_Index = QModelIndex | QPersistentModelIndex
_ITEM_FLAGS = (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
               | Qt.ItemFlag.ItemIsDragEnabled)
_NO_FLAGS = Qt.ItemFlag.NoItemFlags


class LibraryTableModel(QAbstractTableModel):
    """Rows of catalog.query_ids(filter); rows are read in pages of PAGE_SIZE when the view asks."""

    ids_changed = Signal()  # the id list was replaced (count or order may differ)

    def __init__(self, library: LibraryService, flt: LibraryFilter | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._library = library
        self._catalog = library.catalog
        self._filter = flt or LibraryFilter()
        self._ids: list[int] = self._catalog.query_ids(self._filter)
        self._row_of: dict[int, int] | None = None
        self._cache: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._query_ms = 0.0
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.timeout.connect(self.refresh)
        library.media_changed.connect(self._on_media_changed)
        library.library_reset.connect(self._reset_rows)

    # ---- the id list
    @property
    def library_filter(self) -> LibraryFilter:
        """The filter (and sort) the rows come from."""
        return self._filter

    def set_filter(self, flt: LibraryFilter) -> None:
        """Show what flt selects; selection and scroll survive where the rows do."""
        if flt != self._filter:
            self._filter = flt
            self.refresh()

    def refresh(self) -> None:
        """Re-run the query now and move rows to match."""
        self._refresh_timer.stop()
        started = time.perf_counter()
        new_ids = self._catalog.query_ids(self._filter)
        self._query_ms = (time.perf_counter() - started) * 1000
        self._apply(new_ids)

    def _reset_rows(self) -> None:
        """Rows may hold other values now (another program's edits on a shared catalog, a refused edit, a removal):
        forget the rows read, re-query, and have the view read what it shows again."""
        self._cache.clear()
        self.refresh()
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, self.columnCount() - 1))

    def schedule_refresh(self) -> None:
        """Re-query soon; bursts (a scan reporting every batch) collapse into one query."""
        if not self._refresh_timer.isActive():
            # A slow query on a huge library must not eat the GUI thread during a long scan.
            self._refresh_timer.start(int(max(MIN_REFRESH_MS, 4 * self._query_ms)))

    def id_list(self) -> list[int]:
        """The ids in display order (do not modify)."""
        return self._ids

    def media_id(self, row: int) -> int:
        """The catalog id shown at row."""
        return self._ids[row]

    def row_for_id(self, media_id: int) -> int | None:
        """The row showing media_id, or None when it is filtered out."""
        if self._row_of is None:
            self._row_of = {media_id: row for row, media_id in enumerate(self._ids)}
        return self._row_of.get(media_id)

    def row_data(self, row: int) -> dict[str, Any] | None:
        """The catalog row shown at row, read through the page cache."""
        if not 0 <= row < len(self._ids):
            return None
        media_id = self._ids[row]
        found = self._cache.get(media_id)
        if found is not None:
            self._cache.move_to_end(media_id)
            return found
        start = row - row % PAGE_SIZE
        for record in self._catalog.rows(self._ids[start : start + PAGE_SIZE]):
            self._cache[record["id"]] = record
        while len(self._cache) > CACHE_LIMIT:
            self._cache.popitem(last=False)
        found = self._cache.get(media_id)
        if found is None:
            self.schedule_refresh()  # removed behind our back: the next query drops the row
        return found

    def shown(self, media_id: int) -> dict[str, Any] | None:
        """The row as the view last read it, or None when it is not in memory (no catalog read)."""
        return self._cache.get(media_id)

    def cached_row_count(self) -> int:
        """How many catalog rows are held in memory now."""
        return len(self._cache)

    def _apply(self, new_ids: list[int]) -> None:
        old_ids = self._ids
        if new_ids == old_ids:
            return
        diff = diff_ids(old_ids, new_ids)
        if diff is not None and len(diff.removed) + len(diff.inserted) <= MAX_DIFF_RUNS:
            for first, last in reversed(diff.removed):
                self.beginRemoveRows(QModelIndex(), first, last)
                del self._ids[first : last + 1]
                self._row_of = None
                self.endRemoveRows()
            for first, last in diff.inserted:
                self.beginInsertRows(QModelIndex(), first, last)
                self._ids[first:first] = new_ids[first : last + 1]
                self._row_of = None
                self.endInsertRows()
        elif diff is None and len(new_ids) == len(old_ids) and set(new_ids) == set(old_ids):
            self._reorder(new_ids)
        else:
            self.beginResetModel()
            self._ids = list(new_ids)
            self._row_of = None
            self.endResetModel()
        self.ids_changed.emit()

    def _reorder(self, new_ids: list[int]) -> None:
        self.layoutAboutToBeChanged.emit()
        new_row = {media_id: row for row, media_id in enumerate(new_ids)}
        before = self.persistentIndexList()
        after = [self.index(new_row[self._ids[i.row()]], i.column()) for i in before]
        self._ids = list(new_ids)
        self._row_of = new_row
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    def _on_media_changed(self, ids: list[int]) -> None:
        rows = []
        for media_id in ids:
            self._cache.pop(media_id, None)
            row = self.row_for_id(media_id)
            if row is not None:
                rows.append(row)
        if rows:
            last_col = self.columnCount() - 1
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), last_col))
        # New files, and changed files that now (no longer) match the filter or sort elsewhere.
        self.schedule_refresh()

    # ---- Qt model interface
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or section not in range(len(COLUMNS)):
            return None
        column = COLUMNS[Col(section)]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.align
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        # Hot: the header asks once per row and column after a select-all, so no enum arithmetic here.
        return _ITEM_FLAGS if index.isValid() else _NO_FLAGS

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if role == MEDIA_ID_ROLE:
            return self._ids[index.row()]
        row = self.row_data(index.row())
        if row is None:
            return None
        col = Col(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return display_text(row, col)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return COLUMNS[col].align
        if role == Qt.ItemDataRole.DecorationRole and col == Col.NAME:
            return status_icon(row["status"]) if row["status"] in ("missing", "error") else kind_icon(row["kind"])
        if role == Qt.ItemDataRole.ForegroundRole:
            return foreground(row["status"])
        if role == Qt.ItemDataRole.FontRole and row["status"] in ("missing", "pending"):
            return _italic()
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(row, col)
        return None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Rating and favourite edits go through the library service, like every edit."""
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        media_id = self._ids[index.row()]
        shown = self.shown(media_id)  # what the user changed: refused if another program changed it meanwhile
        if index.column() == Col.RATING:
            seen = None if shown is None else {media_id: shown["rating"]}
            self._library.set_rating([media_id], int(value), seen=seen)
            return True
        if index.column() == Col.FAVOURITE:
            seen = None if shown is None else {media_id: bool(shown["favourite"])}
            self._library.set_favourite([media_id], bool(value), seen=seen)
            return True
        return False

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column through the catalog (every row, not just the loaded pages)."""
        key = COLUMNS[Col(column)].sort_key if column in range(len(COLUMNS)) else None
        if key is None:
            return
        self.set_filter(replace(self._filter, sort=key, descending=order == Qt.SortOrder.DescendingOrder))

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list"]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:
        """Dragging rows out hands the files to other apps (file managers, editors)."""
        ids = sorted({self._ids[i.row()] for i in indexes if i.isValid()})
        paths = self._catalog.raw_paths(ids)
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(os_path(paths[i])) for i in ids if i in paths])
        return mime


@cache
def _italic() -> QFont:
    font = QFont()
    font.setItalic(True)
    return font
