"""The small jobs behind the Tape panel: hidden catalog reads, a check that the loaded cartridge is the cataloged
tape before a tape job touches it, an index import from a loaded cartridge, sizing folders for the write plan and
planning the queue. The tape work itself is done by app/tape's jobs, the same ones the CLI runs."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.catalog.catalog import Catalog
from app.catalog.tapes import ImportOutcome
from app.core.job import Job, JobContext
from app.tape.profiles import TapeError


class CatalogReadJob:
    """One small read (or write) of the tape catalog for the panel, hidden from the Jobs panel.

    Lane 'catalog': the catalog's own lane, so a read never waits behind a tape job; it is one thread, so the
    tape catalog's writes (imports, verify records) never race each other."""

    visible = False
    lane = "catalog"

    def __init__(self, title: str, read: Callable[[], Any], visible: bool = False) -> None:
        self.title = title
        self.read = read
        self.visible = visible

    def plan(self) -> None:
        return None

    def run(self, plan: None, ctx: JobContext) -> Any:
        return self.read()


class LoadedTapeJob:
    """A tape job run only when the cartridge at the device is the cataloged tape (by its volume UUID): with one
    drive, the wrong cartridge in it is the common mistake, and writing or verifying it would be worse."""

    lane = "tape"

    def __init__(self, job: Job, device: str, barcode: str, volume_uuid: str) -> None:
        self.job, self.device, self.barcode, self.volume_uuid = job, device, barcode, volume_uuid
        self.title = job.title if barcode in job.title else f"{job.title} {barcode}"
        # Set by plan() on the worker; read on the GUI thread only after the runner reported the job finished.
        self.index_generation: int | None = None

    def plan(self) -> Any:
        from app.tape.jobs import open_device
        from app.tape.volume import read_volume

        volume = read_volume(open_device(self.device))
        if volume.label.volume_uuid != self.volume_uuid:
            raise TapeError(f"the cartridge at {self.device} is volume {volume.label.volume_uuid}, not "
                            f"{self.barcode} ({self.volume_uuid}); load {self.barcode}")
        self.index_generation = volume.index.generation
        return self.job.plan()

    def run(self, plan: Any, ctx: JobContext) -> Any:
        return self.job.run(plan, ctx)


class ImportCartridgeJob:
    """The loaded cartridge's newest index into the catalog (lane 'tape': it reads the cartridge).

    only_written: after a plan write, a cartridge of the plan that is missing, blank or holds only the index of its
    format (generation 1: the write stopped before it) is skipped and the job ends with None, as the CLI does."""

    lane = "tape"

    def __init__(self, catalog: Catalog, device: str, barcode: str = "", only_written: bool = False) -> None:
        self.catalog, self.device, self.only_written = catalog, device, only_written
        self.title = f"Catalog the index of {barcode or device}"

    def plan(self) -> Any:
        from app.core.errors import ReelkeepError
        from app.tape.jobs import open_device
        from app.tape.volume import read_volume

        if not self.only_written:
            return open_device(self.device)
        try:
            tape = open_device(self.device)
            return tape if read_volume(tape).index.generation > 1 else None
        except (ReelkeepError, OSError):
            return None

    def run(self, tape: Any, ctx: JobContext) -> ImportOutcome | None:
        from app.tape.offline import import_volume

        ctx.cancel.check()
        return None if tape is None else import_volume(self.catalog, tape)


@dataclass(frozen=True)
class QueuePlan:
    """A plan of the write queue and, per planned tape, whether its last file goes on onto the next tape."""

    plan: Any  # app.tape.plan.TapePlan (a plain value: its folder, settings and per-tape totals)
    continues: tuple[bool, ...]


class QueuePlanJob:
    """The write queue planned by app/tape's PlanTapesJob into a plan folder, hidden from the Jobs panel (it runs
    again whenever the queue or its options change).

    Lane 'scan', not 'tape': planning reads only the sources, so it neither waits behind a write on the drive nor
    holds the drive up."""

    lane = "scan"
    visible = False

    def __init__(self, job: Any) -> None:
        self.job = job
        self.title = job.title

    def plan(self) -> Any:
        return self.job.plan()

    def run(self, previous: Any, ctx: JobContext) -> QueuePlan:
        plan = self.job.run(previous, ctx)
        return QueuePlan(plan, tuple(_ends_in_part(plan, tape.number) for tape in plan.tapes))


def _ends_in_part(plan: Any, number: int) -> bool:
    """The tape's last file is a part whose rest is on the next tape (a file is split only at a tape's end)."""
    from app.tape.plan_walk import FILE

    last = None
    for item in plan.items(number):
        if item.kind == FILE:
            last = item
    return last is not None and not last.last_part


@dataclass(frozen=True)
class FolderSize:
    path: str
    files: int
    bytes: int


def folder_size(path: str) -> FolderSize:
    """The files and bytes a folder write puts on tape (symlinks count as entries, not bytes)."""
    if not os.path.isdir(path):
        raise TapeError(f"{path} is not a folder")
    files = size = 0
    for folder, _dirs, names in os.walk(path):
        for name in names:
            info = os.lstat(os.path.join(folder, name))
            files += 1
            size += 0 if stat.S_ISLNK(info.st_mode) else info.st_size
    return FolderSize(str(Path(path)), files, size)
