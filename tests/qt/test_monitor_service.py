"""MonitorService on a real JobRunner: lanes' queues, running jobs, and the record switch kept in the settings."""

from __future__ import annotations

import os
from pathlib import Path

from app.jobs.runner import PAUSED, RUNNING, JobRunner
from app.services.monitor import MonitorService
from app.services.settings import Settings
from tests.qt.test_ui_monitor import WAIT, ReadFileJob


def test_a_job_paused_before_it_started_waits_in_its_lane(qtbot, tmp_path: Path) -> None:
    source = tmp_path / "reel.bin"
    source.write_bytes(os.urandom(1024 * 1024))
    runner = JobRunner({"archive": 1})
    monitor = MonitorService(runner)
    try:
        assert not monitor.sampling  # nobody watches, recording off
        first = runner.submit(ReadFileJob(source, title="First reel"))
        qtbot.waitUntil(lambda: runner.record(first).state == RUNNING and runner.record(first).progress is not None,
                        timeout=WAIT)
        second = runner.submit(ReadFileJob(source, title="Second reel"))
        runner.pause(second)
        assert runner.record(second).state == PAUSED
        sample = monitor.sample_now()
        assert dict(sample.lanes) == {"archive": 1}
        assert [job.title for job in sample.jobs] == ["First reel"]
        assert sample.jobs[0].unit == "bytes" and sample.jobs[0].rate > 0
        assert list(monitor.history) == [sample]
    finally:
        runner.shutdown()
        monitor.shutdown()


def test_recording_is_remembered_and_samples_with_nobody_watching(qtbot, tmp_path: Path) -> None:
    settings = Settings(str(tmp_path / "settings.ini"))
    runner = JobRunner({"scan": 1})
    first = MonitorService(runner, settings, interval_ms=100)
    try:
        first.set_recording(True)
        assert first.sampling
        qtbot.waitUntil(lambda: len(first.history) >= 2, timeout=WAIT)
        first.shutdown()
        again = MonitorService(runner, settings, interval_ms=100)  # the next start of the app
        assert again.recording and again.sampling
        again.set_recording(False)
        assert not again.sampling
        again.watch()  # the panel shown
        assert again.sampling
        again.unwatch()
        assert not again.sampling
    finally:
        runner.shutdown()
