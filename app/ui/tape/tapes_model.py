"""The cataloged tapes as a table: barcode, generation, use (drawn as a bar), files, set and copy, where the
cartridge is kept (editable), its last verification and when the next one is due."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.services.tape import TapeService
from app.ui.library.format import date_text, size_text
from app.ui.widgets.icons import ERROR_COLOR

# Location last: it is the one column of free text, and takes the width that is left
(COL_BARCODE, COL_GENERATION, COL_USE, COL_FILES, COL_VERIFIED, COL_DUE, COL_SET,
 COL_LOCATION) = range(8)
HEADERS = ("Barcode", "Gen", "Used / free", "Files", "Last verified", "Due", "Set / copy", "Location")
FRACTION_ROLE = Qt.ItemDataRole.UserRole + 1  # used / capacity, None when the capacity is unknown
OK_COLOR = "#2e9a68"
Index = QModelIndex | QPersistentModelIndex


def use_text(tape: dict[str, Any]) -> str:
    used, capacity = tape["used"] or 0, tape["capacity"]
    if not capacity:
        return f"{size_text(used)} used"
    return f"{size_text(used)} · {size_text(max(0, capacity - used))} free"


def verified_text(tape: dict[str, Any]) -> str:
    if tape["last_verified_at"] is None:
        return "never"
    return f"{date_text(tape['last_verified_at'])} {tape['last_verify']}"


class TapesTableModel(QAbstractTableModel):
    def __init__(self, service: TapeService, parent: Any = None) -> None:
        super().__init__(parent)
        self.service = service
        self.tapes: list[dict[str, Any]] = []
        self.now = time.time()

    def set_tapes(self, tapes: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.tapes = list(tapes)
        self.now = time.time()
        self.endResetModel()

    def tape(self, row: int) -> dict[str, Any] | None:
        return self.tapes[row] if 0 <= row < len(self.tapes) else None

    def row_of(self, barcode: str) -> int:
        return next((r for r, t in enumerate(self.tapes) if t["barcode"] == barcode), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.tapes)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsEditable if index.column() == COL_LOCATION else flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        tape = self.tape(index.row())
        if tape is None or index.column() != COL_LOCATION or role != Qt.ItemDataRole.EditRole:
            return False
        text = str(value or "").strip()
        if text == (tape["location"] or ""):
            return False
        tape["location"] = text or None  # shown at once; the catalog write follows on its lane
        self.dataChanged.emit(index, index)
        self.service.set_location(tape["barcode"], text)
        return True

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        tape = self.tape(index.row()) if index.isValid() else None
        if tape is None:
            return None
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(tape, column) if role == Qt.ItemDataRole.DisplayRole else (tape["location"] or "")
        if role == FRACTION_ROLE and column == COL_USE and tape["capacity"]:
            return min(1.0, (tape["used"] or 0) / tape["capacity"])
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == COL_VERIFIED and tape["last_verify"] in ("damaged", "incomplete"):
                return QBrush(QColor(ERROR_COLOR))
            if column == COL_VERIFIED and tape["last_verify"] == "ok":
                return QBrush(QColor(OK_COLOR))
            if column == COL_DUE and self._due(tape):
                return QBrush(QColor(ERROR_COLOR))
        if role == Qt.ItemDataRole.FontRole and column == COL_BARCODE:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column == COL_FILES:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(tape, column)
        return None

    def _due(self, tape: dict[str, Any]) -> bool:
        return tape.get("due_at") is not None and tape["due_at"] <= self.now

    def _text(self, tape: dict[str, Any], column: int) -> str:
        if column == COL_BARCODE:
            return tape["barcode"]
        if column == COL_GENERATION:
            return (tape["generation"] or "?").replace("LTO", "LTO-")
        if column == COL_USE:
            return use_text(tape)
        if column == COL_FILES:
            return f"{tape['files']:,}"
        if column == COL_SET:
            return " / ".join(x for x in (tape["tape_set"], tape["copy"]) if x) or "—"
        if column == COL_LOCATION:
            return tape["location"] or ""
        if column == COL_VERIFIED:
            return verified_text(tape)
        if column == COL_DUE:
            if tape.get("due_at") is None:
                return ""
            return "now" if self._due(tape) and tape["last_verified_at"] is None else (
                ("overdue " if self._due(tape) else "") + date_text(tape["due_at"]))
        return ""

    @staticmethod
    def _tooltip(tape: dict[str, Any], column: int) -> str:
        if column == COL_BARCODE:
            return (f"{tape['barcode']}: LTFS volume {tape['volume_uuid']}, index generation "
                    f"{tape['index_generation']} ({tape['index_updated']}), written by {tape['creator'] or '?'}")
        if column == COL_LOCATION:
            return "Where the cartridge is kept; double-click or F2 to change it"
        if column == COL_VERIFIED and tape["last_verify_files"] is not None:
            return f"{tape['last_verify_files']:,} files read back and checked"
        if column == COL_USE and tape["capacity"]:
            return f"{tape['used'] or 0:,} of {tape['capacity']:,} bytes"
        return ""


class UseDelegate(QStyledItemDelegate):
    """The Used / free cell as a bar of the cartridge's fill behind its text."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        fraction = index.data(FRACTION_ROLE)
        if fraction is None:
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget else None
        text, option.text = option.text, ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        bar = option.rect.adjusted(3, 3, -3, -3)
        painter.save()
        palette = option.palette
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.setBrush(Qt.BrushStyle.NoBrush)  # over the row's own background, selected or not
        painter.drawRoundedRect(bar, 3, 3)
        if fraction > 0:
            fill = QRect(bar.x(), bar.y(), max(2, round(bar.width() * fraction)), bar.height())
            color = QColor(ERROR_COLOR if fraction > 0.97 else "#3d7dd8")
            color.setAlpha(110)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawRoundedRect(fill, 3, 3)
        painter.setPen(palette.color(QPalette.ColorRole.HighlightedText if option.state & QStyle.StateFlag.State_Selected
                                     else QPalette.ColorRole.Text))
        elided = option.fontMetrics.elidedText(text, Qt.TextElideMode.ElideRight, bar.width() - 8)
        painter.drawText(bar.adjusted(4, 0, -4, 0), int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                         elided)
        painter.restore()
