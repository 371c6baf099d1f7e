"""Clickable stars and heart in the library table, painted as shapes so every font and theme shows them."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPalette, QPolygonF
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.ui.library.table_model import ROW_ROLE

STAR_COLOR = QColor("#e6a117")
HEART_COLOR = QColor("#e0405a")
_GAP = 2.0


def star_polygon(center: QPointF, radius: float) -> QPolygonF:
    """A five-pointed star with its top point up."""
    points = []
    for k in range(10):
        r = radius if k % 2 == 0 else radius * 0.45
        angle = -math.pi / 2 + k * math.pi / 5
        points.append(QPointF(center.x() + r * math.cos(angle), center.y() + r * math.sin(angle)))
    return QPolygonF(points)


def heart_path(rect: QRectF) -> QPainterPath:
    """A heart filling rect."""
    x, y, w, h = rect.x(), rect.y(), rect.width(), rect.height()
    path = QPainterPath()
    path.moveTo(x + w / 2, y + h)
    path.cubicTo(x - w * 0.05, y + h * 0.55, x + w * 0.05, y - h * 0.05, x + w / 2, y + h * 0.28)
    path.cubicTo(x + w * 0.95, y - h * 0.05, x + w * 1.05, y + h * 0.55, x + w / 2, y + h)
    return path


def _plain_left_release(event: QEvent) -> bool:
    """A left click ending without modifiers (Ctrl/Shift clicks keep selecting rows)."""
    return (event.type() == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton and not event.modifiers())


def _muted(option: QStyleOptionViewItem, alpha: int) -> QColor:
    selected = bool(option.state & QStyle.StateFlag.State_Selected)
    role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
    color = QColor(option.palette.color(role))
    color.setAlpha(alpha)
    return color


class _GlyphDelegate(QStyledItemDelegate):
    """Draws the cell background the platform way, then shapes instead of the text."""

    def _background(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)


class ElideRightDelegate(QStyledItemDelegate):
    """Text cut at the end (the view elides in the middle, which suits file names)."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideRight


class RatingDelegate(_GlyphDelegate):
    """Five stars; a click on star k rates k (clicking the current rating clears it)."""

    rating_clicked = Signal(QModelIndex, int)

    @staticmethod
    def _geometry(rect: QRectF) -> tuple[float, float]:
        size = min(rect.height() - 6, 14.0)
        left = rect.center().x() - (5 * size + 4 * _GAP) / 2
        return size, left

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        self._background(painter, option, index)
        row = index.data(ROW_ROLE)
        if row is None:
            return
        rating = row["rating"] or 0
        hover = bool(option.state & QStyle.StateFlag.State_MouseOver)
        size, left = self._geometry(QRectF(option.rect))
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        cy = QRectF(option.rect).center().y()
        for k in range(5):
            center = QPointF(left + k * (size + _GAP) + size / 2, cy)
            painter.setBrush(STAR_COLOR if k < rating else _muted(option, 70 if hover else 28))
            painter.drawPolygon(star_polygon(center, size / 2))
        painter.restore()

    def star_at(self, rect: QRectF, x: float) -> int | None:
        """Which star (1–5) lies under x, or None."""
        size, left = self._geometry(rect)
        k = int((x - left + _GAP / 2) // (size + _GAP)) + 1
        return k if 1 <= k <= 5 and left - _GAP <= x <= left + 5 * (size + _GAP) else None

    def editorEvent(self, event: QEvent, model: Any, option: QStyleOptionViewItem,
                    index: QModelIndex | QPersistentModelIndex) -> bool:
        if _plain_left_release(event):
            star = self.star_at(QRectF(option.rect), event.position().x())
            if star is not None:
                row = index.data(ROW_ROLE) or {}
                self.rating_clicked.emit(QModelIndex(index), 0 if row.get("rating") == star else star)
                return True
        return super().editorEvent(event, model, option, index)


class FavouriteDelegate(_GlyphDelegate):
    """A red heart on favourites, a faint outline where the mouse is; a click toggles."""

    favourite_clicked = Signal(QModelIndex)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        self._background(painter, option, index)
        row = index.data(ROW_ROLE)
        if row is None:
            return
        hover = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if not row["favourite"] and not hover:
            return
        size = min(option.rect.height() - 8, 13)
        rect = QRectF(0, 0, size, size * 0.9)
        rect.moveCenter(QRectF(option.rect).center())
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if row["favourite"]:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(HEART_COLOR)
        else:
            painter.setPen(_muted(option, 110))
            painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(heart_path(rect))
        painter.restore()

    def editorEvent(self, event: QEvent, model: Any, option: QStyleOptionViewItem,
                    index: QModelIndex | QPersistentModelIndex) -> bool:
        if _plain_left_release(event):
            self.favourite_clicked.emit(QModelIndex(index))
            return True
        return super().editorEvent(event, model, option, index)
