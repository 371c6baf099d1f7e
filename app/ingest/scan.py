"""Scanning library roots in two phases: discovery (rows appear at once) then probing (details fill in)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from app.catalog.catalog import Catalog
from app.catalog.models import MISSING
from app.catalog.moves import MoveMatcher
from app.core.facts import FileState
from app.core.job import JobContext
from app.core.progress import CancelToken, ProgressMeter, ProgressSink
from app.ingest.audio_streams import read_unread_audio
from app.ingest.discover import WalkReport, walk
from app.ingest.probing import probe_many

DISCOVERY_BATCH = 1000

# Called with the ids that appeared or changed, so views can show them before the scan ends.
ChangeSink = Callable[[list[int]], None]


@dataclass(frozen=True)
class ScanPlan:
    """Which roots to walk (id, path); an empty tuple with probe_only re-probes pending rows."""

    roots: tuple[tuple[int, str], ...]
    workers: int | None = None


@dataclass
class ScanResult:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    missing: int = 0
    moved: int = 0
    probed: int = 0
    errors: int = 0
    messages: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.new} new", f"{self.changed} changed", f"{self.unchanged} unchanged",
                 f"{self.missing} missing", f"{self.moved} moved", f"{self.errors} with errors"]
        return ", ".join(parts)


def plan_scan(catalog: Catalog, root_ids: Sequence[int] | None = None, workers: int | None = None) -> ScanPlan:
    """Every root, or the given ones."""
    roots = catalog.roots()
    if root_ids is not None:
        wanted = set(root_ids)
        roots = [r for r in roots if r[0] in wanted]
    return ScanPlan(tuple(roots), workers)


def run_scan(
    catalog: Catalog,
    plan: ScanPlan,
    progress: ProgressSink | None = None,
    cancel: CancelToken | None = None,
    on_change: ChangeSink | None = None,
) -> ScanResult:
    """Walk, record, probe. Cancelling keeps what was recorded; unprobed rows stay 'pending' for next time."""
    result = ScanResult()
    meter = ProgressMeter(progress, unit="files")
    for root_id, root_path in plan.roots:
        meter.note(f"Looking for files in {root_path}")
        _discover_root(catalog, root_id, root_path, result, meter, cancel, on_change)
        catalog.mark_root_scanned(root_id)
    pending = []
    for root_id, _ in plan.roots:
        pending.extend(catalog.pending_ids(root_id))
    _probe(catalog, pending, result, meter, cancel, on_change, plan.workers)
    read_unread_audio(catalog, [root_id for root_id, _ in plan.roots], cancel, on_change, progress)
    return result


def _discover_root(
    catalog: Catalog, root_id: int, root_path: str, result: ScanResult, meter: ProgressMeter,
    cancel: CancelToken | None, on_change: ChangeSink | None,
) -> None:
    known = catalog.known_files(root_id)
    report = WalkReport()
    seen: set[bytes] = set()
    new: list[FileState] = []
    changed: list[tuple[int, FileState]] = []

    def flush() -> None:
        if new:
            ids = catalog.add_discovered(root_id, new)
            result.new += len(new)
            new.clear()
            if on_change:
                on_change(ids)
        if changed:
            catalog.mark_changed(changed)
            result.changed += len(changed)
            if on_change:
                on_change([media_id for media_id, _ in changed])
            changed.clear()

    for state in walk(root_path, cancel, report):
        seen.add(state.raw_path)
        record = known.get(state.raw_path)
        if record is None:
            new.append(state)
        else:
            media_id, size, mtime, status = record
            if size != state.size or mtime != state.mtime or status == MISSING:
                changed.append((media_id, state))
            else:
                result.unchanged += 1
        if len(new) + len(changed) >= DISCOVERY_BATCH:
            flush()
        meter.advance(0, f"Found {len(seen)} files in {root_path}")
    flush()
    gone = [
        record[0] for raw, record in known.items()
        if raw not in seen and record[3] != MISSING and not report.covers(raw)
    ]
    if gone:
        catalog.mark_missing(gone)
        result.missing += len(gone)
        if on_change:
            on_change(gone)
    catalog.mark_root_seen(root_id)
    result.messages.extend(report.messages)


def _probe(
    catalog: Catalog, ids: list[int], result: ScanResult, meter: ProgressMeter,
    cancel: CancelToken | None, on_change: ChangeSink | None, workers: int | None,
) -> None:
    if not ids:
        meter.set_total(0)
        return
    paths = catalog.raw_paths(ids)
    items = [(media_id, paths[media_id]) for media_id in ids if media_id in paths]
    meter.set_total(len(items))
    meter.note(f"Reading details of {len(items)} files")
    moves = MoveMatcher()  # one for the whole scan: the folder mapping of one batch guides the next
    for batch in probe_many(items, cancel, workers):
        surviving = catalog.apply_probes(batch, moves)
        result.probed += len(batch)
        result.errors += sum(1 for o in batch if o.facts is None)
        result.moved += sum(1 for o, kept in zip(batch, surviving, strict=True) if o.media_id != kept)
        if on_change:
            on_change(surviving)
        meter.advance(len(batch), f"Read {result.probed} of {len(items)}: {os.path.basename(os.fsdecode(items[min(result.probed, len(items)) - 1][1]))}")
    meter.finish()


class ScanJob:
    """Scan the given roots (all roots when None). Emits lists of ids that appeared or changed."""

    lane = "scan"

    def __init__(self, catalog: Catalog, root_ids: Sequence[int] | None = None, workers: int | None = None) -> None:
        self.catalog = catalog
        self.root_ids = None if root_ids is None else tuple(root_ids)
        self.workers = workers
        self.title = "Scan library" if root_ids is None else f"Scan {len(self.root_ids)} folder(s)"

    def plan(self) -> ScanPlan:
        return plan_scan(self.catalog, self.root_ids, self.workers)

    def run(self, plan: ScanPlan, ctx: JobContext) -> ScanResult:
        return run_scan(self.catalog, plan, ctx.progress, ctx.cancel, ctx.emit)
