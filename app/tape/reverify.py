"""Re-verification of cataloged tapes: when a tape is due. Shared by the CLI and the Tape panel so both count the
same interval (VerifyTapeJob records each pass in the catalog)."""

from __future__ import annotations

import time
from typing import Any

# A tape is read back in full this long after its last clean pass: tapes on a shelf decay quietly, and a yearly
# pass finds a bad cartridge while its other copy can still be read.
DEFAULT_REVERIFY_DAYS = 365.0


def due_tapes(tapes: list[dict[str, Any]], now: float | None = None) -> list[dict[str, Any]]:
    """The tapes of catalog.tapes.all(days) whose due_at has passed, the longest overdue first."""
    now = time.time() if now is None else now
    due = [t for t in tapes if t.get("due_at") is not None and t["due_at"] <= now]
    return sorted(due, key=lambda t: (t["due_at"], t["barcode"]))
