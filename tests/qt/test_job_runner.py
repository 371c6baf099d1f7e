"""The JobRunner: lanes, progress on the GUI thread, cancel, pause, failures as values, clean shutdown."""

from __future__ import annotations

import threading

import pytest

from app.core.job import JobContext
from app.core.progress import ProgressMeter
from app.jobs.runner import CANCELLED, DONE, FAILED, PAUSED, JobRunner


class CountingJob:
    """Counts to n, reporting progress; records which thread ran it."""

    lane = "scan"

    def __init__(self, n: int, gate: threading.Event | None = None) -> None:
        self.n = n
        self.gate = gate
        self.title = f"count to {n}"
        self.thread: threading.Thread | None = None
        self.reached = 0

    def plan(self) -> int:
        return self.n

    def run(self, plan: int, ctx: JobContext) -> int:
        self.thread = threading.current_thread()
        meter = ProgressMeter(ctx.progress, total=plan, unit="steps", interval=0)
        for step in range(plan):
            ctx.cancel.check()
            if self.gate is not None:
                self.gate.wait(5)
            self.reached = step + 1
            meter.advance(1, f"step {step}")
            ctx.emit(step)
        return plan


class FailingJob:
    lane = "catalog"
    title = "explode"

    def plan(self) -> None:
        return None

    def run(self, plan: None, ctx: JobContext) -> None:
        raise ValueError("disk on fire")


@pytest.fixture
def runner(qapp):
    jobs = JobRunner({"scan": 1, "catalog": 1})
    yield jobs
    jobs.shutdown()


def test_job_runs_off_the_gui_thread_and_reports(qtbot, runner) -> None:
    job = CountingJob(20)
    outcomes, events = [], []
    job_id = runner.submit(job, outcomes.append, events.append)
    qtbot.waitUntil(lambda: bool(outcomes), timeout=5000)
    assert outcomes[0].ok and outcomes[0].value == 20
    assert job.thread is not threading.main_thread()
    record = runner.record(job_id)
    assert record.state == DONE
    assert record.progress.done == 20 and record.progress.fraction == 1.0
    assert events == list(range(20))  # partial results arrive in order, on this thread


def test_failure_is_a_value_with_context(qtbot, runner) -> None:
    outcomes = []
    job_id = runner.submit(FailingJob(), outcomes.append)
    qtbot.waitUntil(lambda: bool(outcomes), timeout=5000)
    assert not outcomes[0].ok
    assert "explode failed: ValueError: disk on fire" in outcomes[0].message
    assert "Traceback" in outcomes[0].detail
    assert runner.record(job_id).state == FAILED


def test_cancel_running_and_queued_jobs(qtbot, runner) -> None:
    gate = threading.Event()
    first, second = CountingJob(1000, gate), CountingJob(5)
    first_id = runner.submit(first)
    second_id = runner.submit(second)  # same single-thread lane: queued behind the first
    qtbot.waitUntil(lambda: runner.record(first_id).state == "running", timeout=5000)
    runner.cancel(second_id)
    runner.cancel(first_id)
    gate.set()
    qtbot.waitUntil(lambda: runner.record(second_id).finished and runner.record(first_id).finished, timeout=5000)
    assert runner.record(first_id).state == CANCELLED
    assert first.reached < 1000
    assert runner.record(second_id).state == CANCELLED
    assert second.reached == 0


def test_pause_and_resume(qtbot, runner) -> None:
    gate = threading.Event()
    job = CountingJob(50, gate)
    job_id = runner.submit(job)
    qtbot.waitUntil(lambda: runner.record(job_id).state == "running", timeout=5000)
    runner.pause(job_id)
    gate.set()
    qtbot.wait(100)
    paused_at = job.reached
    assert paused_at <= 1
    runner.resume(job_id)
    qtbot.waitUntil(lambda: runner.record(job_id).state == DONE, timeout=5000)
    assert job.reached == 50


def test_a_job_paused_while_queued_starts_paused_and_does_no_work(qtbot, runner) -> None:
    gate = threading.Event()
    first, second = CountingJob(3, gate), CountingJob(5)
    first_id = runner.submit(first)
    second_id = runner.submit(second)  # queued behind the first on the single-thread lane
    runner.pause(second_id)
    assert runner.record(second_id).state == PAUSED
    gate.set()
    qtbot.waitUntil(lambda: runner.record(first_id).state == DONE and runner.record(second_id).started_at is not None,
                    timeout=30000)
    qtbot.wait(100)
    assert runner.record(second_id).state == PAUSED and second.reached == 0
    runner.resume(second_id)
    qtbot.waitUntil(lambda: runner.record(second_id).state == DONE, timeout=30000)
    assert second.reached == 5


def test_lanes_run_in_parallel(qtbot, runner) -> None:
    gate = threading.Event()
    blocker = CountingJob(1, gate)  # scan lane, blocked
    runner.submit(blocker)
    quick = CountingJob(3)
    quick.lane = "catalog"
    outcomes = []
    runner.submit(quick, outcomes.append)
    qtbot.waitUntil(lambda: bool(outcomes), timeout=5000)  # not stuck behind the scan lane
    gate.set()
