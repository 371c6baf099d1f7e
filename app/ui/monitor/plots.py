"""One live plot of the Performance panel: a pyqtgraph PlotWidget with a time axis, keyed curves and a legend
that follow the window's palette."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

# Mid-tone hues that keep their contrast on a white and on a near-black background.
COLORS = ("#3b82f6", "#f97316", "#10b981", "#e11d48", "#a855f7", "#ca8a04", "#0891b2", "#db2777", "#65a30d",
          "#64748b")


def color(index: int) -> str:
    return COLORS[index % len(COLORS)]


class LivePlot(QWidget):
    """A titled plot of curves over wall-clock time, with an optional centred message over it."""

    def __init__(self, title: str, unit: str, min_span: float = 1.0, min_height: int = 140,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.plot.setMinimumHeight(min_height)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)  # the window selector moves time; dragging would fight it
        self.plot.hideButtons()
        item = self.plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.25)
        item.setLabel("left", unit)
        item.getAxis("left").enableAutoSIPrefix(False)  # the unit already says MB or GB: no "(x0.001)"
        item.getAxis("left").setWidth(52)  # one width for every plot, so their time axes line up
        self.min_span = min_span
        item.getViewBox().setLimits(yMin=0)
        # A session is up to 14,400 points a curve: draw what is in view, one peak per pixel
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        item.enableAutoRange(axis="y", enable=False)  # fit_y() scales from 0: a rate's axis starts at nothing
        self.legend = item.addLegend(offset=(8, 4), labelTextSize="8pt")
        self.curves: dict[object, pg.PlotDataItem] = {}
        self.message = QLabel(self.plot)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def set_curve(self, key: object, name: str | None, x: np.ndarray, y: np.ndarray, hue: str,
                  width: float = 2.0, dashed: bool = False) -> pg.PlotDataItem:
        """Create or update the curve `key`; name=None keeps it out of the legend."""
        pen = pg.mkPen(hue, width=width, style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
        curve = self.curves.get(key)
        if curve is None or curve.name() != name:
            if curve is not None:
                self.plot.removeItem(curve)
            curve = pg.PlotDataItem(name=name, antialias=True, connect="finite")
            self.plot.addItem(curve)
            self.curves[key] = curve
            self._fit_legend()
        curve.setPen(pen)
        curve.setData(x, y)
        return curve

    def keep_only(self, keys: set[object]) -> None:
        """Remove the curves (and legend rows) whose key is not in keys."""
        for key in [k for k in self.curves if k not in keys]:
            self.plot.removeItem(self.curves.pop(key))
        self._fit_legend()

    def _fit_legend(self) -> None:
        # More than three rows cover a short plot's curves: lay them out in two columns then.
        columns = 2 if len(self.legend.items) > 3 else 1
        if columns != self.legend.columnCount:
            self.legend.setColumnCount(columns)

    def legend_names(self) -> list[str]:
        return [label.text for _, label in self.legend.items]

    def set_message(self, text: str) -> None:
        """A note over the plot ('No jobs running'): centred on an empty plot, in the top right corner over curves
        (jobs that ended within the window); '' hides it."""
        self.message.setText(text)
        self.message.setVisible(bool(text))
        corner = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight
        self.message.setAlignment(corner if self.curves else Qt.AlignmentFlag.AlignCenter)
        self._place_message()

    def _place_message(self) -> None:
        # Inside the title and axis margins, so a corner note sits in the plot area
        self.message.setGeometry(self.plot.rect().adjusted(60, 30, -16, -30))

    def show_range(self, start: float, end: float) -> None:
        self.plot.setXRange(start, end, padding=0)

    def fit_y(self, top: float | None = None) -> None:
        """From 0 to `top`, or to a little above the highest point drawn. At least min_span high: an idle
        network would otherwise scale to 0.00015 MB/s and label its axis in 5e-05 steps."""
        if top is None:
            highest = [np.nanmax(y) for y in (c.getData()[1] for c in self.curves.values())
                       if y is not None and len(y) and not np.isnan(y).all()]
            top = max(max(highest, default=0.0) * 1.1, self.min_span)
        self.plot.setYRange(0, top, padding=0)

    def apply_palette(self, palette: QPalette) -> None:
        """Background, axes, title and legend in the window's colours (light or dark)."""
        base, text = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)
        self.plot.setBackground(base)
        item = self.plot.getPlotItem()
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setPen(text)
            axis.setTextPen(text)
        item.setTitle(self.title, color=text.name(), size="10pt")
        legend_back = QColor(base)
        legend_back.setAlpha(200)
        self.legend.setBrush(legend_back)
        self.legend.setLabelTextColor(text)
        for _, label in self.legend.items:  # LegendItem keeps the colour for new rows; existing ones redraw here
            label.setText(label.text, color=text.name())
        self.message.setStyleSheet(f"color: {text.name()}; font-size: 12pt;")

    def resizeEvent(self, event) -> None:  # noqa: ANN001 - Qt's signature
        super().resizeEvent(event)
        self._place_message()
