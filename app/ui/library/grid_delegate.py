"""GridDelegate: one library tile — poster (or hover preview, or a placeholder), title, details, stars."""

from __future__ import annotations

from functools import cache
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from app.ui.library import format as fmt
from app.ui.library.cells import foreground
from app.ui.library.delegates import HEART_COLOR, STAR_COLOR, heart_path, star_polygon
from app.ui.library.posters import PosterCache
from app.ui.library.preview_player import HoverPreview
from app.ui.library.table_model import MEDIA_ID_ROLE, ROW_ROLE
from app.ui.widgets.icons import kind_icon, status_icon

POSTER = QSize(240, 135)  # 16:9; hover previews are 240 px wide, so they play unscaled
MARGIN = 5  # around each card: cards sit 2 × MARGIN apart
INSET = 3  # card edge to poster
SCREEN = QColor("#1d2024")  # the poster box: dark in light and dark themes alike, like a screen


def short_duration(seconds: float | None) -> str:
    """1:05 or 1:02:03, as on a thumbnail."""
    if not seconds:
        return ""
    total = max(1, round(seconds))
    hours, rest = divmod(total, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def details_text(row: dict[str, Any]) -> str:
    """The line under the title: what kind of file this is, briefly."""
    if row["status"] == "missing":
        return "Missing"
    if row["status"] == "error":
        return "Cannot read this file"
    if row["status"] == "pending":
        return "Reading…"
    if row["kind"] == "audio":
        return row["artist"] or row["album"] or fmt.codec_text(row["audio_codec"])
    size = fmt.resolution_text(row["width"], row["height"])
    if row["kind"] == "video":
        rate = fmt.rate_text(row["fps_num"], row["fps_den"])
        return " · ".join(part for part in (size, f"{rate} fps" if rate else "") if part)
    return size


@cache
def _placeholder(kind: str, size: QSize) -> QPixmap:
    """A quiet gradient with the kind's glyph: what a tile shows until its poster exists."""
    pixmap = QPixmap(size)
    painter = QPainter(pixmap)
    gradient = QLinearGradient(0, 0, 0, size.height())
    gradient.setColorAt(0, QColor("#2c3036"))
    gradient.setColorAt(1, QColor("#212428"))
    painter.fillRect(pixmap.rect(), gradient)
    painter.setOpacity(0.55)
    glyph = kind_icon(kind).pixmap(48, 48)
    painter.drawPixmap((size.width() - 48) // 2, (size.height() - 48) // 2, glyph)
    painter.end()
    return pixmap


class GridDelegate(QStyledItemDelegate):
    """Paints tiles of a fixed size; posters and preview frames come from the caches, never from disk."""

    def __init__(self, posters: PosterCache, preview: HoverPreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.posters = posters
        self.preview = preview
        self.title_font = QFont(parent.font() if parent else QFont())
        self.title_font.setWeight(QFont.Weight.DemiBold)
        self.small_font = QFont(parent.font() if parent else QFont())
        self.small_font.setPointSizeF(self.small_font.pointSizeF() * 0.88)
        self.title_height = QFontMetrics(self.title_font).height()
        self.small_height = QFontMetrics(self.small_font).height()
        self.tile = QSize(POSTER.width() + 2 * (MARGIN + INSET),
                          2 * MARGIN + INSET + POSTER.height() + 6 + self.title_height + 2 + self.small_height + 7)
        self.cell = QSize(self.tile)  # the view widens cells to share a row's spare width; cards stay centred

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return self.cell

    @staticmethod
    def card_rect(rect: QRect) -> QRect:
        width = POSTER.width() + 2 * INSET
        return QRect(rect.x() + (rect.width() - width) // 2, rect.y() + MARGIN, width, rect.height() - 2 * MARGIN)

    @classmethod
    def poster_rect(cls, rect: QRect) -> QRect:
        """Where the poster box of the tile in rect is."""
        card = cls.card_rect(rect)
        return QRect(card.x() + INSET, card.y() + INSET, POSTER.width(), POSTER.height())

    @staticmethod
    def image_rect(box: QRect, size: QSize) -> QRect:
        """A picture of size centred in box (pictures arrive fitted to the box already)."""
        return QRect(box.x() + (box.width() - size.width()) // 2, box.y() + (box.height() - size.height()) // 2,
                     size.width(), size.height())

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if row is None:
            return
        media_id = int(index.data(MEDIA_ID_ROLE))
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._card(painter, option)
        box = self.poster_rect(option.rect)
        screen = QPainterPath()
        screen.addRoundedRect(QRectF(box), 5, 5)
        painter.setClipPath(screen)
        self._picture(painter, box, media_id, row)
        self._badges(painter, box, row)
        painter.setClipping(False)
        self._text(painter, option, box, row)
        painter.restore()

    def _card(self, painter: QPainter, option: QStyleOptionViewItem) -> None:
        card = QRectF(self.card_rect(option.rect))
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        fill = QColor(palette.color(QPalette.ColorRole.Text))
        fill.setAlpha(22 if hovered else 10)
        if selected:
            fill = QColor(palette.color(QPalette.ColorRole.Highlight))
            fill.setAlpha(70)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(card, 7, 7)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        if selected or focused:
            pen = QColor(palette.color(QPalette.ColorRole.Highlight))
            painter.setPen(pen if selected else QColor(pen.red(), pen.green(), pen.blue(), 140))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(card.adjusted(1, 1, -1, -1), 6, 6)

    def _picture(self, painter: QPainter, box: QRect, media_id: int, row: dict[str, Any]) -> None:
        painter.fillRect(box, SCREEN)
        frame: QImage | None = self.preview.image(media_id)
        if frame is not None:
            painter.drawImage(self.image_rect(box, frame.size()), frame)
            bar = QRect(box.x(), box.bottom() - 2, round(box.width() * self.preview.progress()), 3)
            painter.fillRect(bar, QColor("#e6a117"))
            return
        poster = self.posters.pixmap(media_id)
        if poster is None:
            painter.drawPixmap(box.topLeft(), _placeholder(row["kind"], box.size()))
            return
        painter.drawPixmap(self.image_rect(box, poster.size()), poster)
        if row["status"] in ("missing", "error"):
            painter.fillRect(box, QColor(18, 20, 24, 165))  # dimmed: this file cannot be played now

    def _badges(self, painter: QPainter, box: QRect, row: dict[str, Any]) -> None:
        painter.setFont(self.small_font)
        duration = short_duration(row["duration"]) if row["kind"] in ("video", "audio") else ""
        if duration and row["status"] == "ok":
            metrics = QFontMetrics(self.small_font)
            width = metrics.horizontalAdvance(duration) + 10
            badge = QRectF(box.right() - width - 5, box.bottom() - self.small_height - 6, width, self.small_height + 2)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(0, 0, 0, 175))
            painter.drawRoundedRect(badge, 4, 4)
            painter.setPen(QColor("#f2f2f2"))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, duration)
        if row["status"] in ("missing", "error"):
            painter.drawPixmap(box.right() - 29, box.y() + 6, status_icon(row["status"]).pixmap(24, 24))
        if row["favourite"]:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(0, 0, 0, 150))
            painter.drawEllipse(QRectF(box.x() + 6, box.y() + 6, 24, 24))
            painter.setBrush(HEART_COLOR)
            painter.drawPath(heart_path(QRectF(box.x() + 11, box.y() + 12.5, 14, 12.5)))

    def _text(self, painter: QPainter, option: QStyleOptionViewItem, box: QRect, row: dict[str, Any]) -> None:
        palette = option.palette
        text_color = foreground(row["status"]) or palette.color(QPalette.ColorRole.Text)
        left, width = box.x() + 1, box.width() - 2
        top = box.bottom() + 7
        painter.setFont(self.title_font)
        painter.setPen(text_color)
        title = QFontMetrics(self.title_font).elidedText(row["title"] or row["name"], Qt.TextElideMode.ElideRight,
                                                         width)
        painter.drawText(QRect(left, top, width, self.title_height), Qt.AlignmentFlag.AlignLeft, title)
        top += self.title_height + 2
        star = 10.0
        stars_width = 5 * star + 4 * 2
        muted = QColor(palette.color(QPalette.ColorRole.Text))
        muted.setAlpha(150)
        painter.setFont(self.small_font)
        painter.setPen(muted if row["status"] == "ok" else text_color)
        details = QFontMetrics(self.small_font).elidedText(details_text(row), Qt.TextElideMode.ElideRight,
                                                           int(width - stars_width - 8))
        painter.drawText(QRect(left, top, width, self.small_height), Qt.AlignmentFlag.AlignLeft, details)
        rating = row["rating"] or 0
        cy = top + self.small_height / 2
        painter.setPen(Qt.PenStyle.NoPen)
        empty = QColor(palette.color(QPalette.ColorRole.Text))
        empty.setAlpha(40)
        for k in range(5):
            center = QPointF(left + width - stars_width + k * (star + 2) + star / 2, cy)
            painter.setBrush(STAR_COLOR if k < rating else empty)
            painter.drawPolygon(star_polygon(center, star / 2 + 0.5))
