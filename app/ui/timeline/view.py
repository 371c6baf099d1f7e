"""TimelineView: the record timeline painted — a timecode ruler, tracks V, A1…, event blocks coloured by
conform status with reel and clip names, transitions, locators and the playhead.

Ctrl+wheel zooms around the cursor, the wheel scrolls along the timeline; clicking a block selects its
event, double-clicking plays it, clicking or dragging in the ruler moves the record playhead.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from app.core.timecode import from_frames, supports_drop_frame
from app.interchange.sequence import is_video_track
from app.services.timeline import TimelineService
from app.ui.timeline.blocks import Block, layout_blocks, track_names
from app.ui.timeline.colors import CURRENT, PLAYHEAD
from app.ui.timeline.painting import paint_block, paint_locators
from app.ui.widgets.ruler import tick_steps

HEADER_W = 44
RULER_H = 24
VIDEO_H = 48
AUDIO_H = 28
MAX_PX_PER_FRAME = 24.0
END_MARGIN = 40  # px of empty timeline after the last event, so it never ends under the scroll bar


class TimelineView(QAbstractScrollArea):
    selection_changed = Signal(list)  # event indexes the user selected here
    event_clicked = Signal(int)  # a block clicked (not Ctrl+clicked): cue the player on it
    event_activated = Signal(int)
    playhead_requested = Signal(int)  # record frame clicked or dragged to in the ruler
    play_toggled = Signal()

    def __init__(self, timeline: TimelineService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.timeline = timeline
        self.px_per_frame = 1.0
        self.start, self.end = 0, 0
        self.tracks: list[str] = ["V"]
        self.blocks: list[Block] = []
        self.selected: set[int] = set()
        self._dragging_playhead = False
        self._playhead_x: float | None = None  # where the playhead was last painted
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumHeight(RULER_H + VIDEO_H)  # the audio tracks scroll on a small screen
        self.horizontalScrollBar().valueChanged.connect(self.viewport().update)
        self.verticalScrollBar().valueChanged.connect(self.viewport().update)
        timeline.timeline_changed.connect(self._reload)
        timeline.current_event_changed.connect(lambda _index: self.viewport().update())
        timeline.playhead_changed.connect(self._on_playhead)

    # ---- state
    def _reload(self) -> None:
        doc = self.timeline.doc
        self.start, self.end = self.timeline.span()
        self.tracks = track_names(doc.events if doc else [])
        self.blocks = layout_blocks(self.timeline.events, self.tracks)
        self.selected = {i for i in self.selected if i < len(self.timeline.events)} if doc else set()
        self.zoom_to_fit()

    def set_selection(self, indexes: list[int]) -> None:
        """Select events (from the table); the first is scrolled into view."""
        self.selected = set(indexes)
        if indexes:
            self.ensure_visible(self.timeline.events[indexes[0]].record_in)
        self.viewport().update()

    # ---- geometry
    def timeline_width(self) -> float:
        return max(self.viewport().width() - HEADER_W, 1)

    def fit_px_per_frame(self) -> float:
        return min((self.timeline_width() - END_MARGIN) / max(self.end - self.start, 1), MAX_PX_PER_FRAME)

    def x_of(self, frame: float) -> float:
        return HEADER_W + (frame - self.start) * self.px_per_frame - self.horizontalScrollBar().value()

    def frame_at(self, x: float) -> int:
        return int(self.start + (x - HEADER_W + self.horizontalScrollBar().value()) / self.px_per_frame)

    def row_top(self, track: str) -> int:
        top = RULER_H - self.verticalScrollBar().value()
        for name in self.tracks:
            if name == track:
                return top
            top += self.row_height(name)
        return top

    def row_height(self, track: str) -> int:
        return VIDEO_H if is_video_track(track) else AUDIO_H

    def block_rect(self, block: Block) -> QRectF:
        left, right = self.x_of(block.record_in), self.x_of(block.record_out)
        top = self.row_top(block.track)
        return QRectF(left, top + 2, max(right - left, 1.0), self.row_height(block.track) - 4)

    def event_at(self, pos: QPointF) -> int:
        """The event whose block is under a viewport position, -1 for none."""
        if pos.x() < HEADER_W or pos.y() < RULER_H:
            return -1
        return next((b.index for b in reversed(self.blocks) if self.block_rect(b).contains(pos)), -1)

    def wanted_height(self) -> int:
        """The height that shows the ruler, every track and the scroll bar."""
        tracks = sum(self.row_height(t) for t in self.tracks)
        return RULER_H + tracks + self.horizontalScrollBar().sizeHint().height() + 2 * self.frameWidth()

    def visible_frames(self) -> float:
        return self.timeline_width() / self.px_per_frame

    def _update_scrollbars(self) -> None:
        content = (self.end - self.start) * self.px_per_frame + END_MARGIN
        bar = self.horizontalScrollBar()
        bar.setRange(0, max(int(content - self.timeline_width()), 0))
        bar.setPageStep(int(self.timeline_width()))
        bar.setSingleStep(max(int(self.timeline_width() / 20), 1))
        tracks = sum(self.row_height(t) for t in self.tracks)
        self.verticalScrollBar().setRange(0, max(RULER_H + tracks - self.viewport().height(), 0))
        self.verticalScrollBar().setPageStep(self.viewport().height())

    # ---- zoom and scroll
    def set_zoom(self, px_per_frame: float, anchor_x: float | None = None) -> None:
        """Zoom to px_per_frame (between fit-all and MAX_PX_PER_FRAME), keeping the frame at anchor_x in place."""
        anchor_x = HEADER_W + self.timeline_width() / 2 if anchor_x is None else anchor_x
        anchor = self.start + (anchor_x - HEADER_W + self.horizontalScrollBar().value()) / self.px_per_frame
        self.px_per_frame = max(min(px_per_frame, MAX_PX_PER_FRAME), min(self.fit_px_per_frame(), MAX_PX_PER_FRAME))
        self._update_scrollbars()
        self.horizontalScrollBar().setValue(round((anchor - self.start) * self.px_per_frame - (anchor_x - HEADER_W)))
        self.viewport().update()

    def zoom_to_fit(self) -> None:
        self.px_per_frame = self.fit_px_per_frame()
        self._update_scrollbars()
        self.horizontalScrollBar().setValue(0)
        self.viewport().update()

    def ensure_visible(self, frame: int) -> None:
        """Scroll so a record frame is on screen (a tenth of the width in from the left when it was not)."""
        x = self.x_of(frame)
        if not HEADER_W <= x < self.viewport().width() - 8:
            bar = self.horizontalScrollBar()
            bar.setValue(round((frame - self.start) * self.px_per_frame - self.timeline_width() * 0.1))

    def _on_playhead(self, frame: int) -> None:
        scroll = self.horizontalScrollBar().value()
        if self.timeline.sequence_playing or not self._dragging_playhead:
            self.ensure_visible(frame)
        if self.horizontalScrollBar().value() != scroll or self._playhead_x is None:
            self.viewport().update()
        else:
            # only the strips under the old and new playhead: while playing, this runs every frame
            for x in (self._playhead_x, self._x_of_playhead()):
                self.viewport().update(QRect(round(x) - 8, 0, 16, self.viewport().height()))

    def _x_of_playhead(self) -> float:
        frame = self.timeline.playhead
        return self.x_of(frame + 0.5) if self.px_per_frame >= 2 else self.x_of(frame)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        fitted = abs(self.px_per_frame - self.fit_px_per_frame()) < 1e-9
        self.px_per_frame = max(self.px_per_frame, self.fit_px_per_frame())
        if fitted:
            self.px_per_frame = self.fit_px_per_frame()  # a fitted timeline stays fitted as the dock resizes
        self._update_scrollbars()

    # ---- painting
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        width, height = self.viewport().width(), self.viewport().height()
        painter.fillRect(0, 0, width, height, QColor("#1e1e1e"))
        doc = self.timeline.doc
        if doc is not None:
            self._paint_tracks(painter, width)
            painter.save()
            painter.setClipRect(QRectF(HEADER_W, RULER_H, width - HEADER_W, height - RULER_H))
            font = QFont(self.font())
            area = event.rect()
            first, last = self.frame_at(max(area.left(), HEADER_W)) - 1, self.frame_at(area.right() + 1) + 1
            for block in self.blocks:
                if block.record_out < first or block.record_in > last:
                    continue  # off screen: a long timeline zoomed in paints only what shows
                rect = self.block_rect(block)
                paint_block(painter, block, rect, self.timeline, font, self.px_per_frame,
                            selected=block.index in self.selected, current=block.index == self.timeline.current)
            painter.restore()
            self._paint_ruler(painter, width)
            paint_locators(painter, doc.events, self.x_of, RULER_H)
            self._paint_playhead(painter, height)
        self._paint_headers(painter, height)
        painter.end()

    def _paint_tracks(self, painter: QPainter, width: int) -> None:
        for number, track in enumerate(self.tracks):
            top = self.row_top(track)
            shade = QColor("#262626") if number % 2 == 0 else QColor("#232323")
            painter.fillRect(QRectF(HEADER_W, top, width - HEADER_W, self.row_height(track)), shade)

    def _paint_headers(self, painter: QPainter, height: int) -> None:
        painter.fillRect(QRectF(0, 0, HEADER_W, height), QColor("#2d2d2d"))
        painter.setPen(QColor("#bdbdbd"))
        if self.timeline.doc is None:
            return
        for track in self.tracks:
            top = self.row_top(track)
            if top + self.row_height(track) > RULER_H:
                painter.drawText(QRectF(0, max(top, RULER_H), HEADER_W - 6, self.row_height(track)),
                                 int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), track)

    def _paint_ruler(self, painter: QPainter, width: int) -> None:
        doc = self.timeline.doc
        assert doc is not None
        painter.fillRect(QRectF(HEADER_W, 0, width - HEADER_W, RULER_H), QColor("#2d2d2d"))
        fps = round(doc.rate)
        drop = doc.drop_frame and supports_drop_frame(doc.rate)
        label_px = QFontMetrics(painter.font()).horizontalAdvance("00:00:00:00") + 16
        major, minor = tick_steps(self.px_per_frame, fps, label_px=label_px)
        first = max(self.frame_at(HEADER_W), self.start) // minor * minor
        last = self.frame_at(width) + minor
        painter.setPen(QColor("#9e9e9e"))
        for frame in range(first, last, minor):
            x = round(self.x_of(frame))
            if x < HEADER_W:
                continue
            if frame % major == 0:
                painter.drawLine(x, RULER_H - 10, x, RULER_H)
                painter.drawText(x + 3, RULER_H - 9, from_frames(frame, doc.rate, drop))
            else:
                painter.drawLine(x, RULER_H - 4, x, RULER_H)

    def _paint_playhead(self, painter: QPainter, height: int) -> None:
        x = self._playhead_x = self._x_of_playhead()
        if x < HEADER_W:
            return
        color = CURRENT if self.timeline.sequence_playing else PLAYHEAD
        painter.setPen(QPen(color, 1))
        painter.drawLine(QPointF(x, RULER_H - 8), QPointF(x, height))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawPolygon(QPolygonF([QPointF(x - 6, 0), QPointF(x + 6, 0), QPointF(x + 6, RULER_H - 10),
                                       QPointF(x, RULER_H - 4), QPointF(x - 6, RULER_H - 10)]))

    # ---- mouse and keys
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        pos = event.position()
        if event.button() != Qt.MouseButton.LeftButton or self.timeline.doc is None:
            return super().mousePressEvent(event)
        if pos.y() < RULER_H and pos.x() >= HEADER_W:
            self._dragging_playhead = True
            self.playhead_requested.emit(self.frame_at(pos.x()))
            return
        index = self.event_at(pos)
        toggle = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier) and index >= 0
        self.selected = self.selected ^ {index} if toggle else ({index} if index >= 0 else set())
        self.viewport().update()
        self.selection_changed.emit(sorted(self.selected))
        if index >= 0 and not toggle:
            self.event_clicked.emit(index)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._dragging_playhead:
            self.playhead_requested.emit(self.frame_at(event.position().x()))
        index = self.event_at(event.position())
        self.setToolTip(self._tooltip(index) if index >= 0 else "")

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self._dragging_playhead = False
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        index = self.event_at(event.position())
        if index >= 0:
            self.event_activated.emit(index)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        steps = (event.angleDelta().y() or event.angleDelta().x()) / 120
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.set_zoom(self.px_per_frame * (1.25 ** steps), event.position().x())
        else:
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() - round(steps * bar.singleStep() * 3))
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        key = event.key()
        if key == Qt.Key.Key_Space:
            self.play_toggled.emit()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            sign = 1 if key == Qt.Key.Key_Right else -1
            shift = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            self.timeline.step_record(sign * (round(self.timeline.doc.rate) if shift and self.timeline.doc else 1))
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.set_zoom(self.px_per_frame * 1.5)
        elif key == Qt.Key.Key_Minus:
            self.set_zoom(self.px_per_frame / 1.5)
        else:
            super().keyPressEvent(event)

    def _tooltip(self, index: int) -> str:
        event, match = self.timeline.events[index], self.timeline.matches[index]
        doc = self.timeline.doc
        assert doc is not None
        drop = doc.drop_frame and supports_drop_frame(doc.rate)
        where = self.timeline.media_name(match.media_id) if match.status == "matched" else match.reason
        return (f"{event.number:03d}  {event.reel}  {event.name or ''}\n"
                f"record {from_frames(event.record_in, doc.rate, drop)} – {from_frames(event.record_out, doc.rate, drop)}\n"
                f"{match.status}: {where}")
