"""Painting one event block: status colour (offline hatched, so it reads without colour too), reel and clip
names elided to the block, the transition at its head, and selection / playing outlines."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen, QPolygonF

from app.interchange.edl_model import EdlEvent
from app.interchange.sequence import is_video_track
from app.services.timeline import TimelineService
from app.ui.timeline.blocks import Block
from app.ui.timeline.colors import AUDIO_TINT, BLACK_REELS, CURRENT, SELECTED, status_color

_MIN_LABEL_W = 14  # narrower blocks carry no text


def block_color(event: EdlEvent, status: str, track: str) -> QColor:
    """The fill of a block: black for black reels, the status colour, matched audio in its own hue."""
    if event.reel.upper() in BLACK_REELS:
        return QColor("#0b0b0b")
    if status == "matched" and not is_video_track(track):
        return AUDIO_TINT
    return status_color(status)


def block_lines(event: EdlEvent, status: str, track: str) -> list[str]:
    """The text of a block, most important first: reel, then clip (one line on an audio track)."""
    reel = ("? " if status == "ambiguous" else "") + event.reel
    clip = event.name or ""
    if not is_video_track(track):
        return [f"{reel} · {clip}" if clip else reel]
    return [reel, clip] if clip else [reel]


def elided_lines(lines: list[str], font: QFont, width: float) -> list[str]:
    """Each line elided to fit width (lines that would show only '…' are left out)."""
    metrics = QFontMetrics(font)
    elided = [metrics.elidedText(line, Qt.TextElideMode.ElideRight, int(width)) for line in lines]
    return [line for line in elided if line and line != "…"]


def paint_block(painter: QPainter, block: Block, rect: QRectF, timeline: TimelineService, font: QFont,
                px_per_frame: float, *, selected: bool, current: bool) -> None:
    event, match = timeline.events[block.index], timeline.matches[block.index]
    color = block_color(event, match.status, block.track)
    if rect.width() < 4 and not (selected or current):
        painter.fillRect(rect, color)  # a whole long timeline in view: thousands of slivers, drawn cheaply
        return
    path = QPainterPath()
    path.addRoundedRect(rect, 3, 3)
    painter.fillPath(path, color)
    if match.status == "offline" and event.reel.upper() not in BLACK_REELS:
        painter.fillPath(path, QBrush(QColor(0, 0, 0, 70), Qt.BrushStyle.BDiagPattern))
    if is_video_track(block.track) and event.transition != "cut" and event.transition_frames > 0:
        _paint_transition(painter, event, rect, px_per_frame)
    painter.setPen(QPen(color.darker(160), 1))
    painter.drawPath(path)
    if rect.width() >= _MIN_LABEL_W:
        _paint_label(painter, event, match.status, block.track, rect, font)
    if current:
        painter.fillRect(QRectF(rect.left(), rect.top(), rect.width(), 3), CURRENT)
        painter.setPen(QPen(CURRENT, 2))
        painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 3, 3)
    if selected:
        painter.setPen(QPen(SELECTED, 2))
        painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 3, 3)


def _paint_label(painter: QPainter, event: EdlEvent, status: str, track: str, rect: QRectF, font: QFont) -> None:
    lines = block_lines(event, status, track)
    text_rect = rect.adjusted(4, 3, -4, -2)
    bold = QFont(font)
    bold.setBold(True)
    line_h = QFontMetrics(font).height()
    painter.save()
    painter.setClipRect(rect)
    painter.setPen(QColor("#f5f5f5"))
    top = text_rect.top()
    for number, line in enumerate(lines):
        if top + line_h > rect.bottom() + 2 and number > 0:
            break
        use = bold if number == 0 else font
        shown = elided_lines([line], use, text_rect.width())
        if not shown:
            break
        painter.setFont(use)
        painter.drawText(QRectF(text_rect.left(), top, text_rect.width(), line_h),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), shown[0])
        top += line_h
    painter.restore()


def _paint_transition(painter: QPainter, event: EdlEvent, rect: QRectF, px_per_frame: float) -> None:
    """A dissolve or wipe at the head of the incoming event: a rising diagonal over its length."""
    width = min(event.transition_frames * px_per_frame, rect.width())
    head = QRectF(rect.left(), rect.top(), width, rect.height())
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 60))
    painter.drawPolygon(QPolygonF([head.bottomLeft(), head.topRight(), head.bottomRight()]))
    painter.setPen(QPen(QColor(255, 255, 255, 170), 1))
    painter.drawLine(head.bottomLeft(), head.topRight())
    if width > 34:
        small = QFont(painter.font())
        small.setPointSizeF(max(small.pointSizeF() * 0.8, 6))
        painter.setFont(small)
        label = f"{event.transition_code} {event.transition_frames}"
        painter.drawText(head.adjusted(2, 0, -2, -2),
                         int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom), label)
    painter.restore()


def paint_locators(painter: QPainter, events: list[EdlEvent], x_of: Callable[[float], float], ruler_h: int) -> None:
    """LOC markers under the ruler (a LOC timecode is a point in the event's source)."""
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    for event in events:
        for locator in event.locators:
            if not event.source_in <= locator.frame < max(event.source_out, event.source_in + 1):
                continue
            x = x_of(event.record_in + locator.frame - event.source_in + 0.5)
            color = QColor(locator.color.lower()) if QColor.isValidColorName(locator.color.lower()) else QColor("red")
            painter.setBrush(color)
            painter.drawPolygon(QPolygonF([QPointF(x - 4, ruler_h - 7), QPointF(x + 4, ruler_h - 7),
                                           QPointF(x, ruler_h)]))
    painter.restore()
