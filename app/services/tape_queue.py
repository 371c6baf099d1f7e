"""The Tape panel's write queue, part of TapeService: folders waiting to go onto tape, appended to a cataloged
tape (WriteTapeJob) or planned onto a new tape set spanning as many cartridges as needed, in one or two copies
(PlanTapesJob off the GUI thread, again whenever the queue or its options change), then written by WritePlanJob —
the jobs `reelkeep tape plan` and `tape write --plan` run — with every written cartridge cataloged after."""

from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from app.catalog.db import local_folder
from app.core.job import Outcome
from app.services.tape_jobs import (
    CatalogReadJob,
    FolderSize,
    ImportCartridgeJob,
    QueuePlan,
    QueuePlanJob,
    folder_size,
)
from app.tape.pipeline import DEFAULT_RECORD

NEW_SET = ""  # the queue's target when it is planned onto a new tape set, as many cartridges as it needs
PLAN_DELAY_MS = 400  # the queue is planned again this long after its last change (options typed, folders added)

LIBRARY_SELECTION = "Library selection"


@dataclass
class QueuedFolder:
    """A folder, or a library selection (library: its media ids; path: its name in the queue)."""

    path: str
    size: FolderSize | None = None  # None while it is being measured
    problem: str = ""
    library: tuple[int, ...] = ()


@dataclass(frozen=True)
class PlannedTape:
    """One cartridge of the write plan: what is on it, what the plan adds, how big it is; for a new tape set also
    its copy (A, B), number, files, parts of spanned files and whether its last file goes on onto the next tape."""

    barcode: str
    capacity: int | None
    used: int
    planned: int
    folders: tuple[str, ...] = ()
    copy: str = ""
    number: int = 0
    files: int = 0
    spanned: int = 0
    continues: bool = False

    @property
    def free(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.used)

    @property
    def overflow(self) -> int:
        """Planned bytes beyond the free space (0 when it fits)."""
        free = self.free
        return 0 if free is None else max(0, self.planned - free)


@dataclass(frozen=True)
class PlanOptions:
    """How the queue is planned onto a new tape set (`reelkeep tape plan`'s options)."""

    generation: str = "LTO9"
    copies: int = 1
    barcode_start: str = ""  # empty: the next barcode after the cataloged ones
    split: bool = True
    capacity: int | None = None  # None: the generation's; a simulated shelf (a demo, a test) may be tiny
    block_size: int = DEFAULT_RECORD
    with_proxies: bool = False  # a library selection's proxies and posters go with it


class WriteQueueMixin:
    """TapeService's write queue (its state is made in TapeService.__init__)."""

    queue: list[QueuedFolder]
    queue_target: str | None
    plan_options: PlanOptions
    queue_plan: QueuePlan | None
    plan_error: str
    planning: bool
    _plan_serial: int

    def queue_folders(self, paths: list[str], target: str | None = None) -> None:
        """Add folders to the write queue (each measured off the GUI thread) for the target tape."""
        if target is not None:
            self.queue_target = target
        known = {q.path for q in self.queue}
        for path in paths:
            path = str(Path(path))
            if path in known:
                continue
            item = QueuedFolder(path)
            self.queue.append(item)
            known.add(path)
            self.runner.submit(CatalogReadJob(f"Measure {path}", lambda p=path: folder_size(p)),
                               lambda outcome, it=item: self._on_sized(it, outcome))
        self._replan()
        self.queue_changed.emit()

    def queue_library(self, ids: list[int]) -> None:
        """Add library files (by id) as one entry, planned onto a new tape set; their count and bytes are summed
        from the catalog's recorded sizes off the GUI thread."""
        from app.tape.plan_library import library_totals

        if not ids:
            return
        count = sum(1 for q in self.queue if q.library)
        item = QueuedFolder(LIBRARY_SELECTION + (f" {count + 1}" if count else ""), library=tuple(ids))
        self.queue.append(item)
        self.queue_target = NEW_SET  # a selection goes through a plan; it is not appended to a cataloged tape
        catalog = self.catalog

        def measure() -> FolderSize:
            files, size = library_totals(catalog, item.library)
            return FolderSize(item.path, files, size)

        self.runner.submit(CatalogReadJob(f"Measure the {item.path.lower()}", measure),
                           lambda outcome: self._on_sized(item, outcome))
        self._replan()
        self.queue_changed.emit()

    def _on_sized(self, item: QueuedFolder, outcome: Outcome) -> None:
        if item not in self.queue:
            return
        if outcome.ok:
            item.size = outcome.value
        else:
            item.problem = outcome.message
        self._replan()
        self.queue_changed.emit()

    def unqueue(self, rows: list[int]) -> None:
        self.queue = [q for i, q in enumerate(self.queue) if i not in set(rows)]
        self._replan()
        self.queue_changed.emit()

    def set_queue_target(self, barcode: str | None) -> None:
        """The tape the queue is appended to, or NEW_SET: planned onto new cartridges."""
        self.queue_target = barcode
        self._replan()
        self.queue_changed.emit()

    def set_plan_options(self, **changes: Any) -> None:
        """Change how the queue is planned onto a new set (PlanOptions' fields); it is planned again."""
        options = replace(self.plan_options, **changes)
        if options != self.plan_options:
            self.plan_options = options
            self._replan()
            self.queue_changed.emit()

    def next_barcode(self, generation_name: str | None = None) -> str:
        """The first barcode of a new set: one past the highest cataloged one (RK0004L9 → RK0005L9)."""
        from app.tape.profiles import generation

        best: tuple[int, str, int] | None = None
        for tape in self.tapes:
            found = re.fullmatch(r"([A-Z]*)(\d+)", tape["barcode"][:6])
            if found and (best is None or int(found[2]) > best[0]):
                best = (int(found[2]), found[1], len(found[2]))
        volser = "RK0001" if best is None else f"{best[1]}{best[0] + 1:0{best[2]}d}"
        if len(volser) > 6:
            volser = "RK0001"  # the numbers ran out: the user gives a first barcode
        return volser + generation(generation_name or self.plan_options.generation).cartridge_type

    def queue_measured(self) -> bool:
        """Something queued, every folder measured and without a problem."""
        return bool(self.queue) and all(q.size is not None and not q.problem for q in self.queue)

    def _replan(self) -> None:
        """The queue, its target or the options changed: the plan shown is gone; a new one follows shortly."""
        self._plan_serial += 1
        self._plan_timer.stop()
        self._drop_plan(self.queue_plan)
        self.queue_plan, self.plan_error, self.planning = None, "", False
        if self.queue_target == NEW_SET and self.queue_measured():
            self.planning = True
            self._plan_timer.start()

    def _drop_plan(self, planned: QueuePlan | None) -> None:
        """An unwritten plan's folder goes (off the GUI thread); a written one stays for `tape plan --rest`."""
        if planned is None:
            return
        import shutil

        folder = planned.plan.folder
        self.runner.submit(CatalogReadJob(f"Remove the plan {folder.name}",
                                          lambda: shutil.rmtree(folder, ignore_errors=True)))

    def plan_folder(self) -> Path:
        """Where the queue's plans go: plans/ beside the catalog (a temporary folder for an in-memory one)."""
        folder = local_folder(self.catalog.path)
        if folder is None:
            return Path(tempfile.gettempdir()) / "reelkeep-plans"
        return folder.resolve() / "plans"

    def plan_queue(self) -> int | None:
        """Plan the queue onto a new tape set now, off the GUI thread (answers with queue_changed)."""
        from app.tape.jobs import PlanTapesJob
        from app.tape.profiles import generation

        self._plan_timer.stop()
        if self.queue_target != NEW_SET or not self.queue_measured():
            return None
        self._replan()
        self._plan_timer.stop()
        serial, options = self._plan_serial, self.plan_options
        try:
            chosen = generation(options.generation)
            start = options.barcode_start.strip().upper() or self.next_barcode(options.generation)
        except Exception as exc:  # noqa: BLE001 - a bad option is said where the plan would be
            self.planning, self.plan_error = False, str(exc)
            self.queue_changed.emit()
            return None
        out = self.plan_folder() / f"{time.strftime('%Y%m%d-%H%M%S')}-{serial}"
        folders = [Path(q.path) for q in self.queue if not q.library]
        ids = tuple(dict.fromkeys(i for q in self.queue for i in q.library))
        if ids:
            from app.tape.plan_library import LibrarySource, PlanLibraryJob

            job = PlanLibraryJob(self.catalog, LibrarySource(ids, options.with_proxies), folders, out, chosen,
                                 options.capacity, options.copies, start, options.split,
                                 block_size=options.block_size)
        else:
            job = PlanTapesJob(folders, out, chosen, options.capacity, options.copies, start, options.split,
                               block_size=options.block_size)
        self.queue_changed.emit()
        return self.runner.submit(QueuePlanJob(job), lambda outcome: self._on_planned(serial, outcome))

    def _on_planned(self, serial: int, outcome: Outcome) -> None:
        if serial != self._plan_serial:
            if outcome.ok:
                self._drop_plan(outcome.value)
            return
        self.planning = False
        if outcome.ok:
            self.queue_plan = outcome.value
        elif not getattr(outcome, "cancelled", False):
            self.plan_error = outcome.message
        self.queue_changed.emit()

    def write_plan(self) -> list[PlannedTape]:
        """The queue drawn per tape: the target tape filled by the folders' bytes, or every cartridge of the new
        set's plan, copy by copy."""
        if self.queue_target == NEW_SET:
            if self.queue_plan is None:
                return []
            plan, continues = self.queue_plan.plan, self.queue_plan.continues
            return [PlannedTape(plan.barcode(copy, tape.number), plan.capacity, 0, tape.used(), (), copy,
                                tape.number, tape.files, tape.spanned, continues[tape.number - 1])
                    for copy in plan.barcodes for tape in plan.tapes]
        tape = self.tape(self.queue_target) if self.queue_target else None
        if tape is None:
            return []
        planned = sum(q.size.bytes for q in self.queue if q.size is not None)
        return [PlannedTape(tape["barcode"], tape["capacity"], tape["used"] or 0, planned,
                            tuple(q.path for q in self.queue))]

    def queue_ready(self) -> bool:
        """Every queued folder measured, without a problem, and a target tape chosen (for a new set: planned)."""
        if not self.queue_measured() or self.queue_target is None:
            return False
        if self.queue_target != NEW_SET:
            return not any(q.library for q in self.queue)  # a library selection goes through a plan
        return self.queue_plan is not None

    def write_queue(self, dest: str = "") -> int | None:
        """Write the queued folders onto the target tape as one new index generation, or the plan onto the new
        set's cartridges; the queue empties."""
        from app.tape.jobs import WriteTapeJob

        if not self.queue_ready() or self.queue_target is None:
            return None
        if self.queue_target == NEW_SET:
            return self._write_planned()
        barcode = self.queue_target
        device = self.device_for(barcode)
        job = self._loaded(WriteTapeJob(device, [Path(q.path) for q in self.queue], dest), barcode)
        self.queue = []
        self.queue_changed.emit()
        return self._submit_tape(job, lambda outcome: self._after_tape_change(outcome, barcode, device,
                                                                              f"Wrote to {barcode}"))

    def _write_planned(self) -> int:
        from app.tape.jobs import WritePlanJob

        assert self.queue_plan is not None
        plan = self.queue_plan.plan
        barcodes = WritePlanJob.barcodes(plan)
        self.queue_plan = None  # written: its folder stays (what a stopped write leaves is planned from it)
        self.queue = []
        self._replan()
        self.queue_changed.emit()
        return self._submit_tape(WritePlanJob(plan.folder, self.device_pattern),
                                 lambda outcome: self._after_plan_write(outcome, plan.folder, barcodes))

    def _after_plan_write(self, outcome: Outcome, folder: Path, barcodes: list[str]) -> None:
        """Every cartridge of the plan holding a written index goes into the catalog, whether the write finished,
        failed or was cancelled (a stopped cartridge ends with an index of the files it finished)."""
        if outcome.ok:
            self.message.emit(f"Wrote {len(outcome.value)} cartridge(s): {', '.join(w.barcode for w in outcome.value)}")
            self._record_hashes(outcome)
        elif not getattr(outcome, "cancelled", False):
            self.failed.emit(f"{outcome.message} (the plan is in {folder})")
        for barcode in barcodes:
            self._submit_tape(ImportCartridgeJob(self.catalog, self.device_for(barcode), barcode, only_written=True),
                              lambda imported: self._on_imported(imported, quiet=imported.ok))
