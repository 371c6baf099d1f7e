"""TimelineTableModel: one row per event (number, reel, clip, track, source and record in/out, duration,
conform status and why), then one row per EDL line that could not be read, marked "error"."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.core.timecode import from_frames, supports_drop_frame
from app.services.timeline import TimelineService
from app.ui.timeline.colors import STATUS_COLORS, status_color, status_text

COLUMNS = ("#", "Reel", "Clip", "Track", "Transition", "Source In", "Source Out", "Record In", "Record Out",
           "Duration", "Status", "Why")
(COL_NUMBER, COL_REEL, COL_CLIP, COL_TRACK, COL_TRANSITION, COL_SRC_IN, COL_SRC_OUT, COL_REC_IN, COL_REC_OUT,
 COL_DURATION, COL_STATUS, COL_REASON) = range(len(COLUMNS))
EVENT_ROLE = Qt.ItemDataRole.UserRole + 1  # the event's index in the timeline, -1 on an error row
_TC_COLUMNS = {COL_SRC_IN, COL_SRC_OUT, COL_REC_IN, COL_REC_OUT, COL_DURATION}
_Index = QModelIndex | QPersistentModelIndex


class TimelineTableModel(QAbstractTableModel):
    """Reads the TimelineService; resets when the timeline changes."""

    def __init__(self, timeline: TimelineService, parent: Any = None) -> None:
        super().__init__(parent)
        self.timeline = timeline
        self.current = -1
        timeline.timeline_changed.connect(self._reset)
        timeline.current_event_changed.connect(self._set_current)

    # ---- shape
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt override
        if parent.isValid() or self.timeline.doc is None:
            return 0
        return len(self.timeline.events) + len(self.timeline.doc.errors)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt override
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def row_of_event(self, index: int) -> int:
        """The table row of an event index (events come first, in order)."""
        return index

    def event_at(self, row: int) -> int:
        """The event index on a row, -1 on an error row."""
        return row if 0 <= row < len(self.timeline.events) else -1

    # ---- cells
    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        events = self.timeline.events
        if row >= len(events):
            return self._error_data(row - len(events), column, role)
        if role == EVENT_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and (column in _TC_COLUMNS or column == COL_NUMBER):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column in (COL_STATUS, COL_REASON):
            return QBrush(status_color(self.timeline.matches[row].status))
        if role == Qt.ItemDataRole.DecorationRole and column == COL_STATUS:
            return status_color(self.timeline.matches[row].status)
        if role == Qt.ItemDataRole.BackgroundRole and row == self.current:
            return QBrush(QColor(255, 202, 40, 60))  # the playhead's event, in the timeline's highlight colour
        return None

    def _tc(self, frames: int) -> str:
        doc = self.timeline.doc
        assert doc is not None
        return from_frames(max(frames, 0), doc.rate, doc.drop_frame and supports_drop_frame(doc.rate))

    def _text(self, row: int, column: int) -> str:
        event, match = self.timeline.events[row], self.timeline.matches[row]
        doc = self.timeline.doc
        assert doc is not None
        if column == COL_NUMBER:
            return f"{event.number:03d}"
        if column == COL_REEL:
            return event.reel
        if column == COL_CLIP:
            return event.name or (event.source_file or "").replace("\\", "/").rsplit("/", 1)[-1]
        if column == COL_TRACK:
            return event.track
        if column == COL_TRANSITION:
            return "Cut" if event.transition == "cut" else f"{event.transition_code} {event.transition_frames}"
        if column == COL_SRC_IN:
            return self._tc(event.source_in)
        if column == COL_SRC_OUT:
            return self._tc(event.source_out)
        if column == COL_REC_IN:
            return self._tc(event.record_in)
        if column == COL_REC_OUT:
            return self._tc(event.record_out)
        if column == COL_DURATION:
            # a duration counts frames: shown as non-drop timecode whatever the timeline counts in
            return from_frames(event.record_frames, doc.rate, False)
        if column == COL_STATUS:
            return status_text(match, self.timeline.media_name(match.media_id))
        if column == COL_REASON:
            return self._reason(row)
        return ""

    def _reason(self, row: int) -> str:
        """Why the event conformed as it did (offline, ambiguous, black, relinked) and any line problem."""
        event, match = self.timeline.events[row], self.timeline.matches[row]
        parts = [match.reason] if match.reason else []
        if event.status == "error":
            parts.append(f"EDL line {event.line_number}: unknown transition {event.transition_code}")
        return "; ".join(parts)

    def _tooltip(self, row: int, column: int) -> str | None:
        event, match = self.timeline.events[row], self.timeline.matches[row]
        if column in (COL_STATUS, COL_REASON):
            lines = [f"{match.status}: {match.reason}" if match.reason else match.status]
            if match.status == "ambiguous":
                names = [r["name"] for r in self.timeline.catalog.rows(match.candidates)]
                lines += ["Candidates:"] + [f"  {n}" for n in names] + ["Relink… picks one."]
            elif match.status == "offline":
                lines.append("Relink… links it to a cataloged file by hand.")
            if event.status == "error":
                lines.append(f"EDL line {event.line_number}: unknown transition {event.transition_code}")
            return "\n".join(lines)
        if column == COL_DURATION:
            return f"{event.record_frames} frames"
        if column in (COL_REEL, COL_CLIP):
            parts = [f"Reel {event.reel}", f"Clip {event.name}" if event.name else "",
                     f"Source file {event.source_file}" if event.source_file else "",
                     *(f"* {c}" for c in event.comments)]
            return "\n".join(p for p in parts if p)
        return None

    def _error_data(self, number: int, column: int, role: int) -> Any:
        doc = self.timeline.doc
        assert doc is not None
        error = doc.errors[number]
        if role == EVENT_ROLE:
            return -1
        if role == Qt.ItemDataRole.DisplayRole:
            return {COL_NUMBER: f"line {error.line_number}", COL_CLIP: error.text.strip(),
                    COL_STATUS: "error", COL_REASON: error.message}.get(column, "")
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"EDL line {error.line_number} could not be read: {error.message}\n{error.text.strip()}"
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(STATUS_COLORS["error"])
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # ---- updates
    def _reset(self) -> None:
        self.beginResetModel()
        self.current = self.timeline.current
        self.endResetModel()

    def _set_current(self, index: int) -> None:
        previous, self.current = self.current, index
        for row in (previous, index):
            if 0 <= row < len(self.timeline.events):
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
