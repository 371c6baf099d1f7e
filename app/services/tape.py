"""TapeService: the tapes of the offline catalog, the files of the tape shown (a page at a time) or of a search
across tapes, the write queue and its plan, and every tape operation as a job.

Catalog reads are small hidden jobs on the 'catalog' lane; anything that touches a cartridge runs on the 'tape'
lane (one thread: a drive is serial hardware) through app/tape's jobs, the ones the CLI runs. After a format or a
write the tape's new index is imported into the catalog, and a verify pass is recorded there, so the tapes list
says what is on the shelf. Answers for a tape or search no longer shown are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.catalog.catalog import Catalog
from app.catalog.db import local_folder
from app.core.job import Outcome
from app.jobs.runner import JobRunner
from app.services.catalog_changes import CatalogChanges, touches
from app.services.settings import TAPE_DEVICE_KEY, TAPE_REVERIFY_DAYS_KEY, Settings
from app.services.tape_jobs import CatalogReadJob, ImportCartridgeJob, LoadedTapeJob, QueuePlan
from app.services.tape_queue import (
    NEW_SET,
    PLAN_DELAY_MS,
    PlannedTape,
    PlanOptions,
    QueuedFolder,
    WriteQueueMixin,
)
from app.tape.recall import BARCODE_FIELD, device_for
from app.tape.reverify import DEFAULT_REVERIFY_DAYS, due_tapes

__all__ = ["NEW_SET", "PAGE", "PlannedTape", "PlanOptions", "QueuedFolder", "TapeFile", "TapeService"]

PAGE = 1000  # rows per read of a tape's files: a screenful many times over, a few ms of SQLite
TAPE_TABLES = frozenset({"tape", "tape_file", "tape_verification"})


@dataclass(frozen=True)
class TapeFile:
    """One row of the files table, made on the worker from a catalog row (plain values only)."""

    path: str
    kind: str  # file | folder | symlink
    length: int
    partition: int | None
    start_block: int | None
    xxh128: str | None
    barcode: str
    symlink: str | None = None
    span_offset: int | None = None
    span_length: int | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> TapeFile:
        return cls(row["path"], row["kind"], row["length"] or 0, row["partition"], row["start_block"],
                   row["xxh128"], row["barcode"], row["symlink"], row["span_offset"], row["span_length"])


@dataclass
class _Shown:
    """What the files table shows: a tape's files (paged) or a search's results; serial tells answers apart."""

    serial: int
    tape_id: int | None = None
    search: str = ""
    rows: list[TapeFile] = field(default_factory=list)
    complete: bool = False
    pending: bool = False


class TapeService(WriteQueueMixin, QObject):
    tapes_changed = Signal()
    files_reset = Signal()  # the files table shows another tape or search (rows empty until the first page)
    files_added = Signal(int, int)  # first row, how many
    queue_changed = Signal()
    restore_planned = Signal(object, str, object)  # paths, destination folder, RecallPlan
    restored = Signal(str, object)  # destination folder, RestoreReport
    verified = Signal(str, object)  # barcode, the verify report
    message = Signal(str)  # what finished, for the status bar
    failed = Signal(str)  # what went wrong and what to do
    content_hashes_recorded = Signal(list)  # library ids whose content hash a tape write just recorded

    def __init__(self, catalog: Catalog, runner: JobRunner, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.catalog, self.runner, self.settings = catalog, runner, settings
        self.tapes: list[dict[str, Any]] = []
        self.loaded = False  # the first tapes list arrived
        self.shown = _Shown(0)
        self.queue: list[QueuedFolder] = []
        self.queue_target: str | None = NEW_SET
        self.plan_options = PlanOptions()
        self.queue_plan: QueuePlan | None = None  # the plan of the queue as it is now (None while planning)
        self.plan_error = ""  # why the queue cannot be planned as asked (a file larger than a cartridge, ...)
        self.planning = False
        self._plan_serial = 0  # a plan answer for an older queue or older options is dropped
        self._plan_timer = QTimer(self, singleShot=True, interval=PLAN_DELAY_MS)
        self._plan_timer.timeout.connect(self.plan_queue)
        self.tape_jobs: set[int] = set()  # tape-lane jobs started here and not finished

    # ---- settings
    @property
    def device_pattern(self) -> str:
        """Where cartridges are loaded; by default a shelf of simulated cartridges beside the catalog file."""
        default = f"file:{(local_folder(self.catalog.path) or Path()).resolve() / 'tapes' / BARCODE_FIELD}"
        return str(self.settings.value(TAPE_DEVICE_KEY, default) or default)

    def set_device_pattern(self, pattern: str) -> None:
        self.settings.set_value(TAPE_DEVICE_KEY, pattern.strip())

    @property
    def reverify_days(self) -> float:
        try:
            return float(self.settings.value(TAPE_REVERIFY_DAYS_KEY, DEFAULT_REVERIFY_DAYS))
        except (TypeError, ValueError):
            return DEFAULT_REVERIFY_DAYS

    def set_reverify_days(self, days: float) -> None:
        self.settings.set_value(TAPE_REVERIFY_DAYS_KEY, float(days))
        self.refresh()

    def device_for(self, barcode: str) -> str:
        return device_for(self.device_pattern, barcode)

    def follow(self, changes: CatalogChanges) -> None:
        """Tapes another program imports, verifies, moves or removes show here (the tapes list is read again; the
        panel lists a shown tape's files again when its index was imported anew)."""
        changes.changed.connect(self._tapes_elsewhere)

    def _tapes_elsewhere(self, tables: frozenset[str]) -> None:
        if self.loaded and touches(tables, TAPE_TABLES):
            self.refresh()

    # ---- the tapes
    def refresh(self) -> None:
        """Read the tapes list again (answers with tapes_changed)."""
        days = self.reverify_days
        self.runner.submit(CatalogReadJob("Read the tape catalog", lambda: self.catalog.tapes.all(days)),
                           self._on_tapes)

    def _on_tapes(self, outcome: Outcome) -> None:
        if not outcome.ok:
            self.failed.emit(f"Cannot read the tape catalog: {outcome.message}")
            return
        barcodes = [t["barcode"] for t in self.tapes]
        self.tapes, self.loaded = outcome.value, True
        if self.queue_target and self.tape(self.queue_target) is None:
            self.queue_target = NEW_SET  # the tape it was to be appended to left the catalog
        if barcodes != [t["barcode"] for t in self.tapes] and not self.plan_options.barcode_start:
            self._replan()  # the next free barcode moved
        self.tapes_changed.emit()
        self.queue_changed.emit()  # the plan bars follow the tapes' use

    def tape(self, barcode: str) -> dict[str, Any] | None:
        return next((t for t in self.tapes if t["barcode"] == barcode), None)

    def due(self, now: float | None = None) -> list[dict[str, Any]]:
        """Tapes due for re-verification, the longest overdue first."""
        return due_tapes(self.tapes, now)

    def set_location(self, barcode: str, location: str) -> None:
        """Where a cartridge is kept (a shelf, a vault, a box); empty forgets it."""
        text = location.strip() or None
        self.runner.submit(CatalogReadJob(f"Location of {barcode}",
                                          lambda: self.catalog.tapes.set_location(barcode, text)),
                           lambda outcome: self._after_catalog_write(outcome, f"Cannot keep the location of {barcode}"))

    def _after_catalog_write(self, outcome: Outcome, failure: str) -> None:
        if not outcome.ok:
            self.failed.emit(f"{failure}: {outcome.message}")
        self.refresh()

    # ---- files of a tape, and search across tapes
    def show_tape(self, tape_id: int | None) -> None:
        """Show a tape's files in tape order, a page at a time (fetch_more asks for the next page)."""
        self.shown = _Shown(self.shown.serial + 1, tape_id=tape_id, complete=tape_id is None)
        self.files_reset.emit()
        self.fetch_more()

    def search(self, text: str) -> None:
        """Files on any cataloged tape whose path has every word of text; empty text goes back to nothing shown."""
        text = text.strip()
        self.shown = _Shown(self.shown.serial + 1, search=text, complete=not text, pending=bool(text))
        self.files_reset.emit()
        if not text:
            return
        shown = self.shown
        self.runner.submit(CatalogReadJob(f"Find {text!r} on tapes", lambda: [
            TapeFile.from_row(r) for r in self.catalog.tapes.find_files(text)]),
            lambda outcome: self._on_rows(shown, outcome, last=True))

    def can_fetch_more(self) -> bool:
        return not self.shown.complete and not self.shown.pending

    def fetch_more(self) -> None:
        shown = self.shown
        if shown.complete or shown.pending or shown.tape_id is None:
            return
        shown.pending = True
        tape_id, offset = shown.tape_id, len(shown.rows)
        self.runner.submit(CatalogReadJob(f"Files of tape {tape_id} from {offset}", lambda: [
            TapeFile.from_row(r) for r in self.catalog.tapes.files(tape_id, limit=PAGE, offset=offset)]),
            lambda outcome: self._on_rows(shown, outcome, last=False))

    def _on_rows(self, shown: _Shown, outcome: Outcome, last: bool) -> None:
        if shown is not self.shown:
            return
        shown.pending = False
        if not outcome.ok:
            shown.complete = True
            self.failed.emit(f"Cannot read the tape catalog: {outcome.message}")
            return
        rows: list[TapeFile] = outcome.value
        start = len(shown.rows)
        shown.rows.extend(rows)
        shown.complete = last or len(rows) < PAGE
        if rows:
            self.files_added.emit(start, len(rows))

    # ---- operations on the tape lane
    def _submit_tape(self, job: Any, on_done: Any) -> int:
        def finished(outcome: Outcome) -> None:
            self.tape_jobs.discard(job_id)
            on_done(outcome)

        job_id = self.runner.submit(job, finished)
        self.tape_jobs.add(job_id)
        return job_id

    def _loaded(self, job: Any, barcode: str) -> LoadedTapeJob:
        tape = self.tape(barcode)
        if tape is None:
            raise KeyError(barcode)
        return LoadedTapeJob(job, self.device_for(barcode), barcode, tape["volume_uuid"])

    def format(self, barcode: str, generation: str, capacity: int | None = None) -> int:
        """Format the cartridge at the device for barcode (a simulated one is made there if none is), then catalog
        its empty index."""
        from app.tape.jobs import FormatTapeJob
        from app.tape.profiles import generation as generation_named

        barcode = barcode.strip().upper()
        device = self.device_for(barcode)
        job = FormatTapeJob(device, barcode, generation_named(generation), capacity)
        return self._submit_tape(job, lambda outcome: self._after_tape_change(outcome, barcode, device,
                                                                              f"Formatted {barcode}"))

    def verify(self, barcode: str) -> int:
        """Read every file of the tape back and check its xxh128; the job records the pass in the catalog and
        writes its HTML/PDF/CSV report beside the catalog."""
        from app.tape.jobs import VerifyTapeJob, default_report_dir

        job = self._loaded(VerifyTapeJob(self.device_for(barcode), self.catalog, default_report_dir(self.catalog)),
                           barcode)
        return self._submit_tape(job, lambda outcome: self._on_verified(job, outcome))

    def _on_verified(self, job: LoadedTapeJob, outcome: Outcome) -> None:
        barcode = job.barcode
        self.refresh()  # the pass (even a cancelled one) is in the catalog now
        if not outcome.ok:
            if not getattr(outcome, "cancelled", False):
                self.failed.emit(outcome.message)
            return
        result = outcome.value
        self.verified.emit(barcode, result)
        report = f"; report {result.report}" if result.report else ""
        if result.problems:
            names = ", ".join(list(result.problems)[:3]) + (" …" if len(result.problems) > 3 else "")
            self.failed.emit(f"{barcode} is DAMAGED: {len(result.problems)} of {result.files} files do not read back "
                             f"as written ({names}); restore them from the other copy{report}")
        else:
            self.message.emit(f"{barcode} OK: {result.files:,} files read back and checked{report}")

    def import_cartridge(self, barcode: str) -> int:
        """The newest index of the cartridge loaded for barcode into the catalog."""
        device = self.device_for(barcode.strip().upper())
        return self._submit_tape(ImportCartridgeJob(self.catalog, device, barcode.strip().upper()),
                                 lambda outcome: self._on_imported(outcome))

    def import_index_file(self, path: str, barcode: str | None = None) -> None:
        """An LTFS index XML (from any LTFS software) into the catalog; no cartridge is needed."""
        from app.tape.offline import import_index_file

        code = barcode.strip().upper() if barcode and barcode.strip() else None
        self.runner.submit(CatalogReadJob(f"Import the tape index {Path(path).name}",
                                          lambda: import_index_file(self.catalog, Path(path), code), visible=True),
                           self._on_imported)

    def _on_imported(self, outcome: Outcome, quiet: bool = False) -> None:
        if outcome.ok:
            if not quiet:
                self.message.emit(f"Cataloged {outcome.value.files:,} files of the tape")
        elif not quiet:
            self.failed.emit(outcome.message)
        self.refresh()

    def _record_hashes(self, outcome: Outcome) -> None:
        """The library files a write read get its digests as content hashes (on the catalog lane)."""
        from app.tape.offline import record_source_hashes

        writes = list(outcome.value) if outcome.ok and isinstance(outcome.value, list | tuple) else []  # a format: none
        if any(getattr(write, "hashed", ()) for write in writes):
            self.runner.submit(CatalogReadJob("Record the library's content hashes",
                                              lambda: record_source_hashes(self.catalog, writes)),
                               lambda recorded: recorded.ok and recorded.value
                               and self.content_hashes_recorded.emit(recorded.value))

    def _after_tape_change(self, outcome: Outcome, barcode: str, device: str, done: str) -> None:
        """A format or write changed the cartridge: its new index goes into the catalog (a cancelled write
        changed it too: it ends with an index of the files it finished)."""
        cancelled = getattr(outcome, "cancelled", False)
        if not outcome.ok and not cancelled:
            self.failed.emit(outcome.message)
            return
        if outcome.ok:
            self.message.emit(done)
            self._record_hashes(outcome)
        self._submit_tape(ImportCartridgeJob(self.catalog, device, barcode),
                          lambda imported: self._on_imported(imported, quiet=imported.ok))

    # ---- restore
    def plan_restore(self, paths: list[str], dest: str) -> None:
        """Which tapes hold paths and in what order to load them (answers with restore_planned)."""
        from app.tape.recall import plan_recall

        chosen = list(paths)
        self.runner.submit(CatalogReadJob("Plan a restore from tape", lambda: plan_recall(self.catalog, chosen)),
                           lambda outcome: self._on_restore_planned(chosen, dest, outcome))

    def _on_restore_planned(self, paths: list[str], dest: str, outcome: Outcome) -> None:
        if not outcome.ok:
            self.failed.emit(f"Cannot plan the restore: {outcome.message}")
            return
        self.restore_planned.emit(paths, dest, outcome.value)

    def restore(self, paths: list[str], dest: str) -> int:
        """Restore paths into dest, tape after tape in the plan's order, each file checked before it is kept."""
        from app.tape.recall import RecallJob

        job = RecallJob(self.catalog, list(paths), Path(dest), self.device_pattern)
        return self._submit_tape(job, lambda outcome: self._on_restored(dest, outcome))

    def _on_restored(self, dest: str, outcome: Outcome) -> None:
        if not outcome.ok:
            if not getattr(outcome, "cancelled", False):
                self.failed.emit(outcome.message)
            return
        report = outcome.value
        self.restored.emit(dest, report)
        if report.problems:
            path, why = report.problems[0]
            self.failed.emit(f"Restored {len(report.restored):,} files into {dest}; {len(report.problems)} could "
                             f"not be restored ({path}: {why})")
        else:
            self.message.emit(f"Restored {len(report.restored):,} files into {dest}")
