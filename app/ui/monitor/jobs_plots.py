"""Jobs' throughput: one plot per unit (MB/s, fps, files/s), each from 0, so a 20 fps proxy job is not a flat line
under a 2,000 MB/s checksum on a shared axis."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.ui.monitor.columns import Columns
from app.ui.monitor.plots import LivePlot, color

NO_JOBS = "No jobs running"
UNIT_ORDER = ("MB/s", "fps", "files/s")  # others (a job counting "events") after these, by name
TITLE = "Jobs throughput"


def _unit_key(unit: str) -> tuple[int, str]:
    return (UNIT_ORDER.index(unit) if unit in UNIT_ORDER else len(UNIT_ORDER), unit)


class JobsPlots(QWidget):
    """A stack of LivePlots, one per unit of the jobs in the window; one empty plot saying so when there are none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self._by_unit: dict[str, LivePlot] = {}
        self._empty = LivePlot(TITLE, "per second")
        self._layout.addWidget(self._empty)
        self._palette: QPalette | None = None
        self._empty.set_message(NO_JOBS)

    @property
    def plots(self) -> list[LivePlot]:
        """The plots shown: one per unit, or the empty one."""
        return [self._by_unit[u] for u in sorted(self._by_unit, key=_unit_key)] or [self._empty]

    @property
    def curves(self) -> dict[object, pg.PlotDataItem]:
        """Every job's curve by job id, whichever plot it is on."""
        return {key: curve for plot in self._by_unit.values() for key, curve in plot.curves.items()}

    @property
    def message(self) -> QLabel:
        return self.plots[0].message

    def legend_names(self) -> list[str]:
        return [name for plot in self.plots for name in plot.legend_names()]

    def draw(self, data: Columns) -> None:
        """The jobs of the window, each on its unit's plot."""
        units = {unit for _, unit, _ in data.jobs.values()}
        for unit in [u for u in self._by_unit if u not in units]:
            gone = self._by_unit.pop(unit)
            self._layout.removeWidget(gone)
            gone.deleteLater()
        for unit in sorted(units - self._by_unit.keys(), key=_unit_key):
            plot = LivePlot(f"{TITLE}, {unit}", unit, min_height=90)
            if self._palette is not None:
                plot.apply_palette(self._palette)
            self._by_unit[unit] = plot
        stacked = self.plots if self._by_unit else []
        for index, plot in enumerate(stacked):
            self._layout.insertWidget(index, plot, 1)  # in unit order, equal heights; a widget in the layout moves
            # one time axis, under the lowest plot: the stack shares it and needs the room
            item = plot.plot.getPlotItem()
            item.showAxis("bottom") if index == len(stacked) - 1 else item.hideAxis("bottom")
        self._empty.setVisible(not self._by_unit)
        # Jobs that ended within the window keep their line; the legend names them while it has room.
        few = len(data.jobs) <= 6
        for job_id, (name, unit, values) in data.jobs.items():
            shown = name if job_id in data.running else f"{name}, ended" if few else None
            curve = self._by_unit[unit].set_curve(job_id, shown, data.x, data.y(values), color(job_id))
            # A job that ran for a sample or two is a point, and a line of one point draws nothing: dot it.
            short = np.count_nonzero(~np.isnan(values)) < 3
            curve.setSymbol("o" if short else None)
            if short:
                curve.setSymbolSize(6)
                curve.setSymbolBrush(color(job_id))
                curve.setSymbolPen(None)
        for unit, plot in self._by_unit.items():
            plot.keep_only({job_id for job_id, (_, u, _) in data.jobs.items() if u == unit})
        for index, plot in enumerate(self.plots):
            plot.set_message(NO_JOBS if index == 0 and not data.running else "")

    def show_range(self, start: float, end: float) -> None:
        for plot in self.plots:
            plot.show_range(start, end)

    def fit_y(self, top: float | None = None) -> None:
        for plot in self.plots:
            plot.fit_y(top)

    def apply_palette(self, palette: QPalette) -> None:
        self._palette = palette
        for plot in [self._empty, *self._by_unit.values()]:
            plot.apply_palette(palette)
