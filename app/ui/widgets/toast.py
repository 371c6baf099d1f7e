"""A non-modal notification in the window's corner: errors are reported without stopping anyone."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsDropShadowEffect,
    QHBoxLayout,
    QLabel,
    QStyle,
    QToolButton,
    QWidget,
)

SHOW_MS = 8000
WIDTH = 440
_MARGIN = 16


class Toast(QFrame):
    """Sits over the bottom-right of its parent; hides itself after a while or on ✕."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("toast")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setStyleSheet("#toast { border: 1px solid palette(mid); border-left: 4px solid #d03b3b;"
                           " border-radius: 4px; background: palette(window); }")
        shadow = QGraphicsDropShadowEffect(self)
        shadow.setBlurRadius(18)
        shadow.setOffset(0, 3)
        shadow.setColor(QColor(0, 0, 0, 90))
        self.setGraphicsEffect(shadow)
        icon = QLabel(self)
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(24, 24))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton(self)
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 6, 8)
        layout.addWidget(icon)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self._count = 0
        parent.installEventFilter(self)
        self.hide()

    def notify(self, message: str) -> None:
        """Show message; while one is up, the newest replaces it and the count says how many came."""
        self._count = self._count + 1 if self.isVisible() else 1
        more = f"\n({self._count - 1} more problem{'s' if self._count > 2 else ''} since)" if self._count > 1 else ""
        self.label.setText(message + more)
        self._place()
        self.show()
        self.raise_()
        self._timer.start(SHOW_MS)

    def message(self) -> str:
        """The text shown now."""
        return self.label.text()

    def _place(self) -> None:
        parent = self.parentWidget()
        width = max(200, min(WIDTH, parent.width() - 2 * _MARGIN))
        layout = self.layout()
        height = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else layout.sizeHint().height()
        self.setFixedSize(width, max(height, layout.minimumSize().height()))
        bottom = parent.height() - _MARGIN
        status = getattr(parent, "statusBar", None)
        if callable(status) and status().isVisible():
            bottom -= status().height()
        self.move(parent.width() - self.width() - _MARGIN, bottom - self.height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return super().eventFilter(watched, event)
