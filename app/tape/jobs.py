"""Tape jobs on the `tape` lane (a drive is serial hardware: one job at a time); the CLI runs the same ones.

Devices: `file:DIR`, a simulated cartridge (app/tape/simulated.py); `/dev/nstN`, a drive through the Linux st
driver (app/tape/st_device.py, untested here); a mounted LTFS volume is a folder with its own writer
(app/tape/mounted.py)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.catalog.catalog import Catalog
from app.catalog.db import local_folder
from app.core.job import JobContext
from app.core.progress import ProgressMeter
from app.tape.ltfs_index import LtfsIndex
from app.tape.mounted import MountWrite, write_to_mount
from app.tape.pipeline import DEFAULT_RECORD
from app.tape.plan import TapePlan, plan_tapes
from app.tape.plan_archive import SOURCES_FOLDER, ArchiveSource, archive_items, check_source
from app.tape.plan_walk import TapeItem, walk_sources
from app.tape.plan_write import (
    BARCODE_FIELD,
    SpanStates,
    device_for,
    plan_rest,
    prepare_cartridge,
    record_written,
    write_planned_tape,
    written_state,
)
from app.tape.profiles import Generation, TapeError
from app.tape.restore import RestoreReport, restore
from app.tape.simulated import SimulatedTape
from app.tape.verification import VerificationResult, files_in_tape_order, verify_volume, write_reports
from app.tape.volume import Volume, format_volume, read_volume
from app.tape.write_files import CartridgeFull, SourceHash, TapeWrite, write_folder

SIMULATED = "file:"


def open_device(device: str, create: Generation | None = None, capacity: int | None = None) -> SimulatedTape:
    """The cartridge behind a DEVICE argument; with create, a new simulated one."""
    if device.startswith(SIMULATED):
        folder = Path(device[len(SIMULATED):]).expanduser()
        if create is not None and not (folder / "filedebug_tc_conf.xml").exists():
            return SimulatedTape.create(folder, create, capacity)
        return SimulatedTape.open(folder)
    if device.startswith("/dev/"):
        from app.tape.st_device import StTape  # untested here: no drive on this machine (docs/tape.md)

        return StTape(device)  # type: ignore[return-value]  # the same calls as a simulated cartridge
    if os.path.isdir(device):
        raise TapeError(f"{device} is a folder: a mounted LTFS volume takes `reelkeep tape write MOUNT SRC…`, "
                        "`tape list MOUNT` and `tape import-index MOUNT --barcode B`; other verbs need a cartridge "
                        "(file:FOLDER for a simulated one, /dev/nstN for a drive)")
    raise TapeError(f"{device!r} is not a tape device: give file:FOLDER (a simulated cartridge), /dev/nstN (a drive) "
                    "or the folder of a mounted LTFS volume")


class FormatTapeJob:
    lane = "tape"

    def __init__(self, device: str, barcode: str, generation: Generation, capacity: int | None = None) -> None:
        self.device, self.barcode, self.generation, self.capacity = device, barcode, generation, capacity
        self.title = f"Format {barcode}"

    def plan(self) -> SimulatedTape:
        return open_device(self.device, self.generation, self.capacity)

    def run(self, tape: SimulatedTape, ctx: JobContext) -> Volume:
        ctx.cancel.check()
        if tape.generation is not self.generation:
            raise TapeError(f"the cartridge is {tape.generation.name}, not {self.generation.name}")
        return format_volume(tape, self.barcode)


@dataclass(frozen=True)
class WritePlan:
    tape: SimulatedTape
    sources: list[Path]
    bytes: int


# In a write's progress message once its pause took effect (between files); the Tape panel looks for it.
PAUSE_TOOK_EFFECT = "finished before the pause"


def paused_note(meter: ProgressMeter, barcode: str = "") -> Callable[[LtfsIndex, int], None]:
    """What the progress line says while a write is paused: the index that makes its finished files safe."""
    def note(index: LtfsIndex, files: int) -> None:
        where = f"{barcode}: " if barcode else ""
        meter.note(f"{where}{files:,} file(s) {PAUSE_TOOK_EFFECT} · index generation {index.generation} written: "
                   "the cartridge is a clean volume")
    return note


class WriteTapeJob:
    lane = "tape"

    def __init__(self, device: str, sources: list[Path], dest: str = "") -> None:
        self.device, self.sources, self.dest = device, [Path(s) for s in sources], dest
        self.title = f"Write {len(self.sources)} folder(s) to tape"

    def plan(self) -> WritePlan:
        tape = open_device(self.device)
        read_volume(tape)  # formatted, readable
        total = 0
        for source in self.sources:
            if not source.is_dir():
                raise TapeError(f"{source} is not a folder")
            for folder, _dirs, files in os.walk(source):
                total += sum(os.lstat(os.path.join(folder, f)).st_size for f in files)
        if total > tape.remaining:
            raise TapeError(f"{total:,} bytes do not fit: the cartridge has {tape.remaining:,} left; span them "
                            "across cartridges with `reelkeep tape plan` (docs/tape.md)")
        return WritePlan(tape, self.sources, total)

    def run(self, plan: WritePlan, ctx: JobContext) -> list[TapeWrite]:
        meter = ProgressMeter(ctx.progress, total=plan.bytes, unit="bytes")
        return [write_folder(plan.tape, source, self.dest, ctx.cancel, meter.advance, paused_note(meter))
                for source in plan.sources]


class VerifyTapeJob:
    """Read every file back along the tape and check it; with a catalog, the pass is recorded there (the tape is
    imported first when the catalog does not have this index yet) and its reports are written to report_dir.
    A cancel keeps what was checked: the pass is recorded as incomplete, then the job ends cancelled."""

    lane = "tape"

    def __init__(self, device: str, catalog: Catalog | None = None, report_dir: Path | None = None) -> None:
        self.device, self.catalog, self.report_dir = device, catalog, report_dir
        self.title = "Verify tape"

    def plan(self) -> tuple[SimulatedTape, Volume]:
        tape = open_device(self.device)
        return tape, read_volume(tape)

    def run(self, plan: tuple[SimulatedTape, Volume], ctx: JobContext) -> VerificationResult:
        from app.tape.offline import import_volume, tape_barcode

        tape, volume = plan
        barcode = tape_barcode(tape) or volume_serial_of(tape)
        total = sum(e.length for _p, e in files_in_tape_order(volume.index))
        meter = ProgressMeter(ctx.progress, total=total, unit="bytes")
        result = verify_volume(tape, volume, barcode, ctx.cancel, meter.advance)
        report = write_reports(result, self.report_dir) if self.report_dir is not None and result.files else None
        result.report = report
        if self.catalog is not None and result.files:
            known = self.catalog.tapes.by_volume_uuid(volume.index.volume_uuid)
            if known is None or known["index_generation"] < volume.index.generation:
                known = {"id": import_volume(self.catalog, tape, volume).tape_id}
            self.catalog.tapes.record_verification(known["id"], result.started_at, volume.index.generation,
                                                   result.files, result.bytes, len(result.problems), result.complete,
                                                   str(report) if report else None)
        ctx.cancel.check()
        return result


def volume_serial_of(tape: SimulatedTape) -> str:
    """The barcode's stand-in when the cartridge memory has none: the VOL1 label's volume serial."""
    tape.locate(0, 0)
    record = tape.read_record()
    return record[4:10].decode("ascii", "replace").strip() if isinstance(record, bytes) else "?"


def default_report_dir(catalog: Catalog) -> Path | None:
    """Reports beside the catalog file (reports/tape/; see local_folder); None for an in-memory catalog."""
    folder = local_folder(catalog.path)
    return None if folder is None else folder / "reports" / "tape"


class RestoreTapeJob:
    lane = "tape"

    def __init__(self, device: str, paths: list[str], dest: Path) -> None:
        self.device, self.paths, self.dest = device, paths or [""], Path(dest)
        self.title = f"Restore from tape to {self.dest.name}"

    def plan(self) -> SimulatedTape:
        return open_device(self.device)

    def run(self, tape: SimulatedTape, ctx: JobContext) -> RestoreReport:
        meter = ProgressMeter(ctx.progress, unit="bytes")
        return restore(tape, self.paths, self.dest, ctx.cancel, meter.advance)


class PlanTapesJob:
    """Plan folders and archive versions (app/tape/plan_archive.py) onto cartridges (spanning, copies), streamed to
    a plan folder; no tape needed."""

    lane = "tape"

    def __init__(self, sources: Sequence[Path | ArchiveSource], out: Path, generation: Generation,
                 capacity: int | None = None, copies: int = 1, barcode_start: str = "RK0001", split: bool = True,
                 dest: str = "", block_size: int = DEFAULT_RECORD, rest_of: Path | None = None) -> None:
        self.sources = [s if isinstance(s, ArchiveSource) else Path(s) for s in sources]
        self.out, self.generation = Path(out), generation
        self.capacity, self.copies, self.barcode_start, self.split = capacity, copies, barcode_start, split
        self.dest, self.block_size, self.rest_of = dest, block_size, rest_of
        self.title = f"Plan tapes for {len(self.sources)} source(s)" if rest_of is None else "Plan the rest"

    def plan(self) -> TapePlan | None:
        """The plan whose rest is asked for (None for a new plan); checks the sources are folders or versions."""
        for source in self.sources:
            if isinstance(source, ArchiveSource):
                check_source(source)
            elif not source.is_dir():
                raise TapeError(f"{source} is not a folder")
        return TapePlan.load(self.rest_of) if self.rest_of is not None else None

    def _items(self) -> Iterator[TapeItem]:
        for source in self.sources:  # in the order given; the plan folder exists once items are asked for
            if isinstance(source, ArchiveSource):
                yield from archive_items(source, self.dest, self.out / SOURCES_FOLDER)
            else:
                yield from walk_sources([source], self.dest)

    def run(self, previous: TapePlan | None, ctx: JobContext) -> TapePlan:
        meter = ProgressMeter(ctx.progress, unit="files")

        def placed(item: TapeItem, number: int) -> None:
            ctx.cancel.check()
            meter.advance(1, f"tape {number}: {item.path}")

        if previous is not None:
            return plan_rest(previous, self.out, None, self.barcode_start or None, placed)
        return plan_tapes(self._items(), self.out, self.generation, self.capacity,
                          self.block_size, self.copies, self.barcode_start, self.split,
                          [str(s) for s in self.sources], placed)


@dataclass(frozen=True)
class PlannedWrite:
    """One cartridge of a plan, written."""

    barcode: str
    copy: str
    number: int
    device: str
    files: int
    bytes: int
    index_generation: int
    hashed: tuple[SourceHash, ...] = ()  # see TapeWrite


class WritePlanJob:
    """Write a tape plan: every cartridge of every copy in turn; with a device pattern holding {barcode}
    (file:/tapes/{barcode}) each cartridge is its own simulated one, made and formatted when blank."""

    lane = "tape"

    def __init__(self, plan_folder: Path, device_pattern: str) -> None:
        self.folder, self.pattern = Path(plan_folder), device_pattern
        self.title = f"Write the tape plan {self.folder.name}"

    def plan(self) -> TapePlan:
        plan = TapePlan.load(self.folder)
        count = len(plan.tapes) * len(plan.barcodes)
        if count > 1 and BARCODE_FIELD not in self.pattern:
            raise TapeError(f"the plan needs {count} cartridges ({', '.join(self.barcodes(plan))}) but "
                            f"{self.pattern} names one; give a device with {BARCODE_FIELD} in it (e.g. "
                            f"file:/tapes/{BARCODE_FIELD}) so each cartridge has its own")
        return plan

    @staticmethod
    def barcodes(plan: TapePlan) -> list[str]:
        return [b for barcodes in plan.barcodes.values() for b in barcodes]

    def run(self, plan: TapePlan, ctx: JobContext) -> list[PlannedWrite]:
        meter = ProgressMeter(ctx.progress, total=sum(t.bytes for t in plan.tapes) * len(plan.barcodes),
                              unit="bytes")
        done: list[PlannedWrite] = []
        spans: SpanStates = {}
        done_before = written_state(plan)
        for copy in plan.barcodes:
            for planned in plan.tapes:
                barcode = plan.barcode(copy, planned.number)
                if done_before.get(copy, {}).get(barcode) in ("complete", "full"):
                    continue  # written by an earlier run of this plan
                where = f"{barcode} (copy {copy}, tape {planned.number} of {len(plan.tapes)})"
                meter.note(f"{where}: loading")
                device = device_for(self.pattern, barcode)
                tape = open_device(device, plan.generation, plan.capacity)
                prepare_cartridge(tape, plan, barcode)

                def finished(item: TapeItem, where: str = where) -> None:
                    if meter.message.endswith(": loading"):  # the tape's first file is always shown
                        meter.note(f"{where}: {item.path}")
                    else:  # the others with the next throttled update
                        meter.message = f"{where}: {item.path}"

                try:
                    result = write_planned_tape(tape, plan, copy, planned.number, spans, ctx.cancel,
                                                meter.advance, finished, paused_note(meter, barcode))
                except CartridgeFull as full:
                    record_written(plan, copy, barcode, "full")
                    raise TapeError(
                        f"{where} held less than planned and is full: {full}. The tapes written so far are "
                        f"complete; {barcode}'s index lists what it holds. Plan what is left with `reelkeep tape "
                        f"plan --rest {plan.folder} --out NEW_PLAN` and write that plan on new cartridges"
                    ) from None
                record_written(plan, copy, barcode, "complete")
                done.append(PlannedWrite(barcode, copy, planned.number, device, result.files, result.bytes,
                                         result.index.generation, result.hashed))
        return done


class MountWriteJob:
    """Folders into a mounted LTFS volume (the LTFS software owns the drive and the index; app/tape/mounted.py)."""

    lane = "tape"

    def __init__(self, mount: Path, sources: list[Path], dest: str = "") -> None:
        self.mount, self.sources, self.dest = Path(mount), [Path(s) for s in sources], dest
        self.title = f"Write {len(self.sources)} folder(s) to the LTFS volume at {self.mount}"

    def plan(self) -> int:
        for source in self.sources:
            if not source.is_dir():
                raise TapeError(f"{source} is not a folder")
        return sum(os.lstat(os.path.join(folder, f)).st_size
                   for source in self.sources for folder, _dirs, files in os.walk(source) for f in files)

    def run(self, total: int, ctx: JobContext) -> list[MountWrite]:
        meter = ProgressMeter(ctx.progress, total=total, unit="bytes")
        def paused(files: int) -> None:
            meter.note(f"{files:,} file(s) {PAUSE_TOOK_EFFECT} · each is closed and indexed by the LTFS software")

        return [write_to_mount(self.mount, source, self.dest, ctx.cancel, meter.advance, paused)
                for source in self.sources]
