"""The Performance panel: a running job's throughput on its curve, View → Performance, CSV export."""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from app.core.job import JobContext
from app.core.progress import ProgressMeter
from app.jobs.runner import JobRunner
from app.media.partial import DestinationError
from app.monitor.sampler import Sampler
from app.services.monitor import MonitorService
from app.ui.main_window import MainWindow
from app.ui.monitor.columns import Columns
from app.ui.monitor.jobs_plots import NO_JOBS
from app.ui.monitor.panel import PerformancePanel

WAIT = 60000
CHUNK = 64 * 1024


@dataclass
class ReadFileJob:
    """Reads a real file in chunks, over and over until cancelled, reporting bytes as it goes (app/core/job.py)."""

    path: Path
    title: str = "Reading dailies.bin"
    lane: str = "archive"

    def plan(self) -> int:
        return self.path.stat().st_size

    def run(self, plan: int, ctx: JobContext) -> int:
        meter = ProgressMeter(ctx.progress, unit="bytes")
        while True:
            with open(self.path, "rb") as handle:
                while chunk := handle.read(CHUNK):
                    ctx.cancel.check()
                    meter.advance(len(chunk))


@pytest.fixture
def runner(qapp):
    made = JobRunner({"archive": 1})
    yield made
    made.shutdown()


@pytest.fixture
def monitor(runner: JobRunner):
    made = MonitorService(runner, interval_ms=250)
    yield made
    made.shutdown()


def _job_points(panel: PerformancePanel, job_id: int) -> list[float]:
    curve = panel.jobs_plot.curves.get(job_id)
    if curve is None:
        return []
    _, y = curve.getData()
    return [v for v in (y if y is not None else []) if not math.isnan(v)]


def _last_point(panel: PerformancePanel, lane: str) -> float | None:
    curve = panel.lanes_plot.curves.get(lane)
    _, y = curve.getData() if curve is not None else (None, None)
    return float(y[-1]) if y is not None and len(y) else None


def test_the_monitor_shows_a_running_jobs_throughput(qtbot, runner: JobRunner, monitor: MonitorService,
                                                     tmp_path: Path) -> None:
    source = tmp_path / "dailies.bin"
    source.write_bytes(os.urandom(4 * 1024 * 1024))
    panel = PerformancePanel(monitor)
    qtbot.addWidget(panel)
    panel.resize(1000, 660)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: len(monitor.history) >= 1, timeout=WAIT)
    assert panel.jobs_plot.message.isVisible() and panel.jobs_plot.message.text() == NO_JOBS
    assert panel.jobs_plot.curves == {}

    job_id = runner.submit(ReadFileJob(source))
    qtbot.waitUntil(lambda: any(v > 0 for v in _job_points(panel, job_id)), timeout=WAIT)
    assert "Reading dailies.bin (MB/s)" in panel.jobs_plot.legend_names()
    assert not panel.jobs_plot.message.isVisible()
    shown = [j for s in monitor.history for j in s.jobs if j.job_id == job_id]
    assert shown and shown[-1].unit == "bytes" and max(j.rate for j in shown) > 0

    waiting = runner.submit(ReadFileJob(source, title="Reading it again"))  # the lane's one thread is taken
    qtbot.waitUntil(lambda: dict(monitor.history.since(0)[-1].lanes).get("archive") == 1, timeout=WAIT)
    qtbot.waitUntil(lambda: _last_point(panel, "archive") == 1, timeout=WAIT)
    runner.cancel(waiting)

    runner.cancel(job_id)
    qtbot.waitUntil(lambda: runner.record(job_id).finished, timeout=WAIT)
    qtbot.waitUntil(lambda: panel.jobs_plot.message.isVisible(), timeout=WAIT)
    assert panel.jobs_plot.message.text() == NO_JOBS
    assert job_id in panel.jobs_plot.curves  # its recent history stays in the window


def test_sampling_follows_the_panel_and_the_record_switch(qtbot, monitor: MonitorService, tmp_path: Path) -> None:
    panel = PerformancePanel(monitor)
    qtbot.addWidget(panel)
    assert not monitor.sampling
    panel.show()
    qtbot.waitExposed(panel)
    assert monitor.sampling
    qtbot.waitUntil(lambda: len(monitor.history) >= 3, timeout=WAIT)
    panel.hide()
    assert not monitor.sampling
    panel.record.setChecked(True)  # keep the history going with the panel closed
    assert monitor.recording and monitor.sampling
    count = len(monitor.history)
    qtbot.waitUntil(lambda: len(monitor.history) > count, timeout=WAIT)

    target = tmp_path / "session.csv"
    rows_written = panel.export_csv(str(target))
    rows = list(csv.reader(target.open(newline="", encoding="utf-8")))
    assert rows_written == len(rows) - 1 >= 4
    assert rows[0][:2] == ["time", "cpu_percent"] and all(len(r) == len(rows[0]) for r in rows)
    assert panel.export_csv(str(target)) >= rows_written  # the save dialog asked: an existing file is replaced
    assert target.read_text(encoding="utf-8").startswith("time,cpu_percent,")
    (tmp_path / "notes").write_text("a file, not a folder")
    with pytest.raises(DestinationError, match="notes"):
        panel.export_csv(str(tmp_path / "notes" / "session.csv"))
    assert not list(tmp_path.glob("*.partial"))
    panel.record.setChecked(False)
    assert not monitor.sampling


def test_view_performance_opens_the_panel_and_samples_while_it_is_shown(qtbot, window: MainWindow) -> None:
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    toggle = next(a for a in view.actions() if a.text() == "Performance")
    assert toggle.shortcut().toString() == "Alt+8"
    assert not window.performance_dock.isVisible() and not window.monitor.sampling  # closed on first start
    toggle.trigger()
    qtbot.waitUntil(lambda: window.performance_dock.isVisible(), timeout=WAIT)
    panel = window.performance_host.panel
    assert panel is not None and window.monitor.sampling
    qtbot.waitUntil(lambda: len(window.monitor.history) >= 2 and bool(panel.cpu_plot.curves), timeout=WAIT)
    assert "average" in panel.cpu_plot.legend_names()
    toggle.trigger()
    qtbot.waitUntil(lambda: not window.performance_dock.isVisible(), timeout=WAIT)
    assert not window.monitor.sampling


def test_a_pause_in_sampling_breaks_the_line_instead_of_a_ramp() -> None:
    sampler = Sampler()
    taken = [sampler.sample() for _ in range(5)]
    start = taken[0].time
    # one a second, then the panel was closed for a while (recording off), then one a second again
    samples = [replace(s, time=start + offset) for s, offset in zip(taken, (0, 1, 2, 30, 31), strict=True)]
    data = Columns(samples, interval=1.0)
    assert list(data.x) == [start, start + 1, start + 2, start + 3, start + 30, start + 31]
    memory = data.y(data.memory_used)
    assert math.isnan(memory[3]) and not any(math.isnan(v) for v in memory[[0, 1, 2, 4, 5]])
    assert data.cpu.shape == (5, len(taken[0].cpu))
