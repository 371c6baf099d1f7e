"""ThumbnailService: keeps posters, sprites and hover previews coming, visible files first.

Work goes to the JobRunner's 'thumbs' lane one small batch at a time, so ids a view scrolls to wait
for at most one batch. The batches of one run show in the Jobs panel as one entry ("Making thumbnails",
a JobGroup): pausing it pauses the batch in flight; cancelling it drops the queue (files a view shows
later are still made, in a new run). The GUI thread never stats the cache for ids in bulk: a batch job's plan reads
statuses and skips what is already done, and only the few ids a view shows are looked up here.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.catalog.catalog import Catalog
from app.core.errors import CatalogError
from app.core.job import JobContext, Outcome
from app.ingest.thumbs import (
    ThumbnailJob,
    ThumbnailPlan,
    is_done,
    plan_thumbnails,
    run_thumbnails,
    thumbnail_paths,
)
from app.jobs.group import JobGroup
from app.services.library import LibraryService

BATCH_SIZE = 8  # files made per job: the longest a newly visible file waits behind other work
CHUNK_SIZE = 64  # ids a job looks at to find its batch (most may be done already: a stat each)
PATHS_CACHE = 2048  # paths() entries kept; sprite infos hold up to 100 frame numbers each
_EMPTY: dict[str, Any] = {"poster": None, "sprite": None, "sprite_info": None, "preview": None}


@dataclass(frozen=True)
class BatchPlan:
    thumbs: ThumbnailPlan  # at most BATCH_SIZE items to make
    deferred: tuple[int, ...]  # eligible ids past this batch: back to the queue
    skipped: tuple[int, ...]  # not eligible now (still being read, missing, gone)


@dataclass(frozen=True)
class BatchReport:
    ready: tuple[int, ...]  # outputs exist now (made, already there, or nothing to make: audio without art)
    failed: tuple[int, ...]
    deferred: tuple[int, ...]
    skipped: tuple[int, ...]


class ThumbnailBatchJob:
    """ThumbnailJob's plan and run for one service batch: the first `budget` of media_ids that need work
    are made; the rest is reported back."""

    lane = ThumbnailJob.lane
    visible = False  # housekeeping: stays out of the Jobs dock

    def __init__(self, catalog: Catalog, media_ids: Sequence[int], explicit: Iterable[int] = (),
                 budget: int = BATCH_SIZE) -> None:
        self.catalog = catalog
        self.media_ids = tuple(media_ids)
        self.explicit = frozenset(explicit)  # asked for by a view or the player: files in error are tried once
        self.budget = budget
        self.title = f"Thumbnails for {len(self.media_ids)} file(s)"

    def plan(self) -> BatchPlan:
        status = {row["id"]: row["status"] for row in self.catalog.rows(self.media_ids)}
        eligible = [i for i in self.media_ids
                    if status.get(i) == "ok" or (i in self.explicit and status.get(i) == "error")]
        chosen = set(eligible)
        skipped = tuple(i for i in self.media_ids if i not in chosen)
        full = plan_thumbnails(self.catalog, eligible)
        if len(full.items) <= self.budget:
            return BatchPlan(full, (), skipped)
        # A duplicate counts as up to date only behind the item that makes its hash, so cutting the
        # id list at the first item over budget keeps every kept duplicate's maker in the batch.
        cut = eligible.index(full.items[self.budget].media_id)
        kept = set(eligible[:cut])
        thumbs = ThumbnailPlan(full.items[: self.budget], tuple(i for i in full.up_to_date if i in kept),
                               tuple(i for i in full.ignored if i in kept), root=full.root)
        return BatchPlan(thumbs, tuple(eligible[cut:]), skipped)

    def run(self, plan: BatchPlan, ctx: JobContext) -> BatchReport:
        result = run_thumbnails(plan.thumbs, ctx)
        failed = {f.media_id for f in result.failures}
        made = (*plan.thumbs.up_to_date, *(item.media_id for item in plan.thumbs.items))
        ready = tuple(i for i in made if i not in failed)
        return BatchReport(ready, tuple(failed), plan.deferred, (*plan.skipped, *plan.thumbs.ignored))


@dataclass(frozen=True)
class _Entry:
    paths: dict[str, Any]
    done: bool  # the cache folder is complete (even when its kind has nothing to show)


class ThumbnailService(QObject):
    """Queues thumbnail work (visible first), remembers failures, and answers where outputs are."""

    thumbnails_ready = Signal(list)  # media ids whose outputs now exist
    state_changed = Signal()  # pending_count (and so status_text) changed

    def __init__(self, library: LibraryService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.catalog = library.catalog
        self.runner = library.runner
        self._queue: OrderedDict[int, bool] = OrderedDict()  # id -> asked for explicitly
        self._inflight: tuple[int, ...] = ()
        self._inflight_explicit: frozenset[int] = frozenset()
        self._visible: list[int] = []
        self._urgent: list[int] = []
        self._settled: set[int] = set()  # checked or made this session
        self._failed: set[int] = set()
        self._entries: OrderedDict[int, _Entry] = OrderedDict()
        self._after_scan: dict[int, None] = {}
        self._closed = False
        self._last_pending = 0
        self.group = JobGroup(self.runner, "Making thumbnails", ThumbnailJob.lane)
        # Coalesces calls within one event-loop turn (a view prioritising right after a request);
        # it only hands a batch to the runner.
        self._kick = QTimer(self)
        self._kick.setSingleShot(True)
        self._kick.setInterval(0)
        self._kick.timeout.connect(self._dispatch)
        library.media_changed.connect(self._on_media_changed)
        library.scan_state_changed.connect(self._on_scan_state)
        library.library_reset.connect(self._entries.clear)

    # ---- where things are
    def paths(self, media_id: int) -> dict[str, Any]:
        """{poster, sprite, preview: Path or None, sprite_info: dict or None} for what exists now."""
        return self._entry(media_id).paths

    def sprite_for(self, media_id: int) -> tuple[str, dict] | None:
        """The scrubber's filmstrip: (sheet path, sprite info), or None."""
        found = self.paths(media_id)
        return (str(found["sprite"]), found["sprite_info"]) if found["sprite"] is not None else None

    def poster_for(self, media_id: int) -> str | None:
        """The poster (cover art for audio) path, or None."""
        poster = self.paths(media_id)["poster"]
        return str(poster) if poster is not None else None

    def _entry(self, media_id: int) -> _Entry:
        entry = self._entries.get(media_id)
        if entry is not None:
            self._entries.move_to_end(media_id)
            return entry
        try:
            hash_ = self.catalog.info(media_id)["identity_hash"]
        except CatalogError:
            hash_ = None
        entry = _Entry(thumbnail_paths(hash_) if hash_ else dict(_EMPTY), bool(hash_) and is_done(hash_))
        self._entries[media_id] = entry
        while len(self._entries) > PATHS_CACHE:
            self._entries.popitem(last=False)
        return entry

    # ---- queueing
    @property
    def pending_count(self) -> int:
        """Ids waiting or being worked on (some may turn out to be done already)."""
        return len(self._queue) + len(self._inflight)

    @property
    def failed_ids(self) -> frozenset[int]:
        """Ids whose thumbnails could not be made this session (not tried again until restart)."""
        return frozenset(self._failed)

    def status_text(self) -> str:
        """For the status bar: '' when idle."""
        count = self.pending_count
        return f"Making thumbnails: {count:,} to go" if count else ""

    def request(self, ids: Iterable[int], visible_first: bool = True) -> None:
        """Queue ids; visible ones stay ahead of them, unless visible_first is False: then these go first."""
        fresh = [i for i in dict.fromkeys(ids) if self._wanted(i, check=not visible_first)]
        for media_id in fresh:
            self._queue[media_id] = True
        if not visible_first:
            chosen = set(fresh)
            self._urgent = [*fresh, *(i for i in self._urgent if i not in chosen)]
        self._queued()

    def prioritise(self, ids: Sequence[int]) -> None:
        """The ids a view shows now, in reading order: they go to the front of the queue."""
        self._visible = list(dict.fromkeys(ids))
        for media_id in self._visible:
            if media_id in self._queue or self._wanted(media_id, check=True):
                self._queue[media_id] = True  # asked for by a view: files in error get one try
        self._queued()

    def shutdown(self) -> None:
        """Stop queueing; the batch in flight ends with the runner."""
        self._closed = True
        self._kick.stop()
        self._queue.clear()
        self._emit_state()
        self.group.close()

    def _wanted(self, media_id: int, check: bool) -> bool:
        """Not queued, running or failed; when check, ids done earlier are looked at again (a few only)."""
        if self._closed or media_id in self._queue or media_id in self._inflight or media_id in self._failed:
            return False
        if media_id not in self._settled:
            return True
        if not check:
            return False
        if self._entry(media_id).done:
            return False
        self._settled.discard(media_id)  # its file changed (a new hash), or the cache was emptied
        return True

    def _on_media_changed(self, ids: list[int]) -> None:
        for media_id in ids:
            self._entries.pop(media_id, None)
        if self.library.scanning:
            # Rows a scan reports are mostly not read yet; they are queued once it is over (and the
            # scan keeps the processors to itself meanwhile).
            self._after_scan.update(dict.fromkeys(ids))
            return
        self._queue_changed(ids)

    def _on_scan_state(self, _text: str) -> None:
        if not self.library.scanning and self._after_scan:
            ids, self._after_scan = list(self._after_scan), {}
            self._queue_changed(ids)

    def _queue_changed(self, ids: Iterable[int]) -> None:
        # Edits (ratings, tags) of files done already come here too: those are skipped without a look.
        for media_id in ids:
            if self._wanted(media_id, check=False):
                self._queue[media_id] = False
        self._queued()

    def _queued(self) -> None:
        self._reorder()
        self._emit_state()
        if self._queue and not self._closed:
            self.group.open(self.pending_count)
            self.group.set_pending(self.pending_count)
            if not self._inflight:
                self._kick.start()
        elif not self._inflight:
            self.group.close()

    def _reorder(self) -> None:
        for media_id in reversed([*self._urgent, *self._visible]):
            if media_id in self._queue:
                self._queue.move_to_end(media_id, last=False)

    def _dispatch(self) -> None:
        if self._inflight or self._closed or not self._queue:
            return
        if self.group.cancelled:
            self._drop_queue()
            return
        chunk = []
        while self._queue and len(chunk) < CHUNK_SIZE:
            chunk.append(self._queue.popitem(last=False))
        self._inflight = tuple(media_id for media_id, _ in chunk)
        taken = set(self._inflight)
        self._urgent = [i for i in self._urgent if i not in taken]
        self._inflight_explicit = frozenset(media_id for media_id, asked in chunk if asked)
        self.runner.submit(ThumbnailBatchJob(self.catalog, self._inflight, self._inflight_explicit),
                           self._on_batch_done, group=self.group.open(self.pending_count))

    def _drop_queue(self) -> None:
        """The user cancelled the run: forget what waits (a view asks again for what it shows)."""
        self._queue.clear()
        self._urgent.clear()
        self._after_scan.clear()
        self._emit_state()
        self.group.close()

    def _on_batch_done(self, outcome: Outcome) -> None:
        batch, self._inflight = self._inflight, ()
        if self.group.cancelled:
            self._drop_queue()
            return
        if outcome.ok:
            report: BatchReport = outcome.value
            self._settled.update(report.ready)
            self._failed.update(report.failed)
            for media_id in reversed(report.deferred):
                if not self._closed and media_id not in self._queue:
                    self._queue[media_id] = media_id in self._inflight_explicit
                    self._queue.move_to_end(media_id, last=False)
            for media_id in report.ready:
                self._entries.pop(media_id, None)
            if report.ready:
                self.thumbnails_ready.emit(list(report.ready))
            self.group.advance(len(batch) - len(report.deferred), len(report.failed), self.pending_count)
        elif not outcome.cancelled:
            self._failed.update(batch)  # an error outside any one file (the catalog?): do not loop on it
            self.group.advance(len(batch), len(batch), self.pending_count)
        self._queued()

    def _emit_state(self) -> None:
        if self.pending_count != self._last_pending:
            self._last_pending = self.pending_count
            self.state_changed.emit()
