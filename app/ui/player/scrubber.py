"""Scrubber: a painted timeline under the video — filmstrip, timecode ruler, playhead, in/out, markers.

Dragging seeks to keyframes while the mouse moves (cheap for the decoder, smooth for the GUI) and
exactly on release; hovering shows the sprite tile and timecode of the position under the cursor.
"""

from __future__ import annotations

from fractions import Fraction

from PySide6.QtCore import QPoint, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPixmap, QPolygon, QWheelEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.core.timecode import from_frames
from app.ui.widgets.ruler import tick_steps

RULER_HEIGHT = 18


class HoverPreview(QWidget):
    """A small floating window with the sprite tile and timecode under the cursor."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.ToolTip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(1)
        self.image = QLabel(self)
        self.text = QLabel(self)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.image)
        layout.addWidget(self.text)

    def show_at(self, global_pos: QPoint, tile: QPixmap | None, text: str) -> None:
        self.image.setVisible(tile is not None)
        if tile is not None:
            self.image.setPixmap(tile)
        self.text.setText(text)
        self.adjustSize()
        self.move(global_pos - QPoint(self.width() // 2, self.height() + 8))
        self.show()


class Scrubber(QWidget):
    scrub_requested = Signal(int, bool)  # frame, exact
    hovered = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.frame_count = 1
        self.rate = Fraction(25)
        self.start_frame = 0
        self.drop_frame = False
        self.frame = 0
        self.in_frame: int | None = None
        self.out_frame: int | None = None
        self.markers: list[tuple[int, str]] = []
        self.sheet: QPixmap | None = None
        self.sprite: dict | None = None
        self.view_start = 0.0  # first visible frame (fractional while zoomed)
        self.zoom = 1.0  # 1 = whole clip visible
        self.dragging = False
        self.hover_frame: int | None = None
        self.preview = HoverPreview(self)
        self.setMouseTracking(True)
        self.setMinimumHeight(RULER_HEIGHT + 40)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(RULER_HEIGHT + 56)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setToolTip("")

    # ---- state from the player
    def set_clip(self, frame_count: int, rate: Fraction, start_frame: int, drop_frame: bool) -> None:
        self.frame_count, self.rate, self.start_frame, self.drop_frame = max(frame_count, 1), rate, start_frame, drop_frame
        self.zoom, self.view_start = 1.0, 0.0
        self.sheet, self.sprite = None, None
        self.update()

    def set_sprite(self, sheet: QPixmap | None, info: dict | None) -> None:
        self.sheet, self.sprite = (sheet, info) if sheet is not None and not sheet.isNull() and info else (None, None)
        self.update()

    def set_frame(self, frame: int) -> None:
        self.frame = frame
        if self.zoom > 1 and not self.dragging:
            left, right = self.view_start, self.view_start + self.visible_frames()
            if not left <= frame < right:  # keep the playhead in view while playing zoomed in
                self._set_view_start(frame - self.visible_frames() * 0.1)
        self.update()

    def set_marks(self, in_frame: int | None, out_frame: int | None) -> None:
        self.in_frame, self.out_frame = in_frame, out_frame
        self.update()

    def set_markers(self, markers: list[tuple[int, str]]) -> None:
        self.markers = markers
        self.update()

    # ---- geometry
    def visible_frames(self) -> float:
        return max(self.frame_count / self.zoom, 1.0)

    def frame_at(self, x: float) -> int:
        frame = int(self.view_start + x / max(self.width(), 1) * self.visible_frames())
        return max(0, min(frame, self.frame_count - 1))

    def x_of(self, frame: float) -> float:
        return (frame - self.view_start) / self.visible_frames() * self.width()

    def _set_view_start(self, start: float) -> None:
        self.view_start = max(0.0, min(start, self.frame_count - self.visible_frames()))
        self.update()

    def set_zoom(self, zoom: float, anchor_x: float | None = None) -> None:
        anchor_x = self.width() / 2 if anchor_x is None else anchor_x
        anchor_frame = self.view_start + anchor_x / max(self.width(), 1) * self.visible_frames()
        max_zoom = max(1.0, self.frame_count / max(self.width() / 12, 1))  # at most ~12 px per frame
        self.zoom = max(1.0, min(zoom, max_zoom))
        self._set_view_start(anchor_frame - anchor_x / max(self.width(), 1) * self.visible_frames())

    # ---- tiles
    def tile_for(self, frame: int) -> QPixmap | None:
        if self.sheet is None or self.sprite is None:
            return None
        interval = max(int(self.sprite.get("interval_frames") or 1), 1)
        index = min(frame // interval, int(self.sprite["count"]) - 1)
        columns = int(self.sprite["columns"])
        width, height = int(self.sprite["tile_width"]), int(self.sprite["tile_height"])
        return self.sheet.copy(QRect((index % columns) * width, (index // columns) * height, width, height))

    # ---- painting
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#1e1e1e"))
        strip = QRect(0, RULER_HEIGHT, self.width(), self.height() - RULER_HEIGHT)
        self._paint_filmstrip(painter, strip)
        self._paint_ruler(painter)
        if self.in_frame is not None or self.out_frame is not None:
            left = self.x_of(self.in_frame or 0)
            right = self.x_of(self.out_frame if self.out_frame is not None else self.frame_count)
            painter.fillRect(QRectF(left, 0, right - left, self.height()), QColor(66, 165, 245, 60))
            painter.setPen(QColor("#42a5f5"))
            painter.drawLine(round(left), 0, round(left), self.height())
            painter.drawLine(round(right), 0, round(right), self.height())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#ffca28"))
        for frame, _name in self.markers:
            x = round(self.x_of(frame + 0.5))
            painter.drawPolygon(QPolygon([QPoint(x - 5, RULER_HEIGHT), QPoint(x + 5, RULER_HEIGHT),
                                          QPoint(x, RULER_HEIGHT + 8)]))
        x = round(self.x_of(self.frame + 0.5))
        painter.setPen(QColor("#ff5252"))
        painter.drawLine(x, 0, x, self.height())
        painter.end()

    def _paint_filmstrip(self, painter: QPainter, strip: QRect) -> None:
        if self.sheet is None or self.sprite is None:
            painter.fillRect(strip, QColor("#2a2a2a"))
            return
        tile_w = max(int(strip.height() * self.sprite["tile_width"] / max(self.sprite["tile_height"], 1)), 8)
        for left in range(0, self.width(), tile_w):
            tile = self.tile_for(self.frame_at(left + tile_w / 2))
            if tile is not None:
                painter.drawPixmap(QRect(left, strip.top(), tile_w, strip.height()), tile)

    def _paint_ruler(self, painter: QPainter) -> None:
        painter.fillRect(QRect(0, 0, self.width(), RULER_HEIGHT), QColor("#2d2d2d"))
        major, minor = tick_steps(self.width() / max(self.visible_frames(), 1e-9), round(self.rate))
        first = int(self.view_start // minor) * minor
        end = self.view_start + self.visible_frames()
        painter.setPen(QColor("#9e9e9e"))
        frame = first
        while frame <= end:
            x = round(self.x_of(frame))
            if frame % major == 0:
                painter.drawLine(x, RULER_HEIGHT - 9, x, RULER_HEIGHT)
                label = from_frames(self.start_frame + frame, self.rate, self.drop_frame)
                painter.drawText(x + 3, RULER_HEIGHT - 6, label)
            else:
                painter.drawLine(x, RULER_HEIGHT - 4, x, RULER_HEIGHT)
            frame += minor

    # ---- mouse
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton:
            self.dragging = True
            self._scrub(event.position().x(), exact=False)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        frame = self.frame_at(event.position().x())
        if self.dragging:
            self._scrub(event.position().x(), exact=False)
        if frame != self.hover_frame:
            self.hover_frame = frame
            self.hovered.emit(frame)
            text = from_frames(self.start_frame + frame, self.rate, self.drop_frame)
            self.preview.show_at(self.mapToGlobal(QPoint(round(event.position().x()), 0)), self.tile_for(frame),
                                 text)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self.dragging and event.button() == Qt.MouseButton.LeftButton:
            self.dragging = False
            self.scrub_requested.emit(self.frame_at(event.position().x()), True)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.hover_frame = None
        self.preview.hide()

    def _scrub(self, x: float, exact: bool) -> None:
        frame = self.frame_at(x)
        if frame != self.frame or exact:
            self.frame = frame
            self.update()
            self.scrub_requested.emit(frame, exact)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        steps = event.angleDelta().y() / 120
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.set_zoom(self.zoom * (1.25 ** steps), event.position().x())
        elif self.zoom > 1:
            self._set_view_start(self.view_start - steps * self.visible_frames() * 0.1)
        event.accept()
