"""Card offloads from the GUI: what a dropped or chosen folder is (detected off the GUI thread), the offload job
on its own lane, and the copy cataloged once every destination verified. The work is app/ingest/offload's, the
same job the CLI runs; this service remembers the user's destinations and choices between runs."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.catalog.catalog import Catalog
from app.core.job import JobContext, Outcome
from app.ingest.card import CardInfo, detect_card, offload_folder_name
from app.ingest.offload import OffloadJob, default_report_dir
from app.ingest.offload_model import DEFAULT_PATTERN, OffloadRequest, OffloadResult
from app.jobs.runner import JobRunner
from app.services.library import LibraryService
from app.services.settings import Settings
from app.services.tape_jobs import CatalogReadJob
from app.services.thumbnails import ThumbnailService

DESTINATIONS_KEY = "offload/destinations"
PATTERN_KEY = "offload/pattern"
HASH_KEY = "offload/hash"
VERIFY_KEY = "offload/verify"


class DetectCardJob:
    """What a folder is: a camera card's family, camera, reel and clips (a walk of its names, a few small reads)."""

    lane = "scan"
    visible = False

    def __init__(self, source: Path) -> None:
        self.source = Path(source)
        self.title = f"Look at {self.source.name}"

    def plan(self) -> None:
        return None

    def run(self, plan: None, ctx: JobContext) -> CardInfo:
        return detect_card(self.source)


class OffloadService(QObject):
    card_detected = Signal(str, object)  # source, CardInfo
    detect_failed = Signal(str, str)  # source, why
    finished = Signal(object)  # OffloadResult (done, with or without problems)
    failed = Signal(str)  # the offload could not run, or was cancelled (then the message says so)
    cataloged = Signal(list)  # ids of the first copy's files, in the library with posters and proxies queued

    def __init__(self, catalog: Catalog, runner: JobRunner, settings: Settings, library: LibraryService,
                 thumbnails: ThumbnailService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.catalog, self.runner, self.settings, self.library = catalog, runner, settings, library
        self.thumbnails = thumbnails
        self.results: list[OffloadResult] = []

    # ---- remembered choices
    def destinations(self) -> list[str]:
        value = self.settings.value(DESTINATIONS_KEY, [])
        return [value] if isinstance(value, str) and value else list(value or [])

    def pattern(self) -> str:
        return str(self.settings.value(PATTERN_KEY, DEFAULT_PATTERN) or DEFAULT_PATTERN)

    def hash_format(self) -> str:
        return str(self.settings.value(HASH_KEY, "xxh128") or "xxh128")

    def verify_mode(self) -> str:
        return str(self.settings.value(VERIFY_KEY, "full") or "full")

    # ---- work
    def detect(self, source: str) -> None:
        def done(outcome: Outcome) -> None:
            if outcome.ok:
                self.card_detected.emit(source, outcome.value)
            else:
                self.detect_failed.emit(source, outcome.message)

        self.runner.submit(DetectCardJob(Path(source)), on_done=done)

    @staticmethod
    def target_preview(destination: str, pattern: str, card: CardInfo) -> str:
        """Where the card would go in destination, or why the pattern cannot be used."""
        try:
            return str(Path(destination) / offload_folder_name(pattern, card, datetime.date.today()))
        except ValueError as exc:
            return f"✗ {exc}"

    def start(self, request: OffloadRequest) -> int:
        """Queue the offload; remembers its destinations and choices. Returns the job id."""
        self.settings.set_value(DESTINATIONS_KEY, [str(d) for d in request.destinations])
        self.settings.set_value(PATTERN_KEY, request.pattern)
        self.settings.set_value(HASH_KEY, request.hash_format)
        self.settings.set_value(VERIFY_KEY, request.verify)
        job = OffloadJob(request, default_report_dir(self.catalog.path))
        return self.runner.submit(job, on_done=self._done)

    def _done(self, outcome: Outcome) -> None:
        if not outcome.ok:
            self.failed.emit(outcome.message)
            return
        result: OffloadResult = outcome.value
        self.results.append(result)
        if result.ok:  # the first copy becomes a library folder: scanned, watched
            self.library.add_paths([str(result.destinations[0].target)],
                                   lambda scanned, done=result: self._scanned(done, scanned))
        self.finished.emit(result)

    def _scanned(self, result: OffloadResult, scanned: Outcome) -> None:
        if not scanned.ok:
            return

        def queue_pictures(outcome: Outcome) -> None:
            if not outcome.ok:
                return
            ids: list[int] = outcome.value
            self.thumbnails.request(ids, visible_first=False)
            videos = [row["id"] for row in self.catalog.rows(ids) if row["kind"] == "video" and row["status"] == "ok"]
            if videos:
                self.library.make_proxies(videos, ["preview"])
            self.cataloged.emit(ids)

        self.runner.submit(CatalogReadJob("Record the offload's hashes", lambda: record_offload(self.catalog, result)),
                           on_done=queue_pictures)


def record_offload(catalog: Catalog, result: OffloadResult) -> list[int]:
    """The catalog ids of the first copy's files; each gets its content hash when the copy was read back whole
    (the xxh128 read from that drive is the file's content hash: "which tape holds this" then matches exactly)."""
    target = result.destinations[0].target
    if result.plan.request.verify == "full" and "xxh128" in result.plan.formats:
        hashed = []
        for item in result.files:
            try:
                info = os.stat(target / item.path)
            except OSError:
                continue
            hashed.append((target / item.path, info.st_size, info.st_mtime, item.hashes["xxh128"]))
        catalog.record_content_hashes(hashed)
    found = (catalog.id_for_path(target / item.path) for item in result.files)
    return [media_id for media_id in found if media_id is not None]
