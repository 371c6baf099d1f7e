"""The farm of one catalog: the queue database, one Huey per lane, the ledger, and what this process runs.

Submitters and workers build the same Farm (same lanes, same task names), so a message written by one is read
by the other. A message carries only the job's id; the job's plain values (media id, preset, output folder)
are in the ledger row, which is also where progress, the machine running it and a cancel request live.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huey import Huey
from peewee import PostgresqlDatabase

from app.core.progress import CancelToken, ProgressUpdate
from app.farm.ledger import Beat, Ledger, NewJob
from app.farm.store import FarmStorage, open_queue_database, queue_location

log = logging.getLogger(__name__)

LANES = ("proxy", "extract", "thumbs")
KIND_LANE = {"proxy": "proxy", "verify": "proxy", "thumbs": "thumbs", "extract": "extract"}
LEASE_ENV, BEAT_ENV = "REELKEEP_FARM_LEASE", "REELKEEP_FARM_BEAT"
LEASE_S = 30.0  # a job whose worker has not renewed for this long is given to another worker
BEAT_S = 2.0  # how often a worker renews its leases and writes progress
RETRY_DELAY_S = 5.0  # a reclaimed or failed-to-start job waits this long before it runs again
MAX_ATTEMPTS = 3  # a job whose workers died this many times is failed (a file that crashes the decoder)
TABLES_LOCK = 0x7265656C6661726D  # "reelfarm": the advisory lock taken while creating the tables
HUEY_RETRIES = 2  # the queue itself failing (database gone) retries the message this many times


def _env_seconds(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass
class Running:
    """A job this process runs: its claim, its cancel token and the last progress to write at the next beat."""

    job_id: int
    kind: str
    token: str
    cancel: CancelToken = field(default_factory=CancelToken)
    beat: Beat = field(default_factory=Beat)
    reason: str = ""  # why it was cancelled: "user", "shutdown" (hand back) or "lost" (another worker has it)

    def report(self, update: ProgressUpdate) -> None:
        self.beat = Beat(update.done, update.total, update.unit, update.rate, update.message)

    def stop(self, reason: str) -> None:
        if not self.reason:
            self.reason = reason
        self.cancel.cancel()


class Farm:
    """The queue of a catalog (a catalog file's path or its postgresql:// URL)."""

    def __init__(self, catalog: Path | str, *, catalog_connection: Any = None) -> None:
        self.catalog_target = catalog
        self.location = queue_location(catalog)
        self.db = open_queue_database(self.location)
        self.lease = _env_seconds(LEASE_ENV, LEASE_S)
        self.beat_seconds = _env_seconds(BEAT_ENV, BEAT_S)
        self.retry_delay = RETRY_DELAY_S
        self.worker_name = f"{socket.gethostname()}:{os.getpid()}"
        self.ledger = Ledger(self.db)
        # results=False: outcomes live in the ledger; Huey's key-value table keeps only revocations.
        self.hueys = {lane: Huey(f"reelkeep-{lane}", results=False, storage_class=FarmStorage, database=self.db)
                      for lane in LANES}
        self._create_tables()
        self.tasks = {kind: self.hueys[lane].task(retries=HUEY_RETRIES, retry_delay=self.retry_delay, context=True,
                                                  name=f"farm_{kind}")(self._body(kind))
                      for kind, lane in KIND_LANE.items()}
        self.running: dict[int, Running] = {}
        self.closing = False  # a worker shutting down: a job claimed from now on is handed back at once
        self._lock = threading.Lock()
        self._catalog: Any = catalog_connection  # an open Catalog to reuse (the CLI's), else opened on demand
        self._own_catalog = catalog_connection is None

    def _create_tables(self) -> None:
        """The queue's and the ledger's tables, once: workers starting together on PostgreSQL would otherwise race
        in CREATE TABLE IF NOT EXISTS (a duplicate pg_type row); an advisory lock makes them take turns."""
        storage = self.hueys[LANES[0]].storage
        with self.db.atomic():
            if isinstance(self.db, PostgresqlDatabase):
                self.db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (TABLES_LOCK,))
            self.db.create_tables([storage.KV, storage.Schedule, storage.Task, storage.Counter, self.ledger.Job],
                                  safe=True)

    def _body(self, kind: str) -> Any:
        def body(job_id: int, task: Any = None) -> None:
            from app.farm.tasks import run_farm_job  # PyAV and the job code load in workers only

            run_farm_job(self, job_id, final=task is None or not task.retries)

        body.__name__ = f"farm_{kind}"
        return body

    def catalog(self) -> Any:
        """This process's catalog connection (opened on the first job; shared by the worker threads)."""
        with self._lock:
            if self._catalog is None:
                from app.catalog.catalog import Catalog

                self._catalog = Catalog(self.catalog_target)
            return self._catalog

    def submit(self, jobs: Sequence[NewJob]) -> tuple[str, list[int]]:
        """Record the jobs and queue their messages in one transaction; (batch, job ids)."""
        with self.db.atomic():
            batch, ids = self.ledger.add(jobs)
            for job, job_id in zip(jobs, ids, strict=True):
                self.tasks[job.kind](job_id)
        return batch, ids

    def enqueue(self, job_id: int, kind: str, delay: float = 0.0) -> None:
        task = self.tasks[kind]
        if delay:
            task.schedule(args=(job_id,), delay=delay)
        else:
            task(job_id)

    def start(self, job_id: int, kind: str, token: str) -> Running:
        running = Running(job_id, kind, token)
        with self._lock:
            self.running[job_id] = running
            if self.closing:
                running.stop("shutdown")
        return running

    def end(self, job_id: int) -> None:
        with self._lock:
            self.running.pop(job_id, None)

    def stop_all(self, reason: str) -> None:
        with self._lock:
            self.closing = self.closing or reason == "shutdown"
            for running in self.running.values():
                running.stop(reason)

    def hand_back(self, running: Running) -> None:
        """A job stopped by its worker's shutdown goes back to the queue at once for another worker."""
        with self.db.atomic():
            if self.ledger.release(running.job_id, running.token):
                self.enqueue(running.job_id, running.kind)

    def reconnect_if_closed(self) -> None:
        """Replace this thread's connection when the server closed it (a restart, an idle timeout): the statement
        that found out failed, the next beat gets a new connection."""
        if not self.db.is_connection_usable():
            self.db.close()
            self.db.connect(reuse_if_open=True)

    def beat(self) -> None:
        """Renew the leases of this process's jobs and store their progress; stop those no longer ours or
        whose cancel was asked."""
        with self._lock:
            mine = list(self.running.values())
        for running in mine:
            ours, cancel, pause = self.ledger.renew(running.job_id, running.token, self.lease, running.beat)
            if not ours:
                log.warning("job %d was given to another worker (this one missed its lease): stopping it",
                            running.job_id)
                running.stop("lost")
            elif cancel:
                running.stop("user")
            elif pause and not running.cancel.paused:
                running.cancel.pause()  # the job holds in ctx.cancel.check(); this thread keeps renewing its lease
            elif not pause and running.cancel.paused:
                running.cancel.resume()

    def reclaim_expired(self) -> list[int]:
        """Jobs whose worker stopped renewing go back to the queue after the retry delay; their ids."""
        requeued = []
        for job in self.ledger.expired():
            with self.db.atomic():
                state = self.ledger.reclaim(job, MAX_ATTEMPTS)
                if state == "queued":
                    self.enqueue(job.id, job.kind, self.retry_delay)
            if state:
                log.warning("job %d: worker %s stopped answering; %s", job.id, job.worker,
                            "queued again" if state == "queued" else "failed")
                requeued.append(job.id)
        return requeued

    def requeue_orphans(self, min_age: float = 60.0) -> list[int]:
        """Queued jobs with no message (a worker died between taking the message and claiming the job: a
        millisecond window) get a new one. A duplicate message is harmless: only one claim succeeds."""
        carried: set[int] = set()
        for huey in self.hueys.values():
            for task in [*huey.pending(), *huey.scheduled()]:
                if task.args:
                    carried.add(task.args[0])
        orphans = []
        for job_id, kind in self.ledger.queued(min_age):
            if job_id not in carried:
                self.enqueue(job_id, kind)
                orphans.append(job_id)
        return orphans

    def close(self) -> None:
        if self._catalog is not None and self._own_catalog:
            self._catalog.close()
        for huey in self.hueys.values():
            huey.storage.close()
        self.db.close()


__all__ = ["KIND_LANE", "LANES", "Farm", "Running"]
