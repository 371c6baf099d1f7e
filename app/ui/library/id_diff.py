"""Turning one ordered id list into another with row removals and insertions, so views keep selection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class IdDiff:
    """Removal runs are (first, last) rows of the old list; insertion runs are rows of the new list."""

    removed: list[tuple[int, int]]
    inserted: list[tuple[int, int]]


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


def diff_ids(old: Sequence[int], new: Sequence[int]) -> IdDiff | None:
    """Runs that turn old into new, or None when the ids that stay changed their order (a re-sort)."""
    new_set = set(new)
    old_set = set(old)
    kept_old = [i for i in old if i in new_set]
    kept_new = [i for i in new if i in old_set]
    if kept_old != kept_new:
        return None
    removed = [row for row, media_id in enumerate(old) if media_id not in new_set]
    inserted = [row for row, media_id in enumerate(new) if media_id not in old_set]
    return IdDiff(_runs(removed), _runs(inserted))
