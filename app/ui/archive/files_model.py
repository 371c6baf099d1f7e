"""The files of one archive version as a table: path (with its poster), kind, duration, start TC, resolution, size
and the proxies embedded with it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QPixmap

from app.archive.browse import BrowseEntry
from app.ui.library.format import duration_text, resolution_text, size_text

COL_PATH, COL_KIND, COL_DURATION, COL_TC, COL_RESOLUTION, COL_SIZE, COL_PROXIES = range(7)
HEADERS = ("Path", "Kind", "Duration", "Start TC", "Resolution", "Size", "Proxies")
Index = QModelIndex | QPersistentModelIndex


class ArchiveFilesModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.entries: list[BrowseEntry] = []
        self.posters: dict[int, QPixmap] = {}

    def set_entries(self, entries: list[BrowseEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.posters = {}
        self.endResetModel()

    def set_poster(self, row: int, pixmap: QPixmap) -> None:
        if 0 <= row < len(self.entries):
            self.posters[row] = pixmap
            index = self.index(row, COL_PATH)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def entry(self, row: int) -> BrowseEntry | None:
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self.entries[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(entry, column)
        if role == Qt.ItemDataRole.DecorationRole and column == COL_PATH:
            return self.posters.get(index.row())
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_PATH:
            problem = f"\n{entry.problem}" if entry.problem else ""
            return f"{entry.logical_path}\nstored at {entry.location}\nsha256 {entry.digest}{problem}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_DURATION, COL_SIZE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(entry: BrowseEntry, column: int) -> str:
        facts = entry.probe
        if column == COL_PATH:
            return entry.logical_path
        if column == COL_KIND:
            return f"{entry.kind or 'other'} (compressed)" if entry.problem else entry.kind or "other"
        if column == COL_DURATION:
            return duration_text(entry.duration) if entry.duration else ""
        if column == COL_TC:
            return facts.get("start_timecode") or ""
        if column == COL_RESOLUTION:
            return resolution_text(facts.get("width"), facts.get("height")) if facts.get("width") else ""
        if column == COL_SIZE:
            return size_text(entry.size)
        if column == COL_PROXIES:
            return ", ".join(p.preset for p in entry.proxies)
        return ""
