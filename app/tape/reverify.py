"""Re-verification of cataloged tapes: when a tape is due, and a verify pass as a catalog record. Shared by the CLI
and the Tape panel so both count the same interval."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.catalog.catalog import Catalog

# A tape is read back in full this long after its last clean pass: tapes on a shelf decay quietly, and a yearly
# pass finds a bad cartridge while its other copy can still be read.
DEFAULT_REVERIFY_DAYS = 365.0


def due_tapes(tapes: list[dict[str, Any]], now: float | None = None) -> list[dict[str, Any]]:
    """The tapes of catalog.tapes.all(days) whose due_at has passed, the longest overdue first."""
    now = time.time() if now is None else now
    due = [t for t in tapes if t.get("due_at") is not None and t["due_at"] <= now]
    return sorted(due, key=lambda t: (t["due_at"], t["barcode"]))


def record_pass(catalog: Catalog, tape_id: int, started_at: float, index_generation: int, files: int, size: int,
                problems: list[tuple[str, str]], complete: bool = True) -> None:
    """A verify pass in the catalog: its counts, and the damaged files (path, what is wrong) as the report."""
    report = json.dumps({"damaged": [[path, why] for path, why in problems]}, ensure_ascii=False) if problems else None
    catalog.tapes.record_verification(tape_id, started_at, index_generation, files, size, len(problems), complete,
                                      report)
