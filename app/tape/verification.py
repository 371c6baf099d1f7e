"""A verification pass over a loaded volume, along the tape (by partition and first block: one pass, no seeking
back), and its report: every file with its tape, start block, bytes, xxh128 and result, in HTML, PDF and CSV.

A cancelled pass is not an error: it ends with what it checked, and its report says which files were not checked.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import Cancelled
from app.core.progress import CancelToken
from app.core.report import Report, Status, Table, write_csv, write_html, write_pdf
from app.tape.ltfs_index import FileEntry, LtfsIndex
from app.tape.read_files import check_entry
from app.tape.simulated import SimulatedTape
from app.tape.volume import Volume
from app.tape.write_files import XXH128_KEY

OK, NOT_CHECKED = "ok", "not checked"
COLUMNS = ("File", "Tape", "Start block", "Bytes", "xxh128", "Result")


def files_in_tape_order(index: LtfsIndex) -> list[tuple[str, FileEntry]]:
    """The index's files (not symlinks) by partition and first block; empty files, which have no block, first."""
    files = [(path, entry) for path, entry in index.root.walk()
             if isinstance(entry, FileEntry) and entry.symlink is None]

    def place(item: tuple[str, FileEntry]) -> tuple[int, int]:
        first = min(item[1].extents, key=lambda e: e.file_offset) if item[1].extents else None
        return (first.partition, first.start_block) if first is not None else (-1, -1)

    return sorted(files, key=place)


def _start(entry: FileEntry) -> str:
    if not entry.extents:
        return ""
    first = min(entry.extents, key=lambda e: e.file_offset)
    return f"{'ab'[first.partition] if first.partition in (0, 1) else first.partition}:{first.start_block}"


@dataclass
class VerificationResult:
    barcode: str
    volume_uuid: str
    index_generation: int
    started_at: float
    finished_at: float = 0.0
    files: int = 0  # checked
    bytes: int = 0  # checked
    complete: bool = False
    problems: dict[str, str] = field(default_factory=dict)  # path -> what is wrong, in tape order
    rows: list[tuple[str, str, int, str, str]] = field(default_factory=list)  # path, start, bytes, xxh128, result
    report: Path | None = None  # the HTML report, when one was written

    @property
    def ok(self) -> bool:
        return self.complete and not self.problems

    def summary(self) -> str:
        if not self.complete:
            return f"Stopped: {self.files:,} of {len(self.rows):,} files checked"
        if self.problems:
            return f"{len(self.problems)} DAMAGED of {self.files:,} files"
        return f"OK: {self.files:,} files read back and checked"


def verify_volume(tape: SimulatedTape, volume: Volume, barcode: str, cancel: CancelToken | None = None,
                  on_file: Callable[[int, str], None] | None = None) -> VerificationResult:
    """Read every file back along the tape and compare its xxh128 with the index; on_file(bytes, path) after each.
    A cancel ends the pass with what was checked (complete False), not with an error."""
    result = VerificationResult(barcode, volume.index.volume_uuid, volume.index.generation, time.time())
    order = files_in_tape_order(volume.index)
    results: list[str] = []
    try:
        for path, entry in order:
            if cancel is not None:
                cancel.check()
            problem = check_entry(tape, entry)
            results.append(problem or OK)
            if problem is not None:
                result.problems[path] = problem
            result.files += 1
            result.bytes += entry.length
            if on_file is not None:
                on_file(entry.length, path)
        result.complete = True
    except Cancelled:
        pass
    results += [NOT_CHECKED] * (len(order) - len(results))
    result.rows = [(path, _start(entry), entry.length, entry.xattrs.get(XXH128_KEY, ""), outcome)
                   for (path, entry), outcome in zip(order, results, strict=True)]
    result.finished_at = time.time()
    return result


def _report(result: VerificationResult) -> Report:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(result.started_at))
    verdict = ("OK" if result.ok else f"{len(result.problems)} DAMAGED" if result.problems
               else f"STOPPED: {len(result.rows) - result.files:,} files not checked")
    summary = {"Tape": result.barcode, "Volume": result.volume_uuid, "Index generation": result.index_generation,
               "Files checked": f"{result.files:,} of {len(result.rows):,}", "Bytes checked": f"{result.bytes:,}",
               "Result": verdict}
    rows = [(path, result.barcode, start, size, digest, outcome) for path, start, size, digest, outcome in result.rows]
    table = Table("Files", COLUMNS, rows, is_problem=lambda row: row[5] != OK, widths=(6, 1.2, 1.2, 1.4, 3, 2))
    return Report(f"Tape verification of {result.barcode}", when, summary,
                  Status.OK if result.ok else Status.PROBLEMS, [table])


def write_reports(result: VerificationResult, folder: Path) -> Path:
    """The pass as <barcode>-verify-<time>.html, .pdf and .csv in folder (one set per pass: the history stays);
    returns the HTML's path."""
    report = _report(result)
    Path(folder).mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(result.started_at))
    html = Path(folder) / f"{result.barcode}-verify-{stamp}.html"
    write_html(report, html)
    write_pdf(report, html.with_suffix(".pdf"))
    write_csv(report, html.with_suffix(".csv"))
    return html
