"""A one-line label that shortens its text with '…' instead of holding its parent wider."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """Asks for its text's width but accepts `min_chars` characters; when cut, its tooltip is the whole text."""

    clicked = Signal()

    def __init__(self, text: str = "", parent: QWidget | None = None, min_chars: int = 6,
                 elide: Qt.TextElideMode = Qt.TextElideMode.ElideRight) -> None:
        super().__init__(text, parent)
        self.min_chars = min_chars
        self.elide = elide
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def minimumSizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        width = min(metrics.horizontalAdvance("M" * self.min_chars), metrics.horizontalAdvance(self.text()))
        return QSize(width, super().minimumSizeHint().height())

    def elided_text(self) -> str:
        """The text as it fits the label's width now."""
        return self.fontMetrics().elidedText(self.text(), self.elide, self.contentsRect().width())

    def paintEvent(self, event: QPaintEvent) -> None:
        shown = self.elided_text()
        self.setToolTip(self.text() if shown != self.text() else "")
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), int(self.alignment()), shown)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)
