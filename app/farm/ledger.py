"""The job ledger: every state change of a farm job is one conditional UPDATE, so each job ends exactly once.

Huey delivers messages at most once (a worker deletes the message as it takes it), and a message may also be
delivered twice (a reclaimed job whose first worker was only slow). The ledger is what makes that safe:
- claim: queued -> running only for the first taker; it gets a token (the claim's id) and a lease;
- renew: the holder of the token pushes its lease forward and writes its progress every beat;
- finish: running -> done/failed/cancelled only with the current token, exactly once;
- reclaim: a running job whose lease is past (its worker died or lost the database) goes back to queued.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from peewee import Database, fn

from app.farm.store import db_now, job_model

ENDED = ("done", "failed", "cancelled")


@dataclass(frozen=True)
class NewJob:
    lane: str
    kind: str
    args: dict[str, Any]
    title: str


@dataclass(frozen=True)
class Expired:
    id: int
    lane: str
    kind: str
    token: str
    attempts: int
    worker: str


@dataclass(frozen=True)
class Beat:
    """What a running job reports at each beat."""

    done: int = 0
    total: int | None = None
    unit: str = ""
    rate: float = 0.0
    message: str = ""


class Ledger:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.Job = job_model(db)

    def add(self, jobs: Sequence[NewJob], batch: str | None = None) -> tuple[str, list[int]]:
        """Insert queued jobs (in the caller's transaction); (batch, ids)."""
        batch = batch or uuid.uuid4().hex[:12]
        ids = []
        for job in jobs:
            ids.append(self.Job.insert(batch=batch, lane=job.lane, kind=job.kind, args=json.dumps(job.args),
                                       title=job.title, created=db_now(self.db)).execute())
        return batch, ids

    def args(self, job_id: int) -> tuple[str, dict[str, Any]] | None:
        row = self.Job.select(self.Job.kind, self.Job.args).where(self.Job.id == job_id).first()
        return (row.kind, json.loads(row.args)) if row else None

    def claim(self, job_id: int, worker: str, lease: float) -> str | None:
        """queued -> running for this worker; its token, or None (ended, cancelled or running elsewhere)."""
        token = uuid.uuid4().hex
        now = db_now(self.db)
        J = self.Job
        taken = (J.update(state="running", worker=worker, token=token, lease_until=now + lease,
                          attempts=J.attempts + 1, started=now, done=0, message="")
                 .where((J.id == job_id) & (J.state == "queued") & (J.cancel == 0)).execute())
        return token if taken == 1 else None

    def renew(self, job_id: int, token: str, lease: float, beat: Beat) -> tuple[bool, bool, bool]:
        """Push the lease forward and store progress; (still ours, cancel asked, pause asked)."""
        J = self.Job
        mine = (J.update(lease_until=db_now(self.db) + lease, done=beat.done, total=beat.total, unit=beat.unit,
                         rate=beat.rate, message=beat.message[:500])
                .where((J.id == job_id) & (J.token == token) & (J.state == "running")).execute())
        if mine != 1:
            return False, False, False
        cancel, pause = J.select(J.cancel, J.pause).where(J.id == job_id).tuples().get()
        return True, bool(cancel), bool(pause)

    def finish(self, job_id: int, token: str, state: str, result: Any = None, error: str | None = None) -> bool:
        """running -> an end state, only by the claim's holder; False when the claim was lost meanwhile."""
        assert state in ENDED
        J = self.Job
        ended = (J.update(state=state, result=json.dumps(result) if result is not None else None, error=error,
                          finished=db_now(self.db), lease_until=None)
                 .where((J.id == job_id) & (J.token == token) & (J.state == "running")).execute())
        return ended == 1

    def release(self, job_id: int, token: str) -> bool:
        """running -> queued (a worker stopping cleanly hands the job back; its attempt does not count)."""
        J = self.Job
        back = (J.update(state="queued", worker=None, token=None, lease_until=None, attempts=J.attempts - 1)
                .where((J.id == job_id) & (J.token == token) & (J.state == "running")).execute())
        return back == 1

    def expired(self) -> list[Expired]:
        J = self.Job
        rows = (J.select(J.id, J.lane, J.kind, J.token, J.attempts, J.worker)
                .where((J.state == "running") & (J.lease_until < db_now(self.db))))
        return [Expired(r.id, r.lane, r.kind, r.token, r.attempts, r.worker or "") for r in rows]

    def reclaim(self, job: Expired, max_attempts: int) -> str | None:
        """An expired claim back to queued (or failed after max_attempts); the new state, or None when another
        worker reclaimed it first or its holder renewed meanwhile."""
        J = self.Job
        if job.attempts >= max_attempts:
            state, error = "failed", f"its worker stopped answering {job.attempts} times (last {job.worker})"
            changes = {"state": state, "error": error, "finished": db_now(self.db)}
        else:
            state = "queued"
            changes = {"state": state, "message": f"retried: {job.worker} stopped answering"}
        changed = (J.update(worker=None, token=None, lease_until=None, **changes)
                   .where((J.id == job.id) & (J.token == job.token) & (J.state == "running")
                          & (J.lease_until < db_now(self.db))).execute())
        return state if changed == 1 else None

    def queued(self, min_age: float = 0.0) -> list[tuple[int, str]]:
        """(id, kind) of the jobs queued for at least min_age seconds (by the database's clock)."""
        J = self.Job
        return list(J.select(J.id, J.kind)
                    .where((J.state == "queued") & (J.created <= db_now(self.db) - min_age)).tuples())

    def request_cancel(self, ids: Iterable[int] | None = None, batch: str | None = None) -> int:
        """Cancel jobs: a queued one ends now, a running one is asked (its worker stops at the next chunk)."""
        J = self.Job
        where = J.id.in_(list(ids)) if ids is not None else (J.batch == batch)
        with self.db.atomic():
            ended = (J.update(state="cancelled", cancel=1, finished=db_now(self.db))
                     .where(where & (J.state == "queued")).execute())
            asked = J.update(cancel=1).where(where & (J.state == "running")).execute()
        return ended + asked

    def request_pause(self, ids: Iterable[int], pause: bool = True) -> int:
        """Hold (or let go on) jobs: a running one stops between chunks at its worker's next beat, keeping its lease
        and its partial output; a queued one holds once it starts."""
        J = self.Job
        return J.update(pause=int(pause)).where(J.id.in_(list(ids)) & J.state.not_in(ENDED)).execute()

    def jobs(self, batch: str | None = None, ids: Iterable[int] | None = None,
             states: Sequence[str] | None = None, limit: int = 0) -> list[dict[str, Any]]:
        """Rows as dicts, newest first, with `now` (the database's clock) for lease arithmetic."""
        J = self.Job
        query = J.select(J, db_now(self.db).alias("now")).order_by(J.id.desc())
        if batch is not None:
            query = query.where(J.batch == batch)
        if ids is not None:
            query = query.where(J.id.in_(list(ids)))
        if states:
            query = query.where(J.state.in_(list(states)))
        if limit:
            query = query.limit(limit)
        rows = []
        for row in query.dicts():
            row["args"] = json.loads(row["args"])
            row["result"] = json.loads(row["result"]) if row["result"] else None
            rows.append(row)
        return rows

    def counts(self, batch: str | None = None) -> dict[str, int]:
        J = self.Job
        query = J.select(J.state, fn.COUNT(J.id)).group_by(J.state)
        if batch is not None:
            query = query.where(J.batch == batch)
        return dict(query.tuples())


__all__ = ["ENDED", "Beat", "Expired", "Ledger", "NewJob"]
