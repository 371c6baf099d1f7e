"""The Jobs dock follows real jobs on the runner: progress, pause and resume, cancel, clear."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest

from app.core.job import JobContext
from app.core.progress import ProgressMeter
from app.jobs.runner import CANCELLED, DONE, PAUSED, RUNNING
from app.ui.jobs.panel import JobsPanel

BLOCK = bytes(range(256)) * 4096  # 1 MiB to hash per chunk: real work that releases the GIL


@dataclass(frozen=True)
class ChecksumPlan:
    chunks: int | None  # None: the job does not know its total up front


class ChecksumJob:
    """Hashes a block over and over, polling the cancel token and reporting through a ProgressMeter."""

    lane = "extract"

    def __init__(self, chunks: int | None, title: str = "Checksum test data") -> None:
        self.chunks = chunks
        self.title = title

    def plan(self) -> ChecksumPlan:
        return ChecksumPlan(self.chunks)

    def run(self, plan: ChecksumPlan, ctx: JobContext) -> str:
        meter = ProgressMeter(ctx.progress, total=plan.chunks, unit="chunks")
        digest = hashlib.sha256()
        done = 0
        while plan.chunks is None or done < plan.chunks:
            ctx.cancel.check()
            digest.update(BLOCK)
            done += 1
            meter.advance(1, "hashing")
        meter.finish()
        return digest.hexdigest()


@pytest.fixture
def panel(qtbot, app_context) -> JobsPanel:
    widget = JobsPanel(app_context.runner)
    qtbot.addWidget(widget)
    widget.resize(600, 300)
    widget.show()
    return widget


def test_running_job_shows_progress_and_cancel_ends_it(qtbot, panel, app_context) -> None:
    runner = app_context.runner
    job_id = runner.submit(ChecksumJob(1_000_000))
    qtbot.waitUntil(lambda: panel.row(job_id) is not None and runner.record(job_id).progress is not None
                    and runner.record(job_id).progress.done > 0, timeout=5000)
    row = panel.row(job_id)
    qtbot.waitUntil(lambda: "chunks/s" in row.detail.text(), timeout=5000)
    assert row.title.text() == "Checksum test data"
    assert row.state.text() == "Running"
    assert row.bar.isVisible() and row.bar.maximum() > 0
    assert "/1,000,000 chunks" in row.detail.text() and "ETA" in row.detail.text() and "hashing" in row.detail.text()

    row.pause_button.click()
    qtbot.waitUntil(lambda: runner.record(job_id).state == PAUSED and row.pause_button.text() == "Resume",
                    timeout=3000)
    row.pause_button.click()
    qtbot.waitUntil(lambda: runner.record(job_id).state == RUNNING and row.pause_button.text() == "Pause",
                    timeout=3000)

    row.cancel_button.click()
    qtbot.waitUntil(lambda: runner.record(job_id).state == CANCELLED, timeout=5000)
    qtbot.waitUntil(lambda: row.state.text() == "Cancelled", timeout=2000)
    assert not row.cancel_button.isVisible() and not row.bar.isVisible()
    assert "cancelled" in row.detail.text()

    assert panel.clear_button.isEnabled()
    panel.clear_button.click()
    assert panel.row(job_id) is None
    assert job_id not in [r.id for r in runner.records()]


def test_unknown_total_is_busy_and_finished_jobs_show_their_outcome(qtbot, panel, app_context) -> None:
    runner = app_context.runner
    endless = runner.submit(ChecksumJob(None, "Open-ended hashing"))
    quick = runner.submit(ChecksumJob(3, "Short hashing"))
    qtbot.waitUntil(lambda: panel.row(endless) is not None and runner.record(endless).progress is not None,
                    timeout=5000)
    qtbot.waitUntil(lambda: panel.row(endless).bar.maximum() == 0, timeout=2000)  # busy indicator
    assert "chunks" in panel.row(endless).detail.text()
    assert panel.row(quick).state.text() == "Waiting"  # same lane: queued behind the first
    runner.cancel(endless)
    qtbot.waitUntil(lambda: runner.record(quick).state == DONE, timeout=5000)
    qtbot.waitUntil(lambda: panel.row(quick).state.text().startswith("Done"), timeout=2000)
    assert panel.row(quick).detail.text().startswith("Finished")
    assert panel.job_ids()[:2] == [endless, quick]
    assert "Idle" in panel.summary.text() and "2 finished" in panel.summary.text()


def test_housekeeping_jobs_stay_out_of_the_list(qtbot, panel, app_context) -> None:
    job = ChecksumJob(1, "Hidden housekeeping")
    job.visible = False
    job_id = app_context.runner.submit(job)
    outcomes = []
    app_context.runner.job_finished.connect(lambda finished: finished == job_id and outcomes.append(finished))
    qtbot.waitUntil(lambda: bool(outcomes), timeout=5000)
    assert panel.row(job_id) is None
    assert job_id not in {r.id for r in app_context.runner.records()}  # no history kept for housekeeping
    assert panel.empty.isVisible()
