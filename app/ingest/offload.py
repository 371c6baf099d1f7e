"""Verified card offload: a camera card (or any folder) copied whole to one or more destinations from one read,
hashed while copying, verified, recorded as an ASC MHL generation in each destination, and reported.

Verification modes (what the offload tools DITs use call them):
- `size`: sizes compared after the copy; nothing is hashed and no ASC MHL is written (the weakest: for a quick
  scratch copy);
- `source`: the source is hashed while it is copied and those hashes are recorded; the copies are not read back;
- `full` (default, "source + destination"): every copy is read back from its drive (its cached pages dropped
  first) and must give the source's hashes.

Nothing at a destination is ever replaced: a file already there is accepted only when its bytes are the
source's (a second offload of the same card), otherwise the file is reported and left alone. A run cut short
resumes from each destination's journal (app/ingest/offload_journal.py).
"""

from __future__ import annotations

import datetime
import os
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path

from app.catalog.db import local_folder
from app.core.errors import Cancelled, ReelkeepError
from app.core.job import JobContext
from app.core.progress import CancelToken, ProgressMeter
from app.ingest.card import detect_card, offload_folder_name
from app.ingest.offload_copy import DestinationWriter, TargetExistsError, copy_to_all, hash_file
from app.ingest.offload_journal import OffloadJournal
from app.ingest.offload_mhl import (
    HASH_FORMATS,
    MHL_FOLDER,
    HashedFile,
    KnownHashes,
    card_hashes,
    write_generation,
)
from app.ingest.offload_model import (
    FAILED,
    INCOMPLETE,
    OK,
    VERIFY_MODES,
    DestinationResult,
    FileResult,
    OffloadError,
    OffloadPlan,
    OffloadRequest,
    OffloadResult,
    SourceFile,
)
from app.media.partial import remove_stale_partials

# Volume bookkeeping of macOS and Windows, not part of a card.
_SYSTEM_FOLDERS = {".Spotlight-V100", ".fseventsd", ".Trashes", ".TemporaryItems", "System Volume Information",
                   "$RECYCLE.BIN"}
_SYSTEM_FILES = {".DS_Store", "Thumbs.db", "desktop.ini"}


def plan_offload(request: OffloadRequest) -> OffloadPlan:
    """The card, its files and each destination's folder; refuses what cannot work before anything is written."""
    source = Path(request.source)
    if not source.is_dir():
        raise OffloadError(f"{source} is not a folder (give a card's folder or a mounted card)")
    if not request.destinations:
        raise OffloadError("no destination: give one or more with --to")
    if request.hash_format not in HASH_FORMATS:
        raise OffloadError(f"unknown hash {request.hash_format!r}: use one of {', '.join(HASH_FORMATS)}")
    if request.verify not in VERIFY_MODES:
        raise OffloadError(f"unknown verification {request.verify!r}: use one of {', '.join(VERIFY_MODES)}")
    card = detect_card(source)
    try:
        relative = offload_folder_name(request.pattern, card, request.when or datetime.date.today())
    except ValueError as exc:
        raise OffloadError(f"the destination pattern {request.pattern!r}: {exc}") from None
    targets = []
    resolved_source = source.resolve()
    for destination in request.destinations:
        target = Path(destination) / relative
        resolved = target.resolve()
        if resolved == resolved_source or resolved_source in resolved.parents:
            raise OffloadError(f"{destination} is inside the card {source}: choose a destination elsewhere")
        if target in targets:
            raise OffloadError(f"{destination} is given twice")
        targets.append(target)
    files, skipped = _card_files(source)
    known = card_hashes(source) if request.verify != "size" else KnownHashes()
    formats = [] if request.verify == "size" else [request.hash_format, *sorted(known.formats - {request.hash_format})]
    return OffloadPlan(request, card, files, targets, formats, known, skipped)


def _card_files(root: Path) -> tuple[list[SourceFile], list[str]]:
    files: list[SourceFile] = []
    skipped: list[str] = []
    for folder, dirs, names in os.walk(root, onerror=lambda exc: skipped.append(f"{exc.filename}: {exc.strerror}")):
        dirs[:] = sorted(d for d in dirs if not (folder == str(root) and d in _SYSTEM_FOLDERS))
        for name in sorted(names):
            path = Path(folder, name)
            relative = path.relative_to(root).as_posix()
            if name in _SYSTEM_FILES or name.startswith("._"):
                skipped.append(f"{relative}: system file, not copied")
                continue
            try:
                info = os.lstat(path)
            except OSError as exc:
                skipped.append(f"{relative}: {exc.strerror}")
                continue
            if not stat.S_ISREG(info.st_mode):
                skipped.append(f"{relative}: not a regular file, not copied")
                continue
            files.append(SourceFile(relative, info.st_size, info.st_mtime_ns))
    if not files:
        raise OffloadError(f"{root} holds no files to offload")
    return files, skipped


def default_report_dir(catalog_path: str | Path) -> Path | None:
    """Reports beside the catalog file (reports/offload/; see local_folder); None for an in-memory catalog."""
    folder = local_folder(catalog_path)
    return None if folder is None else folder / "reports" / "offload"


class OffloadJob:
    """Plan, copy, verify, write the ASC MHL generations, then the report (HTML, PDF, CSV) into report_dir."""

    lane = "offload"

    def __init__(self, request: OffloadRequest, report_dir: Path | None = None,
                 plan: OffloadPlan | None = None) -> None:
        self.request, self.report_dir, self._plan = request, report_dir, plan
        self.title = f"Offload {Path(request.source).name} to {len(request.destinations)} destination(s)"

    def plan(self) -> OffloadPlan:
        return self._plan if self._plan is not None else plan_offload(self.request)

    def run(self, plan: OffloadPlan, ctx: JobContext) -> OffloadResult:
        result = run_offload(plan, ctx.cancel, ProgressMeter(ctx.progress, unit="bytes"))
        if self.report_dir is not None:
            from app.ingest.offload_report import write_offload_reports  # it imports this module

            write_offload_reports(result, self.report_dir)
        return result


def run_offload(plan: OffloadPlan, cancel: CancelToken, meter: ProgressMeter) -> OffloadResult:
    started = time.monotonic()
    root = Path(plan.request.source)
    names = [str(t) for t in plan.targets]
    results = {name: DestinationResult(target) for name, target in zip(names, plan.targets, strict=True)}
    journals = {name: OffloadJournal.load(target) for name, target in zip(names, plan.targets, strict=True)}
    files = [FileResult(f.path, f.size) for f in plan.files]
    verify_full = plan.request.verify == "full"
    meter.set_total(plan.bytes * (1 + (len(names) if verify_full else 0)))
    lock = threading.Lock()

    def advance(count: int) -> None:
        with lock:
            meter.advance(count)

    writers = {name: DestinationWriter(f"dest{number}") for number, name in enumerate(names, 1)}
    read = 0
    try:
        for target in plan.targets:
            for folder in {target / Path(f.path).parent for f in plan.files}:
                remove_stale_partials(folder)  # a killed run's partial copies
        for source_file, result in zip(plan.files, files, strict=True):
            meter.message = f"copying {source_file.path}"
            read += _copy_one(root, source_file, result, plan, writers, journals, results, cancel, advance)
        _close_writers(writers, results)
        copy_seconds = time.monotonic() - started
        if verify_full:
            _verify_all(plan, files, journals, results, cancel, advance, meter)
        else:
            for name, journal in journals.items():
                target = Path(results[name].target)
                for result in files:
                    if result.at.get(name) == "verified earlier":
                        result.at[name] = OK
                    elif result.at.get(name) == "copied":
                        if _size_of(target / result.path) != result.size:
                            result.at[name] = "the copy's size differs from the source's"
                            continue
                        result.at[name] = OK
                        journal.verified(result.path)
        for name in names:
            _finish_destination(plan, files, results[name], journals[name], name)
    except Cancelled:
        for journal in journals.values():
            journal.close()
        for result in results.values():
            if result.status == OK:
                result.status = INCOMPLETE
        raise
    finally:
        for writer in writers.values():
            writer.close()
        for journal in journals.values():
            journal.close()
    meter.finish()
    return OffloadResult(plan, list(results.values()), files, time.monotonic() - started, read, copy_seconds)


def _copy_one(root: Path, source_file: SourceFile, result: FileResult, plan: OffloadPlan,
              writers: dict[str, DestinationWriter], journals: dict[str, OffloadJournal],
              results: dict[str, DestinationResult], cancel: CancelToken, advance: Callable[[int], None]) -> int:
    """One source file to the destinations that still need it; returns the bytes read from the card."""
    todo: list[str] = []
    present: list[str] = []
    for name, target in zip(writers, plan.targets, strict=True):
        if writers[name].error is not None:
            result.at[name] = "not copied: the destination failed earlier"
            continue
        copy = target / source_file.path
        entry = journals[name].entries.get(source_file.path)
        same_source = entry is not None and (entry.size, entry.mtime_ns) == (source_file.size, source_file.mtime_ns)
        if same_source and _size_of(copy) == source_file.size:
            result.hashes = dict(entry.hashes)
            result.at[name] = "verified earlier" if entry.verified else "copied"
        elif os.path.lexists(copy):
            present.append(name)
        else:
            todo.append(name)
    if not todo and not present:
        advance(source_file.size)
        return 0
    source = root / source_file.path
    targets = [(writers[name], target / source_file.path) for name, target in zip(writers, plan.targets,
                                                                                     strict=True) if name in todo]
    copied = copy_to_all(source, targets, plan.formats, cancel, advance)
    result.hashes = copied.hashes
    _check_card_record(result, plan.known)
    for writer, _final in targets:
        name = next(n for n, w in writers.items() if w is writer)
        failure = copied.failed.get(writer.name)
        if failure is not None:
            result.at[name] = f"not copied: {failure}"
            results[name].problems.append(f"{source_file.path}: {failure}")
            if not isinstance(failure, TargetExistsError):
                results[name].status = FAILED
            continue
        result.at[name] = "copied"
        results[name].bytes_written += copied.size
        journals[name].copied(source_file.path, source_file.size, source_file.mtime_ns, copied.hashes)
    for name in present:  # a file already there: kept only when it is the same bytes
        copy = Path(plan.targets[list(writers).index(name)]) / source_file.path
        try:
            _size, hashes = hash_file(copy, plan.formats or ["xxh128"], cancel)
            same = hashes == copied.hashes if plan.formats else _size == copied.size
        except (OSError, ReelkeepError) as exc:
            same, hashes = False, {}
            results[name].problems.append(f"{source_file.path}: already there and unreadable: {exc}")
        if same:
            result.at[name] = "copied"
            journals[name].copied(source_file.path, source_file.size, source_file.mtime_ns, copied.hashes)
        else:
            result.at[name] = "already there with other bytes: not replaced"
            results[name].problems.append(f"{copy} is already there with other bytes; it was not replaced")
    return copied.size


def _size_of(path: Path) -> int | None:
    try:
        return os.stat(path).st_size
    except OSError:
        return None


def _check_card_record(result: FileResult, known: KnownHashes) -> None:
    recorded = known.files.get(result.path)
    if not recorded:
        return
    compared = {name: digest for name, digest in recorded.items() if name in result.hashes}
    if not compared:
        return
    differs = [name for name, digest in compared.items() if result.hashes[name] != digest]
    where = ", ".join(known.sources) or "the card's records"
    result.card_record = (f"DIFFERS from {where} ({', '.join(differs)}): the card's bytes are not what was recorded"
                          if differs else f"matches {where}")


def _close_writers(writers: dict[str, DestinationWriter], results: dict[str, DestinationResult]) -> None:
    for name, writer in writers.items():
        if writer.error is not None and results[name].status == OK:
            results[name].status = FAILED
            results[name].problems.append(f"writing stopped: {writer.error}")


def _verify_all(plan: OffloadPlan, files: list[FileResult], journals: dict[str, OffloadJournal],
                results: dict[str, DestinationResult], cancel: CancelToken, advance: Callable[[int], None],
                meter: ProgressMeter) -> None:
    """Every destination read back at once (they are different drives), each file against the source's hashes."""
    meter.note("verifying the copies")
    errors: list[BaseException] = []

    def verify(name: str, target: Path) -> None:
        started = time.monotonic()
        try:
            for result in files:
                if result.at.get(name) != "copied":
                    if result.at.get(name) == "verified earlier":
                        result.at[name] = OK
                    advance(result.size)
                    continue
                try:
                    size, hashes = hash_file(target / result.path, plan.formats, cancel, advance)
                except (OSError, ReelkeepError) as exc:
                    result.at[name] = f"cannot be read back: {exc}"
                    results[name].problems.append(f"{result.path}: cannot be read back: {exc}")
                    continue
                if size == result.size and hashes == result.hashes:
                    result.at[name] = OK
                    journals[name].verified(result.path)
                else:
                    result.at[name] = "MISMATCH: the copy differs from the source"
                    results[name].problems.append(f"{result.path}: the copy differs from the source "
                                                  f"({plan.formats[0]} {hashes.get(plan.formats[0])} ≠ "
                                                  f"{result.hashes.get(plan.formats[0])})")
        except BaseException as exc:  # noqa: BLE001 - re-raised on the job's thread
            errors.append(exc)
        finally:
            results[name].seconds += time.monotonic() - started

    threads = [threading.Thread(target=verify, args=(name, target), name="offload-verify")
               for name, target in zip(results, plan.targets, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def _finish_destination(plan: OffloadPlan, files: list[FileResult], result: DestinationResult,
                        journal: OffloadJournal, name: str) -> None:
    result.verified = sum(1 for f in files if f.at.get(name) == OK)
    bad = [f for f in files if f.at.get(name) != OK]
    if bad:
        result.status = FAILED
        for item in bad:
            if not any(problem.startswith(item.path) for problem in result.problems):
                result.problems.append(f"{item.path}: {item.at.get(name, 'not copied')}")
        journal.close()
        return
    if plan.formats:
        hashed = [HashedFile(f.path, f.size, os.stat(result.target / f.path).st_mtime, f.hashes) for f in files
                  if not f.path.startswith(MHL_FOLDER + "/")]
        try:
            result.mhl, disagree = write_generation(result.target, hashed, plan.formats,
                                                    f"card {plan.card.reel} ({plan.card.family}) offloaded by Reelkeep")
        except Exception as exc:  # noqa: BLE001 - ascmhl/lxml errors: the copies are good, the record is not
            result.status = FAILED
            result.problems.append(f"the ASC MHL generation could not be written: {exc}")
            journal.close()
            return
        if disagree:
            result.status = FAILED
            result.problems.extend(f"{path}: differs from the card's ASC MHL history" for path in disagree)
    journal.remove()
