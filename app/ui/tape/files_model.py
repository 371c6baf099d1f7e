"""The files of one tape in tape order, or of a search across tapes, as a table that loads as it scrolls.

A tape can hold 100,000 files or more: rows come a page at a time from TapeService (canFetchMore/fetchMore, each
page a catalog read off the GUI thread), and the view only asks for the rows it draws."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from app.services.tape import TapeFile, TapeService
from app.ui.library.format import size_text

COL_TAPE, COL_PATH, COL_SIZE, COL_POSITION, COL_DIGEST = range(5)
HEADERS = ("Tape", "Path", "Size", "Position", "xxh128")
Index = QModelIndex | QPersistentModelIndex


def position_text(row: TapeFile) -> str:
    """'b:1234': the partition (LTFS a = index, b = data) and the first block of the file."""
    if row.start_block is None or row.partition is None:
        return ""
    return f"{'ab'[row.partition] if row.partition in (0, 1) else row.partition}:{row.start_block}"


def path_text(row: TapeFile) -> str:
    if row.kind == "folder":
        return row.path + "/"
    if row.kind == "symlink":
        return f"{row.path} → {row.symlink}"
    if row.span_offset is not None and row.span_length:
        return f"{row.path}  [part at {size_text(row.span_offset)} of {size_text(row.span_length)}]"
    return row.path


class TapeFilesTableModel(QAbstractTableModel):
    def __init__(self, service: TapeService, parent: Any = None) -> None:
        super().__init__(parent)
        self.service = service
        self._count = 0  # rows announced to the view; the service's list may already hold more
        self._mono = QFont("monospace")
        self._mono.setStyleHint(QFont.StyleHint.TypeWriter)
        service.files_reset.connect(self._reset)
        service.files_added.connect(self._added)

    def _reset(self) -> None:
        self.beginResetModel()
        self._count = 0
        self.endResetModel()

    def _added(self, first: int, count: int) -> None:
        if first != self._count:  # a page of a listing this model has not seen reset yet
            self._reset()
            first, count = 0, len(self.service.shown.rows)
        if count <= 0:
            return
        self.beginInsertRows(QModelIndex(), first, first + count - 1)
        self._count = first + count
        self.endInsertRows()

    @property
    def searching(self) -> bool:
        return bool(self.service.shown.search)

    def entry(self, row: int) -> TapeFile | None:
        rows = self.service.shown.rows
        return rows[row] if 0 <= row < min(self._count, len(rows)) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(HEADERS)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self.service.can_fetch_more()

    def fetchMore(self, parent: Index) -> None:
        if not parent.isValid():
            self.service.fetch_more()  # the page arrives later, through files_added

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.entry(index.row()) if index.isValid() else None
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == COL_TAPE:
                return row.barcode
            if column == COL_PATH:
                return path_text(row)
            if column == COL_SIZE:
                return size_text(row.length) if row.kind == "file" else ""
            if column == COL_POSITION:
                return position_text(row)
            if column == COL_DIGEST:
                return row.xxh128 or ""
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == COL_PATH:
                return f"{row.path}\non {row.barcode}" + (f", from block {row.start_block}" if row.start_block else "")
            if column == COL_SIZE and row.kind == "file":
                return f"{row.length:,} bytes"
            if column == COL_DIGEST and row.xxh128:
                return f"xxh128 {row.xxh128}"
        if role == Qt.ItemDataRole.FontRole and column == COL_DIGEST:
            return self._mono
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_SIZE, COL_POSITION):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
