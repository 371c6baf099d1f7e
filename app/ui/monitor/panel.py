"""PerformancePanel (View → Performance): jobs' throughput, lane queues, CPU, memory, disks and network."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QEvent
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.media.partial import DestinationError, PartialFile, destination_error
from app.monitor.sampler import Sample
from app.services.monitor import MonitorService
from app.ui.monitor.columns import Columns
from app.ui.monitor.jobs_plots import JobsPlots
from app.ui.monitor.plots import LivePlot, color

WINDOWS = (("Last minute", 60.0), ("Last 10 minutes", 600.0), ("Session", None))


class PerformancePanel(QWidget):
    """Live plots of the monitor's session history; samples only while shown (or while recording is on)."""

    def __init__(self, monitor: MonitorService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.monitor = monitor
        self._watching = False
        self._drawn_at = 0.0  # monotonic time of the last redraw
        self._redraw_every = 0.0  # seconds of the window one pixel wide: no sooner is there anything new to draw
        self._note = ("", 0.0)  # what an export said, and until when (monotonic) it stays in the summary
        self.window_choice = QComboBox(self)
        for text, seconds in WINDOWS:
            self.window_choice.addItem(text, seconds)
        self.window_choice.setToolTip("How much of the session the plots show")
        self.window_choice.currentIndexChanged.connect(self.redraw)
        self.record = QCheckBox("Record while hidden", self)
        self.record.setToolTip("Keep sampling once a second with this panel closed, so the history has no gaps")
        self.record.setChecked(monitor.recording)
        self.record.toggled.connect(monitor.set_recording)
        self.export_button = QPushButton("Export CSV…", self)
        self.export_button.setToolTip("Save every sample of this session as CSV, one row per second")
        self.export_button.clicked.connect(self.export_dialog)
        self.summary = QLabel(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show:", self))
        bar.addWidget(self.window_choice)
        bar.addSpacing(12)
        bar.addWidget(self.record)
        bar.addStretch(1)
        bar.addWidget(self.summary)
        bar.addWidget(self.export_button)

        self.jobs_plot = JobsPlots()
        self.lanes_plot = LivePlot("Jobs waiting per lane", "jobs", min_span=2)
        self.cpu_plot = LivePlot("CPU per core", "%")
        self.memory_plot = LivePlot("Memory", "GB")
        self.disk_plot = LivePlot("Disks (solid read, dashed write)", "MB/s")
        self.network_plot = LivePlot("Network (every interface but loopback)", "MB/s")
        grid = QGridLayout()
        for index, plot in enumerate((self.jobs_plot, self.lanes_plot, self.cpu_plot, self.memory_plot,
                                      self.disk_plot, self.network_plot)):
            grid.addWidget(plot, index // 2, index % 2)
        for row in range(3):
            grid.setRowStretch(row, 1)  # the jobs' stacked plots take no more than their share
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(grid, 1)
        self._apply_palette()
        monitor.sample_added.connect(self._on_sample)
        monitor.recording_changed.connect(self.record.setChecked)

    @property
    def plots(self) -> tuple[LivePlot | JobsPlots, ...]:
        return (self.jobs_plot, self.lanes_plot, self.cpu_plot, self.memory_plot, self.disk_plot, self.network_plot)

    def window_seconds(self) -> float | None:
        return self.window_choice.currentData()

    def redraw(self) -> None:
        """Draw the samples of the chosen time window."""
        seconds = self.window_seconds()
        now = time.time()
        history = self.monitor.history
        samples = history.since(now - seconds) if seconds is not None else list(history)
        interval = self.monitor.interval_seconds
        start = now - seconds if seconds is not None else (samples[0].time if samples else now - 60)
        data = Columns(samples, interval)
        self.jobs_plot.draw(data)
        self._draw_lanes(data)
        self._draw_cpu(data)
        self._draw_memory(data)
        self._draw_disks(data)
        self._draw_network(data)
        for plot in self.plots:
            plot.show_range(start, max(now, start + 1))
            plot.fit_y(102.0 if plot is self.cpu_plot else None)  # 100 % and its tick label in view
        self._drawn_at = time.monotonic()
        self._redraw_every = (now - start) / max(self.cpu_plot.plot.width(), 100)
        note, until = self._note
        self.summary.setText(note if time.monotonic() < until else f"{len(history):,} samples this session")

    def export_csv(self, path: str) -> int:
        """Write the session's history to path (replacing it: the save dialog asked); returns the number of rows.
        Written under a partial name and renamed when whole, as every output of the app; DestinationError says
        why it cannot be written."""
        with PartialFile(Path(path), overwrite=True) as part:
            try:
                with open(part.path, "w", newline="", encoding="utf-8") as stream:
                    rows = self.monitor.history.write_csv(stream)
            except OSError as exc:
                raise destination_error(part.dest, exc) from exc
            part.commit()
        return rows

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export Performance History", "reelkeep-performance.csv",
                                              "CSV files (*.csv)")
        if not path:
            return
        try:
            rows = self.export_csv(path)
        except DestinationError as exc:  # a read-only folder, a full disk: said where the user looks
            QMessageBox.warning(self, "Export Performance History", str(exc))
            return
        self._note = (f"{rows:,} samples saved to {Path(path).name}", time.monotonic() + 10)
        self.summary.setText(self._note[0])
        self.summary.setToolTip(path)

    # ---- the plots
    def _draw_lanes(self, data: Columns) -> None:
        for index, (lane, values) in enumerate(sorted(data.lanes.items())):
            self.lanes_plot.set_curve(lane, lane, data.x, data.y(values), color(index))
        self.lanes_plot.keep_only(set(data.lanes))

    def _draw_cpu(self, data: Columns) -> None:
        for core in range(data.cores):  # every core thin; named in the legend while there are few enough to read
            self.cpu_plot.set_curve(core, f"core {core}" if data.cores <= 8 else None, data.x,
                                    data.y(data.cpu[:, core]), color(core + 1), width=1)
        self.cpu_plot.set_curve("average", "average", data.x, data.y(data.cpu_average), color(0), width=3)
        self.cpu_plot.keep_only(set(range(data.cores)) | {"average"})

    def _draw_memory(self, data: Columns) -> None:
        self.memory_plot.set_curve("used", "used", data.x, data.y(data.memory_used), color(0))
        self.memory_plot.set_curve("total", "installed", data.x, data.y(data.memory_total), color(9), width=1,
                                   dashed=True)
        keys: set[object] = {"used", "total"}
        if data.has_swap:
            self.memory_plot.set_curve("swap", "swap used", data.x, data.y(data.swap_used), color(3))
            keys.add("swap")
        self.memory_plot.keep_only(keys)

    def _draw_disks(self, data: Columns) -> None:
        keys: set[object] = set()
        for index, (name, (read, write)) in enumerate(sorted(data.disks.items())):
            self.disk_plot.set_curve((name, "read"), f"{name} read", data.x, data.y(read), color(index))
            self.disk_plot.set_curve((name, "write"), f"{name} write", data.x, data.y(write), color(index),
                                     dashed=True)
            keys |= {(name, "read"), (name, "write")}
        self.disk_plot.keep_only(keys)
        self.disk_plot.set_message("" if data.disks or not len(data.x) else "No disk counters on this system")

    def _draw_network(self, data: Columns) -> None:
        self.network_plot.set_curve("rx", "received", data.x, data.y(data.net_rx), color(2))
        self.network_plot.set_curve("tx", "sent", data.x, data.y(data.net_tx), color(1), dashed=True)

    # ---- visibility and palette
    def _on_sample(self, _sample: Sample) -> None:
        # A 4-hour session on a 500-pixel plot moves a pixel every ~30 s; redrawing its 14,400 points each second
        # would cost the GUI thread a good part of that second.
        if self.isVisible() and time.monotonic() - self._drawn_at >= self._redraw_every:
            self.redraw()

    def _apply_palette(self) -> None:
        for plot in self.plots:
            plot.apply_palette(self.palette())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._apply_palette()
        super().changeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._watching:  # a tab brought forward, the dock opened: sample while someone can see it
            self._watching = True
            self.monitor.watch()
            self.redraw()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if self._watching:
            self._watching = False
            self.monitor.unwatch()
