"""Tape jobs on the `tape` lane (a drive is serial hardware: one job at a time); the CLI runs the same ones.

Devices today: `file:DIR`, a simulated cartridge (app/tape/simulated.py). Real drives (`/dev/nstN`) and mounted
LTFS volumes come next (docs/tape.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from app.core.job import JobContext
from app.core.progress import ProgressMeter
from app.tape.ltfs_index import FileEntry
from app.tape.profiles import Generation, TapeError
from app.tape.read_files import check_entry
from app.tape.restore import RestoreReport, restore
from app.tape.simulated import SimulatedTape
from app.tape.volume import Volume, format_volume, read_volume
from app.tape.write_files import TapeWrite, write_folder

SIMULATED = "file:"


def open_device(device: str, create: Generation | None = None, capacity: int | None = None) -> SimulatedTape:
    """The cartridge behind a DEVICE argument; with create, a new simulated one."""
    if device.startswith(SIMULATED):
        folder = Path(device[len(SIMULATED):]).expanduser()
        if create is not None and not (folder / "filedebug_tc_conf.xml").exists():
            return SimulatedTape.create(folder, create, capacity)
        return SimulatedTape.open(folder)
    if device.startswith("/dev/"):
        raise TapeError(f"{device}: real drives through the Linux st driver are not supported yet; use a simulated "
                        "cartridge (file:FOLDER) — see docs/tape.md")
    raise TapeError(f"{device!r} is not a tape device: give file:FOLDER for a simulated cartridge")


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
            raise TapeError(f"{total:,} bytes do not fit: the cartridge has {tape.remaining:,} left (spanning "
                            "across cartridges comes with the tape plan)")
        return WritePlan(tape, self.sources, total)

    def run(self, plan: WritePlan, ctx: JobContext) -> list[TapeWrite]:
        meter = ProgressMeter(ctx.progress, total=plan.bytes, unit="bytes")
        return [write_folder(plan.tape, source, self.dest, ctx.cancel, meter.advance) for source in plan.sources]


@dataclass(frozen=True)
class VerifyReport:
    files: int
    bytes: int
    problems: list[tuple[str, str]]  # (path on tape, what is wrong)


class VerifyTapeJob:
    lane = "tape"

    def __init__(self, device: str) -> None:
        self.device = device
        self.title = "Verify tape"

    def plan(self) -> tuple[SimulatedTape, Volume]:
        tape = open_device(self.device)
        return tape, read_volume(tape)

    def run(self, plan: tuple[SimulatedTape, Volume], ctx: JobContext) -> VerifyReport:
        tape, volume = plan
        files = [(path, entry) for path, entry in volume.index.root.walk()
                 if isinstance(entry, FileEntry) and entry.symlink is None]
        meter = ProgressMeter(ctx.progress, total=sum(e.length for _p, e in files), unit="bytes")
        problems = []
        for path, entry in files:
            ctx.cancel.check()
            problem = check_entry(tape, entry)
            if problem is not None:
                problems.append((path, problem))
            meter.advance(entry.length, path)
        return VerifyReport(len(files), sum(e.length for _p, e in files), problems)


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
