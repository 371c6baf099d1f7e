"""FarmService: farm jobs appear in the JobRunner with their machine and progress, end with their outcome, and a
cancel pressed on one reaches the ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.farm.farm import Farm
from app.farm.ledger import Beat, NewJob
from app.farm.store import QUEUE_FILE
from app.jobs.runner import CANCELLED, DONE, RUNNING, JobRunner
from app.services.farm import FarmService


@pytest.fixture
def runner(qapp):
    jobs = JobRunner({"catalog": 1, "proxy": 1})
    yield jobs
    jobs.shutdown()


def _farm_records(runner: JobRunner) -> dict[str, object]:
    return {r.title: r for r in runner.records() if r.title.endswith("(farm)")}


def test_farm_jobs_are_mirrored_with_machine_progress_end_and_cancel(qtbot, runner, tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.sqlite"
    service = FarmService(catalog, runner)
    service.start()
    try:
        qtbot.waitUntil(lambda: not service._in_flight, timeout=5000)
        assert not (tmp_path / QUEUE_FILE).exists()  # the window creates no queue
        assert not _farm_records(runner)

        farm = Farm(catalog)
        try:
            _, (first, second) = farm.submit([
                NewJob("proxy", "proxy", {"media_id": 1, "preset": "preview"}, "preview proxy of A.mov"),
                NewJob("proxy", "proxy", {"media_id": 2, "preset": "preview"}, "preview proxy of B.mov")])
            service.poll()  # the idle interval is long: look now
            qtbot.waitUntil(lambda: len(_farm_records(runner)) == 2, timeout=10000)
            a = _farm_records(runner)["preview proxy of A.mov (farm)"]
            assert a.state == RUNNING and a.lane == "proxy" and "waiting for a worker" in a.progress.message

            token = farm.ledger.claim(first, "render2:4242", 30)
            farm.ledger.renew(first, token, 30, Beat(25, 100, "frames", 50.0, ""))
            qtbot.waitUntil(lambda: a.progress.done == 25, timeout=10000)
            assert a.progress.fraction == 0.25 and a.progress.message == "on render2 (render2:4242)"

            b = _farm_records(runner)["preview proxy of B.mov (farm)"]
            runner.cancel(b.id)
            qtbot.waitUntil(lambda: b.state == CANCELLED, timeout=10000)
            assert farm.ledger.jobs(ids=[second])[0]["state"] == "cancelled"

            farm.ledger.finish(first, token, "done", {"made": 1})
            qtbot.waitUntil(lambda: a.state == DONE, timeout=10000)
            assert a.outcome.ok and "render2" in a.outcome.value
        finally:
            farm.close()
    finally:
        service.shutdown()
        qtbot.waitUntil(lambda: not service._in_flight, timeout=5000)


def test_the_jobs_panel_shows_a_farm_job_with_its_machine_and_cancels_it(qtbot, app_context) -> None:
    from app.ui.jobs.panel import JobsPanel

    panel = JobsPanel(app_context.runner)
    qtbot.addWidget(panel)
    panel.show()
    farm = Farm(app_context.catalog.path)
    service = FarmService(app_context.catalog.path, app_context.runner)
    try:
        _, (job_id,) = farm.submit([NewJob("proxy", "proxy", {"media_id": 1, "preset": "preview"},
                                           "preview proxy of A.mov")])
        token = farm.ledger.claim(job_id, "render2:4242", 30)
        farm.ledger.renew(job_id, token, 30, Beat(30, 120, "frames", 40.0, ""))
        service.start()
        qtbot.waitUntil(lambda: job_id in service.records and panel.row(service.records[job_id]) is not None,
                        timeout=10000)
        row = panel.row(service.records[job_id])
        qtbot.waitUntil(lambda: "on render2 (render2:4242)" in row.detail.text(), timeout=10000)
        assert row.title.text() == "preview proxy of A.mov (farm)" and row.bar.value() > 0

        row.pause_button.click()  # held on its worker (which keeps renewing the lease), then let go on
        qtbot.waitUntil(lambda: farm.ledger.jobs()[0]["pause"] == 1, timeout=10000)
        row.pause_button.click()
        qtbot.waitUntil(lambda: farm.ledger.jobs()[0]["pause"] == 0, timeout=10000)

        row.cancel_button.click()
        qtbot.waitUntil(lambda: farm.ledger.jobs()[0]["cancel"] == 1, timeout=10000)
        assert farm.ledger.renew(job_id, token, 30, Beat())[1]  # the worker's next beat sees it
        farm.ledger.finish(job_id, token, "cancelled")
        qtbot.waitUntil(lambda: row.state.text() == "Cancelled", timeout=10000)
    finally:
        service.shutdown()
        farm.close()
