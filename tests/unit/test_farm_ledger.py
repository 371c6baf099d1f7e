"""The farm's ledger: each state change is a conditional update, so a job is taken once and ends once."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.farm.farm import MAX_ATTEMPTS, Farm
from app.farm.ledger import Beat, NewJob
from app.farm.store import QUEUE_FILE, queue_location


@pytest.fixture
def farm(tmp_path: Path):
    farm = Farm(tmp_path / "catalog.sqlite")
    yield farm
    farm.close()


def _submit(farm: Farm, count: int = 1) -> list[int]:
    _, ids = farm.submit([NewJob("proxy", "proxy", {"media_id": i, "preset": "preview"}, f"job {i}")
                          for i in range(count)])
    return ids


def test_the_queue_of_a_catalog_file_is_beside_it_and_a_server_catalog_keeps_its_own() -> None:
    assert queue_location(Path("/data/catalog.sqlite")) == Path("/data") / QUEUE_FILE
    assert queue_location("postgresql://u@db/reelkeep") == "postgresql://u@db/reelkeep"


def test_submit_records_the_jobs_and_queues_one_message_each(farm: Farm) -> None:
    ids = _submit(farm, 3)
    assert farm.hueys["proxy"].pending_count() == 3
    assert [task.args for task in farm.hueys["proxy"].pending()] == [(i,) for i in ids]
    assert {job["state"] for job in farm.ledger.jobs()} == {"queued"}


def test_a_job_is_claimed_once_and_ends_once(farm: Farm) -> None:
    (job_id,) = _submit(farm)
    token = farm.ledger.claim(job_id, "a:1", 30)
    assert token is not None
    assert farm.ledger.claim(job_id, "b:2", 30) is None  # a duplicate delivery takes nothing
    assert not farm.ledger.finish(job_id, "not the token", "done")
    assert farm.ledger.finish(job_id, token, "done", {"made": 1})
    assert not farm.ledger.finish(job_id, token, "failed", error="late")
    (job,) = farm.ledger.jobs()
    assert (job["state"], job["result"], job["attempts"], job["worker"]) == ("done", {"made": 1}, 1, "a:1")


def test_progress_and_a_cancel_request_travel_with_the_lease(farm: Farm) -> None:
    (job_id,) = _submit(farm)
    token = farm.ledger.claim(job_id, "a:1", 30)
    assert farm.ledger.renew(job_id, token, 30, Beat(40, 100, "frames", 25.0, "preview of A")) == (True, False, False)
    (job,) = farm.ledger.jobs()
    assert (job["done"], job["total"], job["unit"], job["message"]) == (40, 100, "frames", "preview of A")
    assert 29 < job["lease_until"] - job["now"] <= 30
    assert farm.ledger.request_cancel([job_id]) == 1
    assert farm.ledger.renew(job_id, token, 30, Beat()) == (True, True, False)
    assert farm.ledger.renew(job_id, "another", 30, Beat()) == (False, False, False)


def test_a_queued_job_cancelled_ends_at_once_and_cannot_be_claimed(farm: Farm) -> None:
    (job_id,) = _submit(farm)
    farm.ledger.request_cancel(batch=farm.ledger.jobs()[0]["batch"])
    assert farm.ledger.jobs()[0]["state"] == "cancelled"
    assert farm.ledger.claim(job_id, "a:1", 30) is None


def test_an_expired_lease_is_reclaimed_once_then_failed_after_the_last_attempt(farm: Farm) -> None:
    (job_id,) = _submit(farm)
    farm.hueys["proxy"].storage.flush_queue()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        token = farm.ledger.claim(job_id, f"w:{attempt}", -1)  # a lease already past: its worker "died"
        assert token is not None
        assert farm.reclaim_expired() == [job_id]
        assert farm.reclaim_expired() == []  # only one reclaimer wins
        assert not farm.ledger.finish(job_id, token, "done")  # the dead worker's claim is void
    (job,) = farm.ledger.jobs()
    assert job["state"] == "failed" and job["attempts"] == MAX_ATTEMPTS and "stopped answering" in job["error"]
    # each reclaim but the last queued the job again, to run after the retry delay
    again = farm.hueys["proxy"].pending()
    assert len(again) == MAX_ATTEMPTS - 1 and all(task.eta is not None for task in again)


def test_a_live_lease_is_not_reclaimed_and_a_released_job_does_not_count_an_attempt(farm: Farm) -> None:
    (job_id,) = _submit(farm)
    token = farm.ledger.claim(job_id, "a:1", 30)
    assert farm.reclaim_expired() == []
    assert farm.ledger.release(job_id, token)
    (job,) = farm.ledger.jobs()
    assert (job["state"], job["attempts"], job["worker"]) == ("queued", 0, None)


def test_a_queued_job_whose_message_was_lost_gets_a_new_one(farm: Farm) -> None:
    kept, lost = _submit(farm, 2)
    huey = farm.hueys["proxy"]
    huey.storage.flush_queue()
    farm.enqueue(kept, "proxy")
    assert farm.requeue_orphans(min_age=0) == [lost]
    assert sorted(task.args[0] for task in huey.pending()) == [kept, lost]
    assert farm.requeue_orphans(min_age=0) == []


def test_a_worker_that_lost_its_claim_or_was_asked_to_cancel_stops_its_copy(farm: Farm) -> None:
    lost_id, cancelled_id = _submit(farm, 2)
    lost = farm.start(lost_id, "proxy", farm.ledger.claim(lost_id, farm.worker_name, -1))
    asked = farm.start(cancelled_id, "proxy", farm.ledger.claim(cancelled_id, farm.worker_name, 30))
    assert farm.reclaim_expired() == [lost_id]  # cut off from the database past its lease: given away
    farm.ledger.request_cancel([cancelled_id])
    farm.beat()
    assert lost.cancel.cancelled and lost.reason == "lost"
    assert asked.cancel.cancelled and asked.reason == "user"


def test_a_job_claimed_while_its_worker_shuts_down_is_stopped_at_once(farm: Farm) -> None:
    (job_id,) = _submit(farm)
    farm.stop_all("shutdown")
    running = farm.start(job_id, "proxy", farm.ledger.claim(job_id, farm.worker_name, 30))
    assert running.cancel.cancelled and running.reason == "shutdown"
    farm.end(job_id)
    farm.hand_back(running)
    (job,) = farm.ledger.jobs()
    assert (job["state"], job["attempts"]) == ("queued", 0)


def test_a_paused_job_holds_between_chunks_and_keeps_its_lease(farm: Farm) -> None:
    (job_id,) = _submit(farm)
    running = farm.start(job_id, "proxy", farm.ledger.claim(job_id, farm.worker_name, 30))
    assert farm.ledger.request_pause([job_id]) == 1
    farm.beat()
    assert running.cancel.paused and not running.cancel.cancelled
    assert farm.ledger.renew(job_id, running.token, 30, Beat()) == (True, False, True)
    farm.ledger.request_pause([job_id], pause=False)
    farm.beat()
    assert not running.cancel.paused


def test_on_postgresql_the_queue_is_in_the_catalogs_database_and_survives_a_dropped_connection(
        postgres_server) -> None:
    import peewee
    import psycopg

    url = postgres_server.create_catalog_database()
    farm = Farm(url)
    try:
        (job_id,) = _submit(farm)
        with psycopg.connect(url) as conn:  # the catalog's own database holds the queue: no other service
            tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'farm_%'")}
            assert {"farm_job", "farm_task", "farm_schedule", "farm_kv", "farm_counter"} <= tables
            assert conn.execute("SELECT count(*) FROM media_file").fetchone() == (0,)
        with psycopg.connect(postgres_server.url(), autocommit=True) as admin:  # a server restart, say
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
                          " AND backend_type = 'client backend'")
        with pytest.raises(peewee.OperationalError):  # the statement that finds out fails
            farm.ledger.jobs()
        farm.reconnect_if_closed()  # what a worker's keeper does before each beat
        assert farm.ledger.claim(job_id, "a:1", 30) is not None
    finally:
        farm.close()
