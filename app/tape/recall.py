"""Restore from the offline catalog: which tapes hold the chosen files, in what order to load them (by barcode,
then along each tape by partition and block), and the restore itself, tape after tape, each file checked against
its digest before it is put in place.

A path held by both copy sets (A and B) comes from the copy asked for, else from A; a file spanning tapes comes from
all the parts of one copy, in order.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.catalog.catalog import Catalog
from app.core.job import JobContext
from app.core.progress import ProgressMeter
from app.tape.profiles import TapeError
from app.tape.restore import RestoreReport, restore
from app.tape.simulated import SimulatedTape
from app.tape.volume import read_volume

BARCODE_FIELD = "{barcode}"


@dataclass
class TapeVisit:
    """One cartridge to load and what to take from it, in tape order."""

    barcode: str
    volume_uuid: str
    paths: list[str] = field(default_factory=list)
    bytes: int = 0
    first_block: int | None = None


@dataclass
class RecallPlan:
    visits: list[TapeVisit]
    spanned: list[list[dict[str, Any]]]  # each: the parts of one file, by offset
    missing: list[tuple[str, str]]  # (path, why it cannot be restored)
    folders: list[str] = field(default_factory=list)  # made on disk, no tape needed (empty ones come back too)

    @property
    def bytes(self) -> int:
        return sum(v.bytes for v in self.visits) + sum(p["span_length"] for p, *_ in self.spanned)

    @property
    def files(self) -> int:
        return sum(len(v.paths) for v in self.visits) + len(self.spanned)


def _copy_rank(row: dict[str, Any], copy: str | None) -> tuple[int, str, str]:
    preferred = (copy or "A").upper()
    return (0 if (row["copy"] or "A") == preferred else 1, row["copy"] or "", row["barcode"])


def plan_recall(catalog: Catalog, paths: list[str], copy: str | None = None) -> RecallPlan:
    """The tapes to load for paths (files or folders on tape, '/'-separated), with no tape loaded."""
    wanted: dict[str, list[dict[str, Any]]] = defaultdict(list)
    missing: list[tuple[str, str]] = []
    for asked in paths:
        asked = asked.strip("/")
        rows = catalog.tapes.entries_at(asked)
        if not rows:
            missing.append((asked, "no cataloged tape holds it (`reelkeep tape find` searches the catalog)"))
        for row in rows:
            wanted[row["path"]].append(row)
    visits: dict[str, TapeVisit] = {}
    spanned: list[list[dict[str, Any]]] = []
    folders = []
    for path, candidates in sorted(wanted.items()):
        if all(r["kind"] == "folder" for r in candidates):
            folders.append(path)
            continue
        whole = [r for r in candidates if r["span_offset"] is None]
        if whole:
            best = min(whole, key=lambda r: _copy_rank(r, copy))
            visit = visits.setdefault(best["barcode"], TapeVisit(best["barcode"], best["volume_uuid"]))
            visit.paths.append(path)
            visit.bytes += best["length"] if best["kind"] == "file" else 0
            if best["start_block"] is not None:
                visit.first_block = min(best["start_block"], visit.first_block or best["start_block"])
            continue
        parts = _complete_span(catalog, candidates, copy)
        if isinstance(parts, str):
            missing.append((path, parts))
        else:
            spanned.append(parts)
    ordered = [visits[b] for b in sorted(visits)]
    for visit in ordered:
        visit.paths.sort(key=lambda p: _tape_order(wanted[p], visit.barcode))
    return RecallPlan(ordered, spanned, missing, folders)


def _tape_order(rows: list[dict[str, Any]], barcode: str) -> tuple[int, int, int]:
    row = next(r for r in rows if r["barcode"] == barcode)
    if row["start_block"] is None:
        return (0, 0, 0)
    return (1, row["partition"] or 0, row["start_block"])


def _complete_span(catalog: Catalog, candidates: list[dict[str, Any]], copy: str | None) -> list[dict[str, Any]] | str:
    """All the parts of one copy of a spanned file, or why there is no complete set."""
    best = min(candidates, key=lambda r: _copy_rank(r, copy))
    parts = catalog.tapes.span_parts(best["path"], best["span_length"], best["tape_set"], best["copy"])
    offset = 0
    for part in parts:
        if part["span_offset"] != offset:
            return (f"the part at byte {offset:,} of this file spanning tapes is on no cataloged tape of set "
                    f"{best['tape_set'] or '(none)'}, copy {best['copy'] or 'A'}: import that tape's index first")
        offset += part["length"]
    if offset != best["span_length"]:
        return f"only {offset:,} of its {best['span_length']:,} bytes are on cataloged tapes"
    return parts


def device_for(pattern: str, barcode: str) -> str:
    return pattern.replace(BARCODE_FIELD, barcode)


def load_checked(pattern: str, visit: TapeVisit) -> SimulatedTape:
    """The cartridge the plan needs, refusing another one (a wrong tape in the drive is a common mistake)."""
    from app.tape.jobs import open_device

    tape = open_device(device_for(pattern, visit.barcode))
    uuid = read_volume(tape).label.volume_uuid
    if uuid != visit.volume_uuid:
        raise TapeError(f"the cartridge at {device_for(pattern, visit.barcode)} is volume {uuid}, not {visit.barcode} "
                        f"({visit.volume_uuid}); load {visit.barcode}")
    return tape


class RecallJob:
    """Restore what a recall plan names, tape after tape (lane `tape`)."""

    lane = "tape"

    def __init__(self, catalog: Catalog, paths: list[str], dest: Path, device_pattern: str,
                 copy: str | None = None) -> None:
        self.catalog, self.paths, self.dest, self.pattern, self.copy = catalog, paths, Path(dest), device_pattern, copy
        self.title = f"Restore {len(paths)} item(s) from the tape catalog to {self.dest.name}"

    def plan(self) -> RecallPlan:
        plan = plan_recall(self.catalog, self.paths, self.copy)
        if len(plan.visits) + len({p["barcode"] for s in plan.spanned for p in s}) > 1 \
                and BARCODE_FIELD not in self.pattern:
            raise TapeError(f"the files are on several tapes; give a device with {BARCODE_FIELD} in it (e.g. "
                            f"file:/tapes/{BARCODE_FIELD}) so each cartridge can be found")
        return plan

    def run(self, plan: RecallPlan, ctx: JobContext) -> RestoreReport:
        meter = ProgressMeter(ctx.progress, total=plan.bytes, unit="bytes")
        report = RestoreReport(problems=list(plan.missing))
        for folder in plan.folders:
            (self.dest / folder).mkdir(parents=True, exist_ok=True)
        for visit in plan.visits:
            ctx.cancel.check()
            meter.advance(0, f"loading {visit.barcode}")
            tape = load_checked(self.pattern, visit)
            part = restore(tape, visit.paths, self.dest, ctx.cancel, meter.advance)
            report.restored += part.restored
            report.bytes += part.bytes
            report.problems += part.problems
        if plan.spanned:
            from app.tape.restore import restore_spanned  # the parts of one file from several cartridges

            for parts in plan.spanned:
                ctx.cancel.check()
                problem = restore_spanned(self.pattern, parts, self.dest, ctx.cancel, meter.advance)
                if problem is None:
                    report.restored.append(parts[0]["path"])
                    report.bytes += parts[0]["span_length"]
                else:
                    report.problems.append((parts[0]["path"], problem))
        return report
