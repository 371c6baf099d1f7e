"""Icons painted at runtime (no image files to ship or theme): kinds, states, the app mark."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QApplication

_SIZE = 32

KIND_COLORS = {"video": "#3d7dd8", "audio": "#2e9a68", "image": "#c07a1c"}
ERROR_COLOR = "#d03b3b"
MISSING_COLOR = "#8a8a8a"


def _canvas() -> tuple[QPixmap, QPainter]:
    pixmap = QPixmap(_SIZE, _SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    return pixmap, painter


def _film(p: QPainter, color: QColor) -> None:
    p.setBrush(color)
    p.setPen(Qt.PenStyle.NoPen)
    p.drawRoundedRect(QRectF(4, 6, 24, 20), 3, 3)
    p.setBrush(QColor("white"))
    for x in (6.5, 12.5, 18.5, 24.5):
        p.drawRect(QRectF(x - 1.5, 8, 3, 2.5))
        p.drawRect(QRectF(x - 1.5, 21.5, 3, 2.5))
    p.drawPolygon([QPointF(13, 12.5), QPointF(13, 19.5), QPointF(19.5, 16)])


def _note(p: QPainter, color: QColor) -> None:
    p.setPen(QPen(color, 2.6))
    p.drawLine(QPointF(13, 22), QPointF(13, 6))
    p.drawLine(QPointF(24, 19), QPointF(24, 4))
    p.setPen(QPen(color, 4.2))
    p.drawLine(QPointF(13, 6.5), QPointF(24, 4.5))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawEllipse(QPointF(9.5, 23), 4.6, 3.8)
    p.drawEllipse(QPointF(20.5, 20), 4.6, 3.8)


def _picture(p: QPainter, color: QColor) -> None:
    p.setPen(QPen(color, 2.4))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRoundedRect(QRectF(4, 6, 24, 20), 3, 3)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawPolygon([QPointF(6, 24), QPointF(13, 14), QPointF(18, 20), QPointF(21, 17), QPointF(26, 24)])
    p.drawEllipse(QPointF(21, 11.5), 2.4, 2.4)


def _file(p: QPainter, color: QColor) -> None:
    path = QPainterPath()
    path.moveTo(8, 4)
    path.lineTo(19, 4)
    path.lineTo(25, 10)
    path.lineTo(25, 28)
    path.lineTo(8, 28)
    path.closeSubpath()
    p.setPen(QPen(color, 2))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(path)


def _badge(p: QPainter, color: QColor, glyph: str) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawEllipse(QRectF(3, 3, 26, 26))
    font = QFont(QApplication.font())
    font.setBold(True)
    font.setPixelSize(19)
    p.setFont(font)
    p.setPen(QColor("white"))
    p.drawText(QRectF(3, 3, 26, 26), Qt.AlignmentFlag.AlignCenter, glyph)


@cache
def kind_icon(kind: str) -> QIcon:
    """Film strip, note or picture in the kind's colour."""
    pixmap, painter = _canvas()
    color = QColor(KIND_COLORS.get(kind, MISSING_COLOR))
    {"video": _film, "audio": _note, "image": _picture}.get(kind, _file)(painter, color)
    painter.end()
    return QIcon(pixmap)


@cache
def status_icon(status: str) -> QIcon:
    """A grey '?' for missing files, a red '!' for files that could not be read."""
    pixmap, painter = _canvas()
    if status == "missing":
        _badge(painter, QColor(MISSING_COLOR), "?")
    else:
        _badge(painter, QColor(ERROR_COLOR), "!")
    painter.end()
    return QIcon(pixmap)


@cache
def app_icon() -> QIcon:
    """A film reel: the window and About icon."""
    icon = QIcon()
    for size in (16, 32, 64, 128):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.scale(size / 64, size / 64)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#2b5fab"))
        p.drawEllipse(QRectF(2, 2, 60, 60))
        p.setBrush(QColor("#e8eef8"))
        for cx, cy in ((32, 15), (47, 24), (47, 40), (32, 49), (17, 40), (17, 24)):
            p.drawEllipse(QPointF(cx, cy), 7, 7)
        p.drawEllipse(QPointF(32, 32), 3.5, 3.5)
        p.end()
        icon.addPixmap(pixmap)
    return icon


@cache
def search_icon() -> QIcon:
    """A magnifier for search fields, in the palette's placeholder colour."""
    pixmap, p = _canvas()
    color = QApplication.palette().placeholderText().color()
    p.setPen(QPen(color, 3.2))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(QPointF(13.5, 13.5), 8, 8)
    p.drawLine(QPointF(19.5, 19.5), QPointF(27, 27))
    p.end()
    return QIcon(pixmap)


@cache
def tag_icon() -> QIcon:
    """A luggage-label tag."""
    pixmap, p = _canvas()
    path = QPainterPath()
    path.moveTo(4, 6)
    path.lineTo(16, 6)
    path.lineTo(28, 18)
    path.lineTo(18, 28)
    path.lineTo(4, 14)
    path.closeSubpath()
    hole = QPainterPath()
    hole.addEllipse(QPointF(10, 12), 2.6, 2.6)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#7a68c9"))
    p.drawPath(path.subtracted(hole))
    p.end()
    return QIcon(pixmap)
