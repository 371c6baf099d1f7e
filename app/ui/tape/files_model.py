"""The files of one tape in tape order, or of a search across tapes, as a table that loads as it scrolls.

A tape can hold 100,000 files or more: rows come a page at a time from TapeService (canFetchMore/fetchMore, each
page a catalog read off the GUI thread), and the view only asks for the rows it draws. A file the library holds (the
same bytes: its xxh128 is a library file's content hash) shows the library's poster in the first column; the match
comes a page at a time from TapeLibraryService, the pixmaps from the library's PosterCache."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QFont, QPalette

from app.services.tape import TapeFile, TapeService
from app.services.tape_library import TapeLibraryService
from app.services.thumbnails import ThumbnailService
from app.ui.library.format import size_text
from app.ui.library.posters import PosterCache
from app.ui.tape.files_posters import library_tooltip

COL_POSTER, COL_TAPE, COL_PATH, COL_SIZE, COL_POSITION, COL_DIGEST = range(6)
HEADERS = ("", "Tape", "Path", "Size", "Position", "xxh128")
POSTER_BOX = QSize(48, 27)  # 16:9, a row of the files list a little taller than its text
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
    def __init__(self, service: TapeService, parent: Any = None, library: TapeLibraryService | None = None,
                 thumbnails: ThumbnailService | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.library = library
        # The library's poster cache; the poster files come with each page's match, found off the GUI thread
        # (TapeLibraryService has PosterCache's poster_for and runner)
        self.posters = PosterCache(library, POSTER_BOX, self)  # type: ignore[arg-type]
        self._count = 0  # rows announced to the view; the service's list may already hold more
        self._mono = QFont("monospace")
        self._mono.setStyleHint(QFont.StyleHint.TypeWriter)
        service.files_reset.connect(self._reset)
        service.files_added.connect(self._added)
        if library is not None:
            library.matches_changed.connect(self._matched)
        self.posters.loaded.connect(self._posters_loaded)
        if thumbnails is not None:
            thumbnails.thumbnails_ready.connect(self._thumbnails_made)

    def _matched(self, first: int, count: int) -> None:
        last = min(first + count, self._count) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, COL_POSTER), self.index(last, COL_PATH))

    def _thumbnails_made(self, ids: list[int]) -> None:
        if self.library is not None:
            self.library.posters_made(ids)  # a poster made since the match: load it
        self._posters_loaded(ids)

    def _posters_loaded(self, _ids: list[int]) -> None:
        # One range over the column: the view repaints only the rows on screen, whichever held these ids
        if self._count:
            self.dataChanged.emit(self.index(0, COL_POSTER), self.index(self._count - 1, COL_POSTER),
                                  [Qt.ItemDataRole.DecorationRole])

    def match(self, row: int) -> Any:
        """The library file holding row's bytes (a LibraryMatch), or None."""
        return self.library.match(self.entry(row)) if self.library is not None else None

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
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole and section == COL_POSTER:
            return "The library's poster of a file it holds (the same bytes); double-click it to play"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.entry(index.row()) if index.isValid() else None
        if row is None:
            return None
        column = index.column()
        if column == COL_POSTER:
            return self._poster_data(row, role)
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
                where = f"{row.path}\non {row.barcode}" + (f", from block {row.start_block}" if row.start_block else "")
                return where + self._library_text(row)
            if column == COL_SIZE and row.kind == "file":
                return f"{row.length:,} bytes"
            if column == COL_DIGEST and row.xxh128:
                return f"xxh128 {row.xxh128}"
        if role == Qt.ItemDataRole.FontRole and column == COL_DIGEST:
            return self._mono
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_SIZE, COL_POSITION):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _library_text(self, row: TapeFile) -> str:
        if self.library is None or row.kind != "file":
            return ""
        return "\n\n" + library_tooltip(row, self.library)

    def _poster_data(self, row: TapeFile, role: int) -> Any:
        if self.library is None:
            return None
        if role == Qt.ItemDataRole.DecorationRole:
            match = self.library.match(row)
            return self.posters.pixmap(match.media_id) if match is not None else None
        if role == Qt.ItemDataRole.ToolTipRole and row.kind == "file":
            return library_tooltip(row, self.library)
        if role == Qt.ItemDataRole.DisplayRole:
            # in the library but nothing to show (audio without cover art, or no poster made yet): say so
            match = self.library.match(row)
            if match is not None and self.library.poster_for(match.media_id) is None:
                return "library"
        if role == Qt.ItemDataRole.ForegroundRole and self.library.match(row) is not None:
            return QPalette().brush(QPalette.ColorGroup.Active, QPalette.ColorRole.PlaceholderText)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None
