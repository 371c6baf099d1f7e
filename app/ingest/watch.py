"""Live watching: a watchdog observer over the library roots, and turning its events into catalog changes.

The observer calls back on its own thread; the owner (WatchService) marshals events to its thread and
hands batches to a job that runs apply_changes().
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from app.catalog.catalog import Catalog
from app.core.facts import FileState
from app.core.job import JobContext
from app.core.kinds import kind_for_name
from app.ingest.discover import file_state, walk
from app.ingest.probing import probe_many


@dataclass(frozen=True)
class FsEvent:
    kind: str  # created | modified | deleted | moved
    path: bytes
    dest: bytes | None = None
    is_directory: bool = False


def _raw(value: str | bytes) -> bytes:
    return os.fsencode(value)


class _Handler(FileSystemEventHandler):
    def __init__(self, sink: Callable[[FsEvent], None]) -> None:
        self.sink = sink

    def on_any_event(self, event: FileSystemEvent) -> None:
        kind = event.event_type
        if kind in ("created", "modified", "deleted", "moved", "closed"):
            dest = _raw(event.dest_path) if kind == "moved" and event.dest_path else None
            self.sink(FsEvent("modified" if kind == "closed" else kind, _raw(event.src_path), dest, event.is_directory))


class RootWatcher:
    """Recursive watches on folders; events go to sink on watchdog's thread."""

    def __init__(self, sink: Callable[[FsEvent], None]) -> None:
        self._handler = _Handler(sink)
        self._observer = Observer()
        self._watches: dict[str, object] = {}
        self._observer.start()

    def watch(self, folder: str) -> bool:
        if folder in self._watches:
            return True
        try:
            self._watches[folder] = self._observer.schedule(self._handler, folder, recursive=True)
        except OSError:
            return False  # gone or unreadable; the next scan reports it
        return True

    def unwatch(self, folder: str) -> None:
        watch = self._watches.pop(folder, None)
        if watch is not None:
            self._observer.unschedule(watch)

    def folders(self) -> list[str]:
        return list(self._watches)

    def stop(self) -> None:
        self._observer.stop()
        self._observer.join(timeout=5)


@dataclass
class PendingChanges:
    """Events gathered between two settle checks. Created/modified paths wait until their size is stable."""

    touched: dict[bytes, tuple[int, float] | None] = field(default_factory=dict)  # path -> last stat seen
    deleted: set[bytes] = field(default_factory=set)
    moves: list[tuple[bytes, bytes]] = field(default_factory=list)
    folders: set[bytes] = field(default_factory=set)  # folders that appeared: walk them once settled

    def add(self, event: FsEvent) -> None:
        if event.kind == "moved" and event.dest is not None:
            self.moves.append((event.path, event.dest))
            self.touched.pop(event.path, None)
        elif event.kind == "deleted":
            self.deleted.add(event.path)
            self.touched.pop(event.path, None)
        elif event.is_directory:
            if event.kind == "created":
                self.folders.add(event.path)
        elif kind_for_name(event.path) is not None:
            self.deleted.discard(event.path)
            self.touched.setdefault(event.path, None)

    def __bool__(self) -> bool:
        return bool(self.touched or self.deleted or self.moves or self.folders)


@dataclass(frozen=True)
class ChangesResult:
    changed_ids: list[int]
    still_settling: dict[bytes, tuple[int, float] | None]


def apply_changes(catalog: Catalog, pending: PendingChanges, ctx: JobContext | None = None) -> ChangesResult:
    """Apply moves and deletions at once; add or re-probe touched files whose size held still since the last check."""
    changed: list[int] = []
    for src, dst in pending.moves:
        changed.extend(_apply_move(catalog, src, dst, pending))
    for raw in pending.deleted:
        changed.extend(_mark_gone(catalog, raw))
    for folder in pending.folders:
        for state in walk(folder):
            pending.touched.setdefault(state.raw_path, None)
    settled: list[FileState] = []
    unsettled: dict[bytes, tuple[int, float] | None] = {}
    for raw, previous in pending.touched.items():
        state = file_state(raw)
        if state is None:
            continue
        current = (state.size, state.mtime)
        if state.error or (previous == current and state.size > 0):
            settled.append(state)
        else:
            unsettled[raw] = current  # still growing (or empty: a copy that has not started writing)
    changed.extend(_record_and_probe(catalog, settled, ctx))
    return ChangesResult(sorted(set(changed)), unsettled)


def _apply_move(catalog: Catalog, src: bytes, dst: bytes, pending: PendingChanges) -> list[int]:
    if catalog.id_for_path(src) is None and not os.path.isdir(dst):
        if kind_for_name(dst) is not None:
            pending.touched.setdefault(dst, None)  # e.g. "clip.mov.part" renamed to "clip.mov"
        return []
    if os.path.isdir(dst):
        return catalog.move_prefix(src, dst)
    if kind_for_name(dst) is None:
        return _mark_gone(catalog, src)
    moved = catalog.move_path(src, dst)
    return [moved] if moved is not None else []


def _mark_gone(catalog: Catalog, raw: bytes) -> list[int]:
    ids = catalog.ids_under(raw)
    catalog.mark_missing(ids)
    return ids


def _record_and_probe(catalog: Catalog, states: list[FileState], ctx: JobContext | None) -> list[int]:
    if not states:
        return []
    ids = []
    for state in states:
        known = catalog.file_facts(state.raw_path)
        if known is None:
            ids.extend(catalog.add_discovered(catalog.root_for(os.fsdecode(state.raw_path)), [state]))
        elif known[3] == "ok" and not state.error and known[1] == state.size and abs(known[2] - state.mtime) < 1e-6:
            continue  # already cataloged as it is (a rename the catalog followed, a touch that changed nothing)
        else:
            catalog.mark_changed([(known[0], state)])
            ids.append(known[0])
    paths = catalog.raw_paths(ids)
    items = [(i, paths[i]) for i in ids if i in paths and not _has_error(states, paths[i])]
    surviving = list(ids)
    cancel = ctx.cancel if ctx else None
    for batch in probe_many(items, cancel, workers=1):
        kept = catalog.apply_probes(batch)
        surviving.extend(kept)
    return surviving


def _has_error(states: list[FileState], raw: bytes) -> bool:
    return any(s.raw_path == raw and s.error for s in states)


class FsChangesJob:
    """Apply one batch of watcher events to the catalog (catalog lane)."""

    lane = "catalog"
    title = "Apply folder changes"
    visible = False

    def __init__(self, catalog: Catalog, pending: PendingChanges) -> None:
        self.catalog = catalog
        self.pending = pending

    def plan(self) -> PendingChanges:
        return self.pending

    def run(self, plan: PendingChanges, ctx: JobContext) -> ChangesResult:
        return apply_changes(self.catalog, plan, ctx)
