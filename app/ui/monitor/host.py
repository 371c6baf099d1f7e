"""What the Performance dock holds: the panel, built the first time the dock is shown.

pyqtgraph and numpy take ~0.2 s to import; the dock is closed by default, so a start that never opens it
does not pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDockWidget, QVBoxLayout, QWidget

from app.services.monitor import MonitorService

if TYPE_CHECKING:
    from app.ui.monitor.panel import PerformancePanel


class PerformancePanelHost(QWidget):
    """Holds a PerformancePanel, made on first show."""

    def __init__(self, monitor: MonitorService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.monitor = monitor
        self.panel: PerformancePanel | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def ensure_panel(self) -> PerformancePanel:
        """The panel, made now if it was not yet."""
        if self.panel is None:
            from app.ui.monitor.panel import PerformancePanel

            self.panel = PerformancePanel(self.monitor, self)
            self._layout.addWidget(self.panel)
        return self.panel

    def sizeHint(self) -> QSize:
        return QSize(1000, 660)  # the floating dock's first size: six plots, two abreast

    def showEvent(self, event: QShowEvent) -> None:
        dock = self.parentWidget()
        if self.panel is None and isinstance(dock, QDockWidget) and dock.isFloating():
            dock.resize(self.sizeHint())  # a floating dock opens at its minimum size otherwise
        self.ensure_panel()
        super().showEvent(event)
