"""A row of widget groups that stacks them when it is narrower than all of them side by side."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QWidget


class WrapRow(QWidget):
    """Parts side by side when they fit, else one under the other (the first keeps the stretch).

    Its minimum width is that of the widest part, so that a panel holding it can shrink to a small
    screen and let it wrap. Parts may be WrapRows themselves: they wrap first when they are the last part.
    """

    def __init__(self, parts: Sequence[QWidget], parent: QWidget | None = None, spacing: int = 6,
                 margins: tuple[int, int, int, int] = (0, 0, 0, 0), stretch_first: bool = True) -> None:
        super().__init__(parent)
        self.parts = list(parts)
        self.rows = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.rows.setContentsMargins(*margins)
        self.rows.setSpacing(spacing)
        for number, part in enumerate(self.parts):
            part.setParent(self)
            self.rows.addWidget(part, 1 if number == 0 and stretch_first else 0)

    @property
    def wrapped(self) -> bool:
        """The parts are stacked."""
        return self.rows.direction() == QBoxLayout.Direction.TopToBottom

    def one_row_width(self) -> int:
        """The width the parts need side by side (nested rows unwrapped too)."""
        margins = self.rows.contentsMargins()
        widths = [p.one_row_width() if isinstance(p, WrapRow) else p.minimumSizeHint().width()
                  for p in self.parts if not p.isHidden()]
        return sum(widths) + self.rows.spacing() * max(len(widths) - 1, 0) + margins.left() + margins.right()

    def minimumSizeHint(self) -> QSize:
        margins = self.rows.contentsMargins()
        width = max((p.minimumSizeHint().width() for p in self.parts if not p.isHidden()), default=0)
        return QSize(width + margins.left() + margins.right(), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._arrange(event.size().width())
        super().resizeEvent(event)

    def _arrange(self, width: int) -> None:
        wrap = width < self.one_row_width()
        if wrap == self.wrapped:
            return
        self.rows.setDirection(QBoxLayout.Direction.TopToBottom if wrap else QBoxLayout.Direction.LeftToRight)
        for part in self.parts[1:]:
            self.rows.setAlignment(part, Qt.AlignmentFlag.AlignLeft if wrap else Qt.AlignmentFlag(0))
        self.updateGeometry()  # a row more or less: the parent lays out its height again
