"""Adding single files (not whole folders) to the library, e.g. from a drop or `reelkeep FILE`."""

from __future__ import annotations

import os
from collections.abc import Sequence

from app.catalog.catalog import Catalog
from app.core.errors import ReelkeepError
from app.core.job import JobContext
from app.core.kinds import kind_for_name
from app.core.regular_file import special_file_message
from app.ingest.discover import file_state
from app.ingest.probing import probe_many


def add_files(catalog: Catalog, paths: Sequence[str | bytes], ctx: JobContext | None = None) -> list[int]:
    """Catalog and probe each file (under its root when it lies in one). Returns the ids."""
    states = []
    for path in paths:
        raw = os.fsencode(os.path.abspath(os.fsdecode(path)))
        state = file_state(raw)
        if state is None:
            raise ReelkeepError(f"{os.fsdecode(path)}: {_not_taken(raw)}")
        states.append(state)
    ids = []
    for state in states:
        ids.extend(catalog.add_discovered(catalog.root_for(os.fsdecode(state.raw_path)), [state]))
    paths_by_id = catalog.raw_paths(ids)
    items = [(i, paths_by_id[i]) for i, s in zip(ids, states, strict=True) if not s.error]
    kept = []
    for batch in probe_many(items, ctx.cancel if ctx else None, workers=1):
        kept.extend(catalog.apply_probes(batch))
    return kept or ids


def _not_taken(raw: bytes) -> str:
    """Why file_state() passed over a path: a FIFO or device named like media, a folder, or no media name."""
    try:
        special = special_file_message(raw, os.stat(raw).st_mode)
    except OSError:
        special = None
    if special and kind_for_name(raw) is not None:
        return special
    return "not a media file Reelkeep knows (or not found)"


class AddFilesJob:
    lane = "scan"

    def __init__(self, catalog: Catalog, paths: Sequence[str | bytes]) -> None:
        self.catalog = catalog
        self.paths = list(paths)
        self.title = f"Add {len(self.paths)} file(s)"

    def plan(self) -> list[str | bytes]:
        return self.paths

    def run(self, plan: list[str | bytes], ctx: JobContext) -> list[int]:
        return add_files(self.catalog, plan, ctx)
