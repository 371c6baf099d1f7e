"""LibraryService: the live library. Owns roots, scans and edits; tells views what changed."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.catalog.catalog import Catalog
from app.core.errors import EditConflict
from app.core.job import Outcome
from app.ingest.add_files import AddFilesJob
from app.ingest.proxies import ProxyJob, proxy_failures_message
from app.ingest.scan import ScanJob, ScanResult
from app.jobs.runner import JobRunner
from app.services.catalog_changes import CatalogChanges, touches
from app.services.settings import Settings

AUTO_PREVIEW_KEY = "proxies/auto_preview"  # make a preview proxy of every new video after a scan
_LIBRARY_TABLES = frozenset({"media_file", "media_tag", "tag", "library_root", "marker", "proxy"})


class CatalogEditJob:
    """One user edit of the catalog (a rating, tags, a removal): quick, but it takes the write lock."""

    lane = "catalog"
    visible = False

    def __init__(self, title: str, change: Callable[[], None]) -> None:
        self.title = title
        self.change = change

    def plan(self) -> None:
        return None

    def run(self, plan: None, ctx: object) -> object:
        return self.change()


class LibraryService(QObject):
    """All library edits go through here so every view hears about them."""

    media_changed = Signal(list)  # ids whose rows changed or appeared
    library_reset = Signal()  # many rows removed or re-rooted: views re-query
    roots_changed = Signal()
    tags_changed = Signal()
    scan_state_changed = Signal(str)  # human text for the status bar; '' when idle
    error_raised = Signal(str)

    def __init__(self, catalog: Catalog, runner: JobRunner, parent: QObject | None = None,
                 settings: Settings | None = None, changes: CatalogChanges | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.runner = runner
        self.settings = settings
        self._scans: set[int] = set()
        self._scanned_ids: set[int] = set()  # rows the running scans added or changed
        self.last_scan: ScanResult | None = None
        # (column, id) -> (edit number, value) of this window's edits not yet written: a later edit of the same
        # file expects that value, not the one still on screen (edits run one after another on the catalog lane).
        self._in_flight: dict[tuple[str, int], tuple[int, Any]] = {}
        self._edits = itertools.count(1)
        if changes is not None:
            changes.changed.connect(self._on_other_programs)
            changes.error_raised.connect(self.error_raised)

    # ---- other programs on the same catalog (the change feed, followed by CatalogChanges)
    def _on_other_programs(self, tables: frozenset[str]) -> None:
        if not touches(tables, _LIBRARY_TABLES):
            return
        if touches(tables, {"library_root"}):
            self.roots_changed.emit()
        if touches(tables, {"tag", "media_tag"}):
            self.tags_changed.emit()
        self.library_reset.emit()

    # ---- roots and scanning
    def roots(self) -> list[tuple[int, str]]:
        return self.catalog.roots()

    def add_paths(self, paths: Iterable[str], on_scanned: Callable[[Outcome], None] | None = None) -> None:
        """Folders become roots and are scanned (on_scanned follows that scan); loose files are added to the
        library on their own."""
        folders, files = [], []
        for path in paths:
            (folders if os.path.isdir(path) else files).append(path)
        if folders:
            root_ids = [self.catalog.add_root(folder) for folder in folders]
            self.roots_changed.emit()
            self.scan(root_ids, on_scanned)
        if files:
            self.runner.submit(AddFilesJob(self.catalog, files), self._on_files_added, self._on_scan_event)

    def add_files(self, paths: Iterable[str], on_added: Callable[[list[int]], None] | None = None) -> None:
        """Catalog single files (in a job); on_added gets their ids on this thread."""
        def done(outcome: Outcome) -> None:
            self._on_files_added(outcome)
            if outcome.ok and on_added is not None:
                on_added(list(outcome.value))

        self.runner.submit(AddFilesJob(self.catalog, list(paths)), done, self._on_scan_event)

    def remove_root(self, root_id: int) -> int:
        """Forget a root and its files in the catalog (a job on the catalog lane; files on disk untouched)."""
        return self._edit("Remove folder", lambda: self.catalog.remove_root(root_id), (), tags=True, reset=True,
                          roots=True)

    def scan(self, root_ids: Sequence[int] | None = None, on_done: Callable[[Outcome], None] | None = None) -> int:
        def done(outcome: Outcome) -> None:
            self._on_scan_done(job_id, outcome)
            if on_done is not None:
                on_done(outcome)

        job_id = self.runner.submit(ScanJob(self.catalog, root_ids), done, self._on_scan_event)
        self._scans.add(job_id)
        self.scan_state_changed.emit("Scanning…")
        return job_id

    def rescan_files(self, ids: Sequence[int]) -> None:
        paths = self.catalog.raw_paths(ids)
        existing = [os.fsdecode(p) for p in paths.values() if os.path.exists(p)]
        if existing:
            self.runner.submit(AddFilesJob(self.catalog, existing), self._on_files_added, self._on_scan_event)

    @property
    def scanning(self) -> bool:
        return bool(self._scans)

    def _on_scan_event(self, ids: list[int]) -> None:
        if self._scans:
            self._scanned_ids.update(ids)
        self.media_changed.emit(list(ids))

    def _on_scan_done(self, job_id: int, outcome: Outcome) -> None:
        self._scans.discard(job_id)
        if outcome.ok:
            self.last_scan = outcome.value
            self.scan_state_changed.emit("" if self._scans else f"Scan finished: {outcome.value.summary()}")
            if not self._scans:
                self._make_preview_proxies(sorted(self._scanned_ids))
        else:
            self.scan_state_changed.emit("" if self._scans else outcome.message)
            if not outcome.cancelled:
                self.error_raised.emit(outcome.message)
        self.tags_changed.emit()
        if not self._scans:
            self._scanned_ids.clear()

    def _make_preview_proxies(self, ids: list[int]) -> None:
        """With the setting on, new and changed videos get a preview proxy (ProxyJob skips existing ones)."""
        if self.settings is None or not ids or not self.settings.value(AUTO_PREVIEW_KEY, False, bool):
            return
        videos = [row["id"] for row in self.catalog.rows(ids) if row["kind"] == "video" and row["status"] == "ok"]
        if videos:
            self.make_proxies(videos, ["preview"])

    def make_proxies(self, ids: Sequence[int], presets: Sequence[str]) -> int:
        """Make proxies in the proxy lane (shown in the Jobs dock); views and the player hear when they exist."""
        ids = list(ids)

        def done(outcome: Outcome) -> None:
            if outcome.ok:
                self.media_changed.emit(ids)
                if outcome.value.failures:
                    self.error_raised.emit(proxy_failures_message(outcome.value.failures))
            elif not outcome.cancelled:
                self.error_raised.emit(outcome.message)

        return self.runner.submit(ProxyJob(self.catalog, ids, list(presets)), done)

    def hash_files(self, ids: Sequence[int], rehash: bool = False) -> int:
        """Read the files whole for their content hash (a job on the scan lane); rows change when it is done."""
        from app.ingest.content_hashes import HashFilesJob

        def done(outcome: Outcome) -> None:
            if outcome.ok:
                self.media_changed.emit(list(outcome.value.hashed))
                problems = outcome.value.changed + outcome.value.unreadable
                if problems:
                    self.error_raised.emit(f"{outcome.value.summary()}: {'; '.join(problems[:3])}")
            elif not outcome.cancelled:
                self.error_raised.emit(outcome.message)

        return self.runner.submit(HashFilesJob(self.catalog, list(ids), rehash), done)

    def _on_files_added(self, outcome: Outcome) -> None:
        if outcome.ok:
            self.media_changed.emit(list(outcome.value))
        else:
            self.error_raised.emit(outcome.message)

    # ---- edits: each one a small job on the catalog lane, so the GUI thread never waits on the catalog's write
    # lock (another Reelkeep process may hold it for a batch) and edits stay in order with the watcher's. A
    # catalog that cannot be written (disk full, locked past the timeout) is told through error_raised.
    def _edit(self, title: str, change: Callable[[], None], ids: Sequence[int], tags: bool = False,
              reset: bool = False, roots: bool = False, finished: Callable[[], None] | None = None) -> int:
        ids = list(ids)

        def done(outcome: Outcome) -> None:
            if finished is not None:
                finished()
            if not outcome.ok:
                self.error_raised.emit(outcome.message)
                return
            if isinstance(outcome.value, EditConflict):  # nothing written: show what the others made of it
                self.error_raised.emit(str(outcome.value))
                self.library_reset.emit()
                return
            if reset:
                self.library_reset.emit()
            else:
                self.media_changed.emit(ids)
            if tags:
                self.tags_changed.emit()
            if roots:
                self.roots_changed.emit()

        return self.runner.submit(CatalogEditJob(title, change), done)

    def set_rating(self, ids: Sequence[int], rating: int, seen: Mapping[int, int] | None = None) -> int:
        """Rate ids. seen (id -> the rating on screen) makes it an edit that is refused, told by error_raised and
        followed by library_reset, when another program changed those files meanwhile (Catalog.set_rating)."""
        return self._checked_edit("Set rating", "rating", list(ids), rating, seen, self.catalog.set_rating)

    def set_favourite(self, ids: Sequence[int], favourite: bool, seen: Mapping[int, bool] | None = None) -> int:
        """Mark or unmark favourites; seen as for set_rating."""
        return self._checked_edit("Set favourite", "favourite", list(ids), bool(favourite), seen,
                                  self.catalog.set_favourite)

    def _checked_edit(self, title: str, column: str, ids: list[int], value: Any, seen: Mapping[int, Any] | None,
                      write: Callable[..., None]) -> int:
        expected = None
        if seen is not None:
            expected = {i: self._in_flight.get((column, i), (0, shown))[1] for i, shown in seen.items()}
        number = next(self._edits)
        for media_id in ids:
            self._in_flight[(column, media_id)] = (number, value)

        def change() -> EditConflict | None:
            try:
                write(ids, value, expected=expected)
            except EditConflict as conflict:
                return conflict
            return None

        def written() -> None:  # on the GUI thread, like every use of _in_flight
            for media_id in ids:
                if self._in_flight.get((column, media_id), (None,))[0] == number:
                    del self._in_flight[(column, media_id)]

        return self._edit(title, change, ids, finished=written)

    def add_tags(self, ids: Sequence[int], names: Iterable[str]) -> int:
        ids, names = list(ids), list(names)
        return self._edit("Add tags", lambda: self.catalog.add_tags(ids, names), ids, tags=True)

    def remove_tags(self, ids: Sequence[int], names: Iterable[str]) -> int:
        ids, names = list(ids), list(names)
        return self._edit("Remove tags", lambda: self.catalog.remove_tags(ids, names), ids, tags=True)

    def remove_from_catalog(self, ids: Sequence[int]) -> int:
        """Forget entries; the files on disk are never touched."""
        ids = list(ids)
        return self._edit("Remove from catalog", lambda: self.catalog.remove_media(ids), ids, tags=True, reset=True)

    def notify_changed(self, ids: Sequence[int]) -> None:
        """For other services that changed rows through the catalog (e.g. the watcher)."""
        if ids:
            self.media_changed.emit(list(ids))
