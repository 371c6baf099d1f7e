"""VideoView: paints the player's current frame (mpv's software renderer) or a helpful message."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QMouseEvent, QPainter, QPaintEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.services.player import PlayerService


class VideoView(QWidget):
    """Black letterboxed video; for audio the cover and tags; for errors and empty states a message."""

    double_clicked = Signal()

    def __init__(self, player: PlayerService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player = player
        self.cover: QPixmap | None = None
        self.setMinimumSize(160, 90)  # 16:9; small enough for the player dock on a 1280×720 screen
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        player.video_updated.connect(self.update)
        player.clip_changed.connect(self.update)
        player.error_changed.connect(self.update)

    def set_cover(self, pixmap: QPixmap | None) -> None:
        self.cover = pixmap
        self.update()

    def current_image(self) -> QImage | None:
        """The frame as it is painted (device pixels), or None."""
        ratio = self.devicePixelRatioF()
        if self.player.override is not None:
            return self._cached_frame_image(self.player.override[1], ratio)
        pixels = self.player.render(round(self.width() * ratio), round(self.height() * ratio))
        if pixels is None:
            return None
        height, width = pixels.shape[:2]
        data = pixels.tobytes()  # rows packed: width * 4 bytes each, whatever mpv's padded stride was
        image = QImage(data, width, height, width * 4, QImage.Format.Format_RGBX8888)
        image.setDevicePixelRatio(ratio)
        return image.copy()  # own the bytes: the numpy buffer is freed after this call

    def _cached_frame_image(self, rgb, ratio: float) -> QImage:
        """A frame decoded ahead for reverse steps, letterboxed like mpv's own rendering."""
        height, width = rgb.shape[:2]
        data = rgb.tobytes()  # QImage borrows these bytes: keep them alive until scaled() has copied them
        frame = QImage(data, width, height, width * 3, QImage.Format.Format_RGB888)
        canvas = QImage(round(self.width() * ratio), round(self.height() * ratio), QImage.Format.Format_RGB888)
        canvas.fill(QColor("#000"))
        scaled = frame.scaled(canvas.size(), Qt.AspectRatioMode.KeepAspectRatio,
                              Qt.TransformationMode.SmoothTransformation)
        painter = QPainter(canvas)
        painter.drawImage((canvas.width() - scaled.width()) // 2, (canvas.height() - scaled.height()) // 2, scaled)
        painter.end()
        canvas.setDevicePixelRatio(ratio)
        return canvas

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#000"))
        clip = self.player.clip
        if self.player.error:
            self._message(painter, self.player.error, "#ff8a80")
        elif clip is None:
            reason = self.player.unavailable_reason()
            self._message(painter, reason or "Double-click a file in the library (or press Enter) to play it.",
                          "#ff8a80" if reason else "#9e9e9e")
        elif clip.kind == "audio":
            self._audio(painter)
        else:
            image = self.current_image()
            if image is not None:
                painter.drawImage(0, 0, image)
        painter.end()

    def _message(self, painter: QPainter, text: str, color: str) -> None:
        painter.setPen(QColor(color))
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.2)
        painter.setFont(font)
        painter.drawText(self.rect().adjusted(24, 24, -24, -24),
                         Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)

    def _audio(self, painter: QPainter) -> None:
        clip = self.player.clip
        side = min(self.width(), self.height()) * 0.6
        box = QRect(int((self.width() - side) / 2), int(self.height() * 0.08), int(side), int(side))
        if self.cover is not None and not self.cover.isNull():
            painter.drawPixmap(box, self.cover.scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                                      Qt.TransformationMode.SmoothTransformation))
        else:
            painter.fillRect(box, QColor("#263238"))
            painter.setPen(QColor("#90a4ae"))
            font = QFont(self.font())
            font.setPointSizeF(side / 4)
            painter.setFont(font)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "♪")
        lines = [clip.title or clip.name, " — ".join(x for x in (clip.artist, clip.album) if x)]
        painter.setPen(QColor("#eceff1"))
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        painter.setFont(font)
        text_box = QRect(0, box.bottom() + 12, self.width(), self.height() - box.bottom() - 12)
        painter.drawText(text_box, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                         "\n".join(line for line in lines if line))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        ratio = self.devicePixelRatioF()
        # the player picks a proxy that covers this many device pixels (auto source mode)
        self.player.set_display_size(round(self.width() * ratio), round(self.height() * ratio))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self.double_clicked.emit()
