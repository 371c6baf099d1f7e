"""FarmService: the farm's jobs (made by `reelkeep worker` processes, here or on other machines) in the Jobs panel.

Every second (every 10 s while the catalog has no queue) a FarmPollJob on the catalog lane reads the ledger; each
farm job is mirrored as a group record of the JobRunner (open_group / update_group / close_group): its title,
the machine running it and its progress, and its end. Cancel and Pause on such a record set the record's token,
which the next poll passes to the ledger as a request (the worker stops, or holds, at its next beat).

The window sends work to the farm through submit_*: a FarmSubmitJob on the catalog lane builds the jobs with the
same functions as `reelkeep farm …` (app/farm/submit.py) and queues them; the next poll shows them. Sending is
possible while a queue exists and answers (`available`; `reason` says why not, available_changed tells both).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from app.core.job import Err, Ok, Outcome
from app.core.progress import ProgressUpdate
from app.farm.ledger import NewJob
from app.farm.monitor import FarmPollJob, FarmReader, FarmRow, host_of
from app.farm.submit import (
    FarmSubmitJob,
    TitledExtract,
    extract_jobs,
    no_queue_reason,
    proxy_jobs,
    thumbs_jobs,
    verify_jobs,
)
from app.jobs.runner import JobRunner

if TYPE_CHECKING:
    from app.catalog.catalog import Catalog

POLL_MS = 1000
IDLE_POLL_MS = 10000  # no queue yet: look again now and then (a first `reelkeep farm proxies` creates it)


def row_progress(row: FarmRow) -> ProgressUpdate:
    """The record's progress: the machine in the message, fractions when the total is known."""
    where = f"on {host_of(row.worker)} ({row.worker})" if row.worker else "waiting for a worker"
    if row.state == "queued" and row.message:
        where = f"{where}; {row.message}"  # "retried: render2:4242 stopped answering"
    fraction = row.done / row.total if row.total else None
    eta = (row.total - row.done) / row.rate if row.total and row.rate > 0 else None
    return ProgressUpdate(fraction, row.done, row.total, row.unit or "frames", row.rate, eta, where)


def row_outcome(row: FarmRow) -> Outcome:
    if row.state == "done":
        return Ok(f"{row.title}: done on {host_of(row.worker)}")
    if row.state == "cancelled":
        return Err(f"{row.title}: cancelled", cancelled=True)
    return Err(f"{row.title}: {row.error or 'failed'}")


class FarmService(QObject):
    """Mirrors the farm's jobs into the JobRunner and sends the window's work to it; start() begins polling,
    shutdown() stops. connection is the window's Catalog (sending needs it to build jobs)."""

    available_changed = Signal(bool, str)  # can send to the farm; why not
    submitted = Signal(str)  # what a submission queued, for the status bar
    error_raised = Signal(str)

    def __init__(self, catalog: Path | str, runner: JobRunner, parent: QObject | None = None,
                 connection: Catalog | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.reader = FarmReader(catalog)
        self.connection = connection
        self.available = False
        self.reason = "Looking for the farm queue…"
        self.records: dict[int, int] = {}  # farm job id -> runner record id
        self._cancel_sent: set[int] = set()
        self._paused: set[int] = set()  # farm jobs whose pause the ledger has been asked for
        self._in_flight = False
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)

    def start(self) -> None:
        self._timer.start()
        self.poll()

    def poll(self) -> None:
        """Submit one poll (never two at once: a slow database must not pile them up)."""
        if self._in_flight:
            return
        cancel = [farm_id for farm_id, record_id in self.records.items()
                  if self.runner.record(record_id).token.cancelled and farm_id not in self._cancel_sent]
        self._cancel_sent.update(cancel)
        paused = {farm_id for farm_id, record_id in self.records.items()
                  if self.runner.record(record_id).token.paused}
        pause, resume = paused - self._paused, self._paused - paused
        self._paused = paused
        self._in_flight = True
        self._poll_record = self.runner.submit(FarmPollJob(self.reader, list(self.records), cancel, pause, resume),
                                               on_done=self._on_polled)

    def _on_polled(self, outcome: Outcome) -> None:
        self._in_flight = False
        self.runner.forget(self._poll_record)  # housekeeping: no history of polls
        rows = outcome.value if outcome.ok else None
        self._timer.setInterval(POLL_MS if rows is not None else IDLE_POLL_MS)
        if rows is not None:
            self._set_available(True, "")
        elif outcome.ok:
            self._set_available(False, no_queue_reason(self.reader.catalog))
        else:
            self._set_available(False, f"The farm queue does not answer: {outcome.message}")
        for row in rows or []:
            self._mirror(row)

    def _mirror(self, row: FarmRow) -> None:
        record_id = self.records.get(row.id)
        if record_id is None:
            if row.ended:
                return  # ended before this window saw it
            record_id = self.runner.open_group(f"{row.title} (farm)", row.lane)
            self.records[row.id] = record_id
        if row.ended:
            self.runner.close_group(record_id, row_outcome(row))
            del self.records[row.id]
            self._cancel_sent.discard(row.id)
            self._paused.discard(row.id)
        else:
            self.runner.update_group(record_id, row_progress(row))

    def _set_available(self, available: bool, reason: str) -> None:
        if (available, reason) != (self.available, self.reason):
            self.available, self.reason = available, reason
            self.available_changed.emit(available, reason)

    # ---- sending work to the farm
    def submit_proxies(self, ids: Sequence[int], presets: Sequence[str], codec: str = "prores") -> int | None:
        """Proxies of the videos among ids, made by the farm into this window's proxy folder; the job id."""
        from app.ingest.proxies import proxy_root

        root = proxy_root().resolve()
        ids = list(ids)
        return self._submit("Send proxies to the farm", lambda catalog: proxy_jobs(catalog, ids, presets, root, codec))

    def submit_thumbnails(self, ids: Sequence[int], regenerate: bool = False) -> int | None:
        """Thumbnails of ids, made by the farm into the cache this window reads; the job id."""
        from app.ingest.thumbs import cache_root

        cache, ids = cache_root().parent, list(ids)
        return self._submit("Send thumbnails to the farm", lambda catalog: thumbs_jobs(catalog, ids, regenerate, cache))

    def submit_verify(self, ids: Sequence[int]) -> int | None:
        """Verification of the recorded proxies of the videos among ids; the job id."""
        ids = list(ids)
        return self._submit("Send proxy verification to the farm", lambda catalog: verify_jobs(catalog, ids))

    def submit_extracts(self, build: Callable[[Catalog], Sequence[TitledExtract]]) -> int | None:
        """Extractions planned from the catalog on the catalog lane (build runs there); the job id."""
        return self._submit("Send extractions to the farm", lambda catalog: extract_jobs(catalog, build(catalog)))

    def _submit(self, title: str, build: Callable[[Catalog], list[NewJob]]) -> int | None:
        if self.connection is None or not self.available:
            self.error_raised.emit(f"Cannot send to the farm: {self.reason}" if self.connection is not None
                                   else "Cannot send to the farm: this window has no catalog connection for it")
            return None
        catalog = self.connection
        job = FarmSubmitJob(title, lambda: build(catalog), self.reader.farm, self.reason)
        return self.runner.submit(job, on_done=self._on_submitted)

    def _on_submitted(self, outcome: Outcome) -> None:
        if outcome.ok:
            self.submitted.emit(outcome.value.summary())
            self.poll()  # show the new jobs now, not at the next tick
        elif not outcome.cancelled:
            self.error_raised.emit(outcome.message)

    def shutdown(self) -> None:
        self._timer.stop()
        self.reader.close()


__all__ = ["FarmService", "row_outcome", "row_progress"]
