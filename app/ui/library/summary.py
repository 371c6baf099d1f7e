"""Totals over a selection of files, read in the catalog lane when the selection is large."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.catalog.catalog import Catalog
from app.core.job import JobContext

_CHUNK = 2000


@dataclass
class SelectionTotals:
    """What a selection adds up to."""
    count: int = 0
    size: int = 0
    duration: float = 0.0
    kinds: Counter = field(default_factory=Counter)
    missing: int = 0
    errors: int = 0

    def add(self, rows: Sequence[dict]) -> None:
        """Count rows in."""
        for row in rows:
            self.count += 1
            self.size += row["size"] or 0
            self.duration += row["duration"] or 0.0
            self.kinds[row["kind"]] += 1
            self.missing += row["status"] == "missing"
            self.errors += row["status"] == "error"


def selection_totals(catalog: Catalog, ids: Sequence[int], ctx: JobContext | None = None) -> SelectionTotals:
    """Sum up ids in chunks, polling the cancel token between them."""
    totals = SelectionTotals()
    for start in range(0, len(ids), _CHUNK):
        if ctx is not None:
            ctx.cancel.check()
        totals.add(catalog.rows(ids[start : start + _CHUNK]))
    return totals


class SelectionTotalsJob:
    """Size, duration and kinds of many selected files (no Qt; runs on a lane thread)."""

    lane = "catalog"
    title = "Sum up selection"
    visible = False

    def __init__(self, catalog: Catalog, ids: Sequence[int]) -> None:
        self.catalog = catalog
        self.ids = list(ids)

    def plan(self) -> list[int]:
        """The ids to sum up."""
        return self.ids

    def run(self, plan: list[int], ctx: JobContext) -> SelectionTotals:
        """Read the rows in chunks and add them up."""
        return selection_totals(self.catalog, plan, ctx)
