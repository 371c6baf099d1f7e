"""What the GUI shows of the farm: a Qt-free poll job (catalog lane) reading the ledger and passing cancels on.

The queue is opened only once it exists (a farm.sqlite beside the catalog file, or a farm_job table in the
catalog's PostgreSQL database): opening the window never creates a queue nobody uses.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.core.job import JobContext
from app.farm.ledger import ENDED
from app.farm.store import open_queue_database, queue_location


@dataclass(frozen=True)
class FarmRow:
    """One farm job as the Jobs panel shows it."""

    id: int
    title: str
    lane: str
    state: str
    worker: str
    attempts: int
    done: int
    total: int | None
    unit: str
    rate: float
    message: str
    error: str

    @property
    def ended(self) -> bool:
        return self.state in ENDED


class FarmReader:
    """The ledger of a catalog's farm, opened on first use when the queue exists (one per GUI)."""

    def __init__(self, catalog: Path | str) -> None:
        self.location = queue_location(catalog)
        self.catalog = catalog
        self._farm = None
        self._lock = threading.Lock()

    def _exists(self) -> bool:
        if isinstance(self.location, Path):
            return self.location.is_file()
        db = open_queue_database(self.location)
        try:
            return db.table_exists("farm_job")
        finally:
            db.close()

    def farm(self):  # noqa: ANN201 - app.farm.farm.Farm, imported late (Huey) when a queue exists
        with self._lock:
            if self._farm is None and self._exists():
                from app.farm.farm import Farm

                self._farm = Farm(self.catalog)
            return self._farm

    def close(self) -> None:
        with self._lock:
            if self._farm is not None:
                self._farm.close()
                self._farm = None


class FarmPollJob:
    """Ask the cancels and pauses, then read the active jobs and those watched (so their end is seen); a list of FarmRow,
    or None while there is no queue."""

    lane = "catalog"
    visible = False
    title = "Farm jobs"

    def __init__(self, reader: FarmReader, watched: Sequence[int] = (), cancel: Sequence[int] = (),
                 pause: Iterable[int] = (), resume: Iterable[int] = ()) -> None:
        self.reader = reader
        self.watched = tuple(watched)
        self.to_cancel = tuple(cancel)
        self.to_pause, self.to_resume = tuple(pause), tuple(resume)

    def plan(self) -> None:
        return None

    def run(self, plan: None, ctx: JobContext) -> list[FarmRow] | None:
        farm = self.reader.farm()
        if farm is None:
            return None
        farm.reconnect_if_closed()  # after a server restart: one poll failed, this one reconnects
        if self.to_cancel:
            farm.ledger.request_cancel(self.to_cancel)
        if self.to_pause:
            farm.ledger.request_pause(self.to_pause)
        if self.to_resume:
            farm.ledger.request_pause(self.to_resume, pause=False)
        rows = {r["id"]: r for r in farm.ledger.jobs(states=["queued", "running"])}
        if self.watched:
            rows.update((r["id"], r) for r in farm.ledger.jobs(ids=self.watched))
        return [FarmRow(r["id"], r["title"], r["lane"], r["state"], r["worker"] or "", r["attempts"], r["done"],
                        r["total"], r["unit"], r["rate"] or 0.0, r["message"], r["error"] or "")
                for r in sorted(rows.values(), key=lambda r: r["id"])]


def host_of(worker: str) -> str:
    """'render2' of 'render2:4242'."""
    return worker.rsplit(":", 1)[0] if worker else ""


__all__ = ["FarmPollJob", "FarmReader", "FarmRow", "host_of"]
