"""The tape plan: which files go on which cartridge, in tape order, spanning as many cartridges as needed, for one
or two copy sets (A, B), before anything is written.

The plan streams: items come from a generator (walk_sources, or any iterator of TapeItem) and go straight to one
JSON-lines file per tape in the plan folder; only the per-tape totals stay in memory, so a plan of a million files
costs what one tape's counters cost. plan.json holds the settings, the barcodes and those totals.

Space on a cartridge: its native capacity less the profile's index reserve (scaled to a simulated cartridge's
capacity) and TAPE_OVERHEAD; each file takes its bytes in records of its own (its data starts on a new record; a
record costs RECORD_COST besides its data, a short last record only its bytes) and an allowance for
its index entries, manifest line and MHL entry (write_files.metadata_allowance, the figure the write's own
early-warning check uses). A file larger than the space left is split at a record boundary into parts, each an
ordinary file on its tape with `ltfs.spannedFileOffset` (docs/tape.md, "Spanning"); a file smaller than
SPLIT_MIN_RECORDS records, or any file with split=False, moves whole to the next cartridge instead.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from app.tape.ltfs_label import ltfs_time, volume_serial
from app.tape.pipeline import DEFAULT_RECORD
from app.tape.plan_walk import FILE, FOLDER, TapeItem
from app.tape.profiles import Generation, TapeError, generation
from app.tape.write_files import metadata_allowance

PLAN_FILE = "plan.json"
PLAN_VERSION = 1
COPY_NAMES = "AB"
TAPE_OVERHEAD = 1 << 20  # per cartridge: both label constructs, the first index, the set's manifest, the MHL chain
# What a record costs on tape besides its data: a drive packs variable-length records into its data sets, so a
# short last record takes its own bytes, not a whole block, plus an entry in the data set's access table.
RECORD_COST = 64
SPLIT_MIN_RECORDS = 16  # smaller files never span: a part of a few records is not worth a second cartridge


class PlanError(TapeError):
    """The sources cannot be planned as asked (a file larger than a cartridge with --no-split, a bad barcode)."""


@dataclass
class PlannedTape:
    """One cartridge of the plan (the same content for every copy): its entry list and totals."""

    number: int  # 1-based, in writing order
    entries: str  # the JSON-lines file in the plan folder
    files: int = 0  # files and symlinks, including parts of spanned files
    folders: int = 0
    bytes: int = 0  # data bytes
    records: int = 0
    allowance: int = 0  # bytes allowed for the entries' metadata
    spanned: int = 0  # parts of files spanning cartridges
    first: str = ""  # the first and last file on it, for people reading a summary
    last: str = ""

    def used(self) -> int:
        return self.bytes + self.records * RECORD_COST + self.allowance


@dataclass
class TapePlan:
    folder: Path
    tape_set: str
    generation: Generation
    capacity: int
    block_size: int
    copies: int
    split: bool
    reserve: int
    tapes: list[PlannedTape]
    barcodes: dict[str, list[str]]  # copy (A, B) → barcode of each tape number
    sources: list[str] = field(default_factory=list)
    created: str = ""

    @property
    def usable(self) -> int:
        return self.capacity - self.reserve

    def fill(self, tape: PlannedTape) -> float:
        """The share of the cartridge's capacity the tape's plan uses (data records and metadata allowance)."""
        return tape.used() / self.capacity

    def barcode(self, copy: str, number: int) -> str:
        return self.barcodes[copy][number - 1]

    def items(self, number: int) -> Iterator[TapeItem]:
        """The tape's items in order, read from the plan folder as they are needed."""
        with open(self.folder / self.tapes[number - 1].entries, encoding="utf-8") as rows:
            for line in rows:
                yield TapeItem.from_row(json.loads(line))

    def save(self) -> None:
        summary = {"version": PLAN_VERSION, "set": self.tape_set, "generation": self.generation.name,
                   "capacity": self.capacity, "block_size": self.block_size, "copies": self.copies,
                   "split": self.split, "reserve": self.reserve, "created": self.created, "sources": self.sources,
                   "barcodes": self.barcodes, "tapes": [asdict(tape) for tape in self.tapes]}
        partial = self.folder / (PLAN_FILE + ".partial")
        partial.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        partial.replace(self.folder / PLAN_FILE)

    @staticmethod
    def load(folder: Path) -> TapePlan:
        folder = Path(folder)
        try:
            data = json.loads((folder / PLAN_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise PlanError(f"{folder} holds no readable tape plan ({PLAN_FILE}: {exc})") from None
        if data.get("version") != PLAN_VERSION:
            raise PlanError(f"{folder / PLAN_FILE} is a plan of another version ({data.get('version')})")
        return TapePlan(folder, data["set"], generation(data["generation"]), data["capacity"], data["block_size"],
                        data["copies"], data["split"], data["reserve"],
                        [PlannedTape(**tape) for tape in data["tapes"]], data["barcodes"], data["sources"],
                        data["created"])


def barcode_sequence(start: str, generation: Generation, count: int) -> list[str]:
    """count barcodes from start ('RK0001' or 'RK0001L9'), the trailing digits counting up (RK0009 → RK0010);
    each with the generation's media suffix."""
    start = start.strip().upper()
    volser = volume_serial(start)
    suffix = start[6:]
    if suffix and suffix != generation.cartridge_type:
        raise PlanError(f"{start} is a barcode of an {suffix} cartridge; this plan is {generation.name} "
                        f"({generation.cartridge_type})")
    digits = len(volser) - len(volser.rstrip("0123456789"))
    if digits == 0:
        raise PlanError(f"{start}: a first barcode must end in digits to count up from (e.g. RK0001)")
    prefix, first = volser[:-digits], int(volser[-digits:])
    if first + count - 1 >= 10**digits:
        raise PlanError(f"{count} barcodes from {volser} run past {prefix}{'9' * digits}: start lower")
    return [f"{prefix}{first + n:0{digits}d}{generation.cartridge_type}" for n in range(count)]


def index_reserve(generation: Generation, capacity: int) -> int:
    """Bytes of a cartridge never planned: the profile's reserve for the final indexes, scaled to the capacity
    (a simulated cartridge of 64 MB keeps 64 MB × 20 GB / 18 TB of it), and TAPE_OVERHEAD."""
    return TAPE_OVERHEAD + generation.index_reserve * capacity // generation.native_capacity


def plan_tapes(items: Iterable[TapeItem], out: Path, chosen: Generation, capacity: int | None = None,
               block_size: int = DEFAULT_RECORD, copies: int = 1, barcode_start: str = "RK0001",
               split: bool = True, sources: Iterable[str] = (),
               on_item: Callable[[TapeItem, int], None] | None = None, tape_set: str | None = None,
               copy_names: str | None = None) -> TapePlan:
    """Plan items (in tape order) onto as many cartridges as they need, into the new folder out.
    on_item(item, tape number) follows each item as it is placed. The tape set is named after its first barcode
    unless given; copies are named A and B unless copy_names says otherwise (a plan of the rest of copy B)."""
    copy_names = copy_names or COPY_NAMES[:copies]
    if copies not in (1, 2) or len(copy_names) != copies:
        raise PlanError("copies: 1, or 2 for an A and a B set")
    capacity = chosen.native_capacity if capacity is None else capacity
    volume_serial(barcode_start)  # a usable barcode before any work
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise PlanError(f"{out} exists and is not an empty folder: give a new folder for the plan")
    out.mkdir(parents=True, exist_ok=True)
    try:
        planner = _Planner(out, capacity - index_reserve(chosen, capacity), block_size, split, on_item)
        for item in items:
            planner.add(item)
        tapes = planner.finish()
        count = len(tapes)
        sequence = barcode_sequence(barcode_start, chosen, count * copies)  # copy B continues the numbering
        barcodes = {copy_names[c]: sequence[c * count:(c + 1) * count] for c in range(copies)}
        plan = TapePlan(out, tape_set or sequence[0], chosen, capacity, block_size, copies, split,
                        index_reserve(chosen, capacity), tapes, barcodes, list(sources), ltfs_time())
        plan.save()
        return plan
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise


class _Planner:
    def __init__(self, out: Path, usable: int, block_size: int, split: bool,
                 on_item: Callable[[TapeItem, int], None] | None) -> None:
        if usable <= 0:
            raise PlanError("the cartridge is too small to hold anything after its reserve for indexes")
        self.out, self.usable, self.block_size, self.split, self.on_item = out, usable, block_size, split, on_item
        self.tapes: list[PlannedTape] = []
        self.rows = None
        self._next_tape()

    def _next_tape(self) -> None:
        if self.rows is not None:
            self.rows.close()
        number = len(self.tapes) + 1
        tape = PlannedTape(number, f"tape-{number:04d}.jsonl")
        self.tapes.append(tape)
        self.rows = open(self.out / tape.entries, "w", encoding="utf-8")  # noqa: SIM115 - one per tape, closed on the next

    @property
    def tape(self) -> PlannedTape:
        return self.tapes[-1]

    def _put(self, item: TapeItem, allowance: int) -> None:
        tape = self.tape
        tape.allowance += allowance
        if item.kind == FOLDER:
            tape.folders += 1
        else:
            tape.files += 1
            tape.records += -(-item.length // self.block_size)
            tape.bytes += item.length
            tape.spanned += item.spanned
            tape.first = tape.first or item.path
            tape.last = item.path
        assert self.rows is not None
        self.rows.write(json.dumps(item.row()) + "\n")
        if self.on_item is not None:
            self.on_item(item, tape.number)

    def add(self, item: TapeItem) -> None:
        allowance = metadata_allowance(item.path)
        if item.kind != FILE:
            if self.usable - self.tape.used() < allowance:
                self._next_tape()
            self._put(item, allowance)
            return
        offset, left = item.offset, item.length
        splittable = self.split and item.size >= SPLIT_MIN_RECORDS * self.block_size
        while True:
            free = self.usable - self.tape.used() - allowance
            blank = self.tape.records == 0 and self.tape.files == 0
            if left + -(-left // self.block_size) * RECORD_COST <= free:
                self._put(item if offset == item.offset else replace(item, offset=offset, length=left), allowance)
                return
            fits = free // (self.block_size + RECORD_COST)
            if splittable and fits >= 1:
                part = fits * self.block_size  # a record boundary: each part starts its own records
                self._put(replace(item, offset=offset, length=part), allowance)
                offset, left = offset + part, left - part
            elif blank and not self.split:
                raise PlanError(f"{item.source} ({item.size:,} bytes) is larger than a whole cartridge "
                                f"({self.usable:,} bytes usable): it can only be written split across cartridges "
                                "(plan without --no-split)")
            elif blank and fits >= 1:
                raise PlanError(f"{item.source} ({item.size:,} bytes) is larger than a whole cartridge "
                                f"({self.usable:,} bytes usable) and below {SPLIT_MIN_RECORDS} records, too small "
                                "to split: plan with larger cartridges")
            elif blank:  # split, yet not one record fits: the cartridge is smaller than its index reserve allows
                raise PlanError(f"{item.source} ({item.size:,} bytes) does not fit: a cartridge has only "
                                f"{self.usable:,} bytes usable after the index reserve, too little for a record of "
                                f"{self.block_size:,} bytes; plan with larger cartridges (or a smaller block size)")
            self._next_tape()

    def finish(self) -> list[PlannedTape]:
        assert self.rows is not None
        self.rows.close()
        return self.tapes
