"""JobRunner: named lanes, each a queue served by N QThreads; state lives on the GUI thread.

Workers never touch widgets: they report through queued signals into the runner, which owns every
JobRecord and emits *_changed signals for views.

A group is one visible record standing for a stream of small housekeeping jobs (thumbnail batches): its
owner opens it, reports progress and closes it; jobs submitted into it share its cancel token, so Pause
and Cancel in the Jobs panel reach the job in flight.
"""

from __future__ import annotations

import itertools
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.core.job import Err, Job, JobContext, Outcome, execute
from app.core.progress import CancelToken, ProgressUpdate

DEFAULT_LANES = {"scan": 1, "catalog": 1, "proxy": 1, "extract": 1, "thumbs": 1, "preview": 1, "scrub": 1, "tape": 1,
                 "archive": 1, "offload": 1}

QUEUED, RUNNING, PAUSED, DONE, FAILED, CANCELLED = "queued", "running", "paused", "done", "failed", "cancelled"
FINAL_STATES = (DONE, FAILED, CANCELLED)


@dataclass
class JobRecord:
    id: int
    title: str
    lane: str
    state: str = QUEUED
    progress: ProgressUpdate | None = None
    outcome: Outcome | None = None
    submitted_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    token: CancelToken = field(default_factory=CancelToken, repr=False)
    visible: bool = True  # housekeeping jobs (watcher batches) stay out of the Jobs dock

    @property
    def finished(self) -> bool:
        return self.state in FINAL_STATES


@dataclass
class _Ticket:
    record_id: int
    job: Job
    token: CancelToken


class _LaneWorker(QThread):
    """Takes tickets from its lane's queue until it receives None."""

    started_job = Signal(int)
    progressed = Signal(int, object)
    emitted = Signal(int, object)
    finished_job = Signal(int, object)

    def __init__(self, lane: str, tickets: queue.Queue) -> None:
        super().__init__()
        self.setObjectName(f"reelkeep-{lane}")
        self._tickets = tickets

    def run(self) -> None:
        while True:
            ticket = self._tickets.get()
            if ticket is None:
                return
            if ticket.token.cancelled:
                self.finished_job.emit(ticket.record_id, Err("cancelled before it started", cancelled=True))
                continue
            self.started_job.emit(ticket.record_id)
            record_id = ticket.record_id
            ctx = JobContext(
                progress=lambda update, rid=record_id: self.progressed.emit(rid, update),
                cancel=ticket.token,
                emit=lambda payload, rid=record_id: self.emitted.emit(rid, payload),
            )
            self.finished_job.emit(record_id, execute(ticket.job, ctx))


class JobRunner(QObject):
    """Submit jobs to lanes; observe them through job_added / job_changed / job_finished."""

    job_added = Signal(int)
    job_changed = Signal(int)
    job_finished = Signal(int)
    job_removed = Signal(int)  # a finished record was dropped by forget()

    def __init__(self, lanes: dict[str, int] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._records: dict[int, JobRecord] = {}
        self._callbacks: dict[int, tuple[Callable | None, Callable | None]] = {}
        self._queues: dict[str, queue.Queue] = {}
        self._workers: list[_LaneWorker] = []
        self._groups: set[int] = set()
        for lane, threads in (lanes or DEFAULT_LANES).items():
            tickets: queue.Queue = queue.Queue()
            self._queues[lane] = tickets
            for _ in range(threads):
                worker = _LaneWorker(lane, tickets)
                worker.started_job.connect(self._on_started)
                worker.progressed.connect(self._on_progress)
                worker.emitted.connect(self._on_emitted)
                worker.finished_job.connect(self._on_finished)
                worker.start()
                self._workers.append(worker)

    def submit(
        self,
        job: Job,
        on_done: Callable[[Outcome], None] | None = None,
        on_event: Callable[[Any], None] | None = None,
        group: int | None = None,
    ) -> int:
        """Queue a job on its lane. on_done and on_event are called on the GUI thread. A job in a group
        (see open_group) is paused and cancelled with it."""
        lane = job.lane if job.lane in self._queues else "catalog"
        record = JobRecord(next(self._ids), job.title, lane, visible=getattr(job, "visible", True))
        if group is not None:
            record.token = self._records[group].token
        self._records[record.id] = record
        self._callbacks[record.id] = (on_done, on_event)
        self.job_added.emit(record.id)  # before a worker can take it: a pause pressed as it appears holds
        self._queues[lane].put(_Ticket(record.id, job, record.token))
        return record.id

    def open_group(self, title: str, lane: str) -> int:
        """A visible, running record for jobs submitted with group=its id; its owner updates and closes it."""
        record = JobRecord(next(self._ids), title, lane, state=RUNNING, started_at=time.time())
        self._records[record.id] = record
        self._groups.add(record.id)
        self.job_added.emit(record.id)
        return record.id

    def update_group(self, job_id: int, update: ProgressUpdate) -> None:
        """The group's progress, as its owner counts it."""
        record = self._records.get(job_id)
        if record is not None and not record.finished:
            record.progress = update
            self.job_changed.emit(job_id)

    def close_group(self, job_id: int, outcome: Outcome) -> None:
        """The group ends (done, failed or cancelled, as outcome says); it stays in the history."""
        self._groups.discard(job_id)
        record = self._records.get(job_id)
        if record is not None and not record.finished:
            self._on_finished(job_id, outcome)

    def record(self, job_id: int) -> JobRecord:
        return self._records[job_id]

    def records(self) -> list[JobRecord]:
        return list(self._records.values())

    def active(self) -> list[JobRecord]:
        return [r for r in self._records.values() if not r.finished]

    def cancel(self, job_id: int) -> None:
        record = self._records[job_id]
        if not record.finished:
            record.token.cancel()

    def pause(self, job_id: int) -> None:
        """Pause a running job at its next check, or a queued one before it does any work (it then starts
        paused, holding its lane's thread: a drive waits rather than letting the next tape job in)."""
        record = self._records[job_id]
        if record.state in (RUNNING, QUEUED):
            record.token.pause()
            record.state = PAUSED
            self.job_changed.emit(job_id)

    def resume(self, job_id: int) -> None:
        record = self._records[job_id]
        if record.state == PAUSED:
            record.token.resume()
            record.state = RUNNING if record.started_at is not None else QUEUED
            self.job_changed.emit(job_id)

    def forget(self, job_id: int) -> None:
        """Drop one finished record (a group's last run, replaced by the next one)."""
        record = self._records.get(job_id)
        if record is not None and record.finished:
            del self._records[job_id]
            self.job_removed.emit(job_id)

    def clear_finished(self) -> None:
        for job_id in [r.id for r in self._records.values() if r.finished]:
            del self._records[job_id]

    def shutdown(self, timeout_ms: int = 30000) -> None:
        """Cancel everything and join every thread (no thread outlives the runner)."""
        for record in self._records.values():
            record.token.cancel()
        for tickets in self._queues.values():
            for _ in range(sum(1 for w in self._workers if w._tickets is tickets)):
                tickets.put(None)
        for worker in self._workers:
            worker.wait(timeout_ms)
        self._workers.clear()

    @Slot(int)
    def _on_started(self, job_id: int) -> None:
        record = self._records.get(job_id)
        if record:
            record.state = PAUSED if record.token.paused and not record.token.cancelled else RUNNING
            record.started_at = time.time()
            self.job_changed.emit(job_id)

    @Slot(int, object)
    def _on_progress(self, job_id: int, update: ProgressUpdate) -> None:
        record = self._records.get(job_id)
        if record and not record.finished:
            record.progress = update
            self.job_changed.emit(job_id)

    @Slot(int, object)
    def _on_emitted(self, job_id: int, payload: Any) -> None:
        _, on_event = self._callbacks.get(job_id, (None, None))
        if on_event is not None:
            on_event(payload)

    @Slot(int, object)
    def _on_finished(self, job_id: int, outcome: Outcome) -> None:
        record = self._records.get(job_id)
        if record is None:
            return
        record.outcome = outcome
        record.finished_at = time.time()
        if outcome.ok:
            record.state = DONE
        else:
            record.state = CANCELLED if outcome.cancelled else FAILED
        on_done, _ = self._callbacks.pop(job_id, (None, None))
        self.job_changed.emit(job_id)
        self.job_finished.emit(job_id)
        if on_done is not None:
            on_done(outcome)
        if not record.visible:
            # housekeeping jobs (thumbnail batches, poster loads) run by the thousand: keep no history
            self._records.pop(job_id, None)
