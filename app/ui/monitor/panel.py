"""PerformancePanel (View → Performance): jobs' throughput, lane queues, CPU, memory, disks and network."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QEvent
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.monitor.sampler import Sample
from app.services.monitor import MonitorService
from app.ui.monitor.plots import LivePlot, color, with_gaps

WINDOWS = (("Last minute", 60.0), ("Last 10 minutes", 600.0), ("Session", None))
NO_JOBS = "No jobs running"
MB = 1e6  # decimal, as the Jobs panel and file managers show sizes
GB = 1e9


class PerformancePanel(QWidget):
    """Live plots of the monitor's session history; samples only while shown (or while recording is on)."""

    def __init__(self, monitor: MonitorService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.monitor = monitor
        self._watching = False
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

        self.jobs_plot = LivePlot("Jobs throughput", "per second")
        self.lanes_plot = LivePlot("Jobs waiting per lane", "jobs")
        self.cpu_plot = LivePlot("CPU per core", "%")
        self.memory_plot = LivePlot("Memory", "GB")
        self.disk_plot = LivePlot("Disks (solid read, dashed write)", "MB/s")
        self.network_plot = LivePlot("Network (all interfaces)", "MB/s")
        self.cpu_plot.plot.getPlotItem().getViewBox().setYRange(0, 100, padding=0.02)
        self.cpu_plot.plot.getPlotItem().enableAutoRange(axis="y", enable=False)
        grid = QGridLayout()
        for index, plot in enumerate((self.jobs_plot, self.lanes_plot, self.cpu_plot, self.memory_plot,
                                      self.disk_plot, self.network_plot)):
            grid.addWidget(plot, index // 2, index % 2)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(grid, 1)
        self.jobs_plot.set_message(NO_JOBS)
        self._apply_palette()
        monitor.sample_added.connect(self._on_sample)
        monitor.recording_changed.connect(self.record.setChecked)

    @property
    def plots(self) -> tuple[LivePlot, ...]:
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
        self._draw_jobs(samples, interval)
        self._draw_lanes(samples, interval)
        self._draw_cpu(samples, interval)
        self._draw_memory(samples, interval)
        self._draw_disks(samples, interval)
        self._draw_network(samples, interval)
        for plot in self.plots:
            plot.show_range(start, max(now, start + 1))
        self.summary.setText(f"{len(history):,} samples this session")

    def export_csv(self, path: str) -> int:
        """Write the session's history to path; returns the number of rows."""
        with open(path, "w", newline="", encoding="utf-8") as stream:
            return self.monitor.history.write_csv(stream)

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export Performance History", "reelkeep-performance.csv",
                                              "CSV files (*.csv)")
        if path:
            rows = self.export_csv(path)
            self.summary.setText(f"{rows:,} samples saved to {path}")

    # ---- the plots
    def _draw_jobs(self, samples: list[Sample], interval: float) -> None:
        names: dict[int, str] = {}
        for sample in samples:
            for job in sample.jobs:
                names[job.job_id] = f"{job.title} ({job.shown[1]})"
        for index, (job_id, name) in enumerate(names.items()):
            points = [(s.time, next((j.shown[0] for j in s.jobs if j.job_id == job_id), np.nan)) for s in samples]
            x, y = with_gaps([p[0] for p in points], [p[1] for p in points], interval)
            self.jobs_plot.set_curve(job_id, name, x, y, color(index))
        self.jobs_plot.keep_only(set(names))
        running = bool(samples and samples[-1].jobs)
        self.jobs_plot.set_message("" if running else NO_JOBS)

    def _draw_lanes(self, samples: list[Sample], interval: float) -> None:
        lanes = sorted({lane for s in samples for lane, _ in s.lanes})
        for index, lane in enumerate(lanes):
            x, y = with_gaps([s.time for s in samples], [dict(s.lanes).get(lane, 0) for s in samples], interval)
            self.lanes_plot.set_curve(lane, lane, x, y, color(index))
        self.lanes_plot.keep_only(set(lanes))

    def _draw_cpu(self, samples: list[Sample], interval: float) -> None:
        cores = max((len(s.cpu) for s in samples), default=0)
        times = [s.time for s in samples]
        for core in range(cores):  # every core thin; named in the legend while there are few enough to read
            x, y = with_gaps(times, [s.cpu[core] if core < len(s.cpu) else np.nan for s in samples], interval)
            self.cpu_plot.set_curve(core, f"core {core}" if cores <= 8 else None, x, y, color(core + 1), width=1)
        x, y = with_gaps(times, [s.cpu_average for s in samples], interval)
        self.cpu_plot.set_curve("average", "average", x, y, color(0), width=3)
        self.cpu_plot.keep_only(set(range(cores)) | {"average"})

    def _draw_memory(self, samples: list[Sample], interval: float) -> None:
        times = [s.time for s in samples]
        x, y = with_gaps(times, [s.memory_used / GB for s in samples], interval)
        self.memory_plot.set_curve("used", "used", x, y, color(0))
        x, y = with_gaps(times, [s.memory_total / GB for s in samples], interval)
        self.memory_plot.set_curve("total", "installed", x, y, color(9), width=1, dashed=True)
        keys: set[object] = {"used", "total"}
        if any(s.swap_total for s in samples):
            x, y = with_gaps(times, [s.swap_used / GB for s in samples], interval)
            self.memory_plot.set_curve("swap", "swap used", x, y, color(3))
            keys.add("swap")
        self.memory_plot.keep_only(keys)

    def _draw_disks(self, samples: list[Sample], interval: float) -> None:
        names = sorted({d.name for s in samples for d in s.disks})
        times = [s.time for s in samples]
        keys: set[object] = set()
        for index, name in enumerate(names):
            for kind, dashed in (("read", False), ("write", True)):
                values = []
                for sample in samples:
                    found = next((d for d in sample.disks if d.name == name), None)
                    values.append(np.nan if found is None else (found.read if kind == "read" else found.write) / MB)
                x, y = with_gaps(times, values, interval)
                self.disk_plot.set_curve((name, kind), f"{name} {kind}", x, y, color(index), dashed=dashed)
                keys.add((name, kind))
        self.disk_plot.keep_only(keys)
        self.disk_plot.set_message("" if names or not samples else "No disk counters on this system")

    def _draw_network(self, samples: list[Sample], interval: float) -> None:
        times = [s.time for s in samples]
        x, y = with_gaps(times, [s.net_rx / MB for s in samples], interval)
        self.network_plot.set_curve("rx", "received", x, y, color(2))
        x, y = with_gaps(times, [s.net_tx / MB for s in samples], interval)
        self.network_plot.set_curve("tx", "sent", x, y, color(1), dashed=True)

    # ---- visibility and palette
    def _on_sample(self, _sample: Sample) -> None:
        if self.isVisible():
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
