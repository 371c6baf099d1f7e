"""`reelkeep tape …`: LTFS tapes from the command line (docs/tape.md)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from app.catalog.catalog import Catalog
from app.cli_tape_library import library_options, library_source, say_skipped
from app.tape.reverify import DEFAULT_REVERIFY_DAYS

if TYPE_CHECKING:
    from app.tape.restore import RestoreReport

EXIT_OK, EXIT_DAMAGED = 0, 1


def add_parser(sub: argparse._SubParsersAction) -> None:
    tape = sub.add_parser("tape", help="LTFS tapes: format, write, list, verify and restore (DEVICE: file:FOLDER, "
                                       "a simulated cartridge)",
                          description="LTO-8/LTO-9 tapes in LTFS format. DEVICE is file:FOLDER, a simulated "
                                      "cartridge in the LTFS reference implementation's file layout. "
                                      "See docs/tape.md.")
    verbs = tape.add_subparsers(dest="tape_command", metavar="VERB", required=True)
    fmt = verbs.add_parser("format", help="write an LTFS volume label and an empty index (erases the cartridge)")
    fmt.add_argument("device", metavar="DEVICE")
    fmt.add_argument("--barcode", required=True, help="six letters or digits and the media type, e.g. RK0001L9")
    fmt.add_argument("--generation", default="LTO9", help="LTO8 or LTO9 (default LTO9)")
    fmt.add_argument("--capacity", metavar="SIZE", help="a simulated cartridge's capacity (default: native)")
    write = verbs.add_parser("write", help="write folders onto the volume as a new index generation; with --plan "
                                           "or --copies, onto every cartridge of a tape plan",
                             description="tape write DEVICE SRC… writes folders onto the loaded volume. "
                                         "tape write --plan PLAN_DIR DEVICE writes a plan made by `tape plan`, and "
                                         "tape write DEVICE SRC… --copies 2 (or --library [FILTERS] --copies 1) "
                                         "plans on the fly; DEVICE then holds "
                                         "{barcode} when the plan needs several cartridges (file:/tapes/{barcode}: "
                                         "each a simulated cartridge, made and formatted when blank).")
    write.add_argument("device", metavar="DEVICE")
    write.add_argument("sources", nargs="*", type=_source, metavar="SRC",
                       help="a folder, or ARCHIVE_FOLDER@vN (@BRANCH, @head): an archive version, with a plan")
    write.add_argument("--plan", type=Path, metavar="PLAN_DIR", help="write this tape plan")
    _plan_options(write, on_the_fly=True)
    library_options(write)
    write.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    plan = verbs.add_parser("plan", help="plan folders (or library files: --library) onto as many cartridges as "
                                         "they need (files spanning "
                                         "cartridges, A/B copies), with no tape; `tape write --plan` writes it")
    plan.add_argument("sources", nargs="*", type=_source, metavar="SRC",
                      help="a folder, or ARCHIVE_FOLDER@vN (@BRANCH, @head): an archive version's files, proxies "
                           "and an ASC MHL of them under NAME/vN/")
    plan.add_argument("--out", required=True, type=Path, metavar="PLAN_DIR", help="a new folder for the plan")
    plan.add_argument("--rest", type=Path, metavar="PLAN_DIR",
                      help="plan what a stopped write of this plan left (same set and copy, new barcodes)")
    _plan_options(plan, on_the_fly=False)
    library_options(plan)
    plan.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    listing = verbs.add_parser("list", help="the tapes in the catalog; with --tape B its files; with DEVICE the "
                                            "files of the loaded volume (its newest index)")
    listing.add_argument("device", nargs="?", metavar="DEVICE")
    listing.add_argument("--tape", metavar="BARCODE", help="the files of this cataloged tape, in tape order")
    listing.add_argument("--reverify-days", type=float, default=DEFAULT_REVERIFY_DAYS, metavar="DAYS",
                         help=f"a tape is due for re-verification this long after its last clean pass (default "
                              f"{DEFAULT_REVERIFY_DAYS:g})")
    find = verbs.add_parser("find", help="which tapes hold files whose path has these words (or this very file: "
                                         "--file), from the catalog, with no tape loaded")
    find.add_argument("words", nargs="*", metavar="WORD")
    find.add_argument("--file", type=Path, metavar="PATH", help="a file on disk: the tapes holding exactly its bytes "
                                                               "(by xxh128)")
    find.add_argument("--limit", type=int, default=1000, help="at most this many results (default 1000)")
    imp = verbs.add_parser("import-index", help="put a tape's index into the catalog: from a loaded DEVICE or an "
                                                "LTFS index XML file written by any LTFS software")
    imp.add_argument("source", metavar="DEVICE|INDEX.xml|MOUNT")
    imp.add_argument("--barcode", help="the tape's barcode (needed for an index XML of a tape not cataloged yet)")
    verify = verbs.add_parser("verify", help="read every file back along the tape and compare its xxh128 with the "
                                             "index; the pass goes into the catalog and its report (HTML, PDF, "
                                             "CSV) beside it; exit 1 and the damaged files named")
    verify.add_argument("device", metavar="DEVICE")
    verify.add_argument("--report", type=Path, metavar="FOLDER",
                        help="where the reports go (default: reports/tape beside the catalog)")
    verify.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    back = verbs.add_parser("restore", help="copy files or folders from tape back to disk, each checked against "
                                            "its xxh128; nothing is overwritten",
                            description="tape restore DEVICE [PATH…] --to DEST restores from the loaded tape. "
                                        "tape restore --from-catalog PATH… [--device PATTERN] --to DEST finds the "
                                        "tapes in the catalog and restores from each in turn (PATTERN with "
                                        "{barcode}, e.g. file:/tapes/{barcode}); without --device it prints the "
                                        "restore plan: which tapes, in what order.")
    back.add_argument("args", nargs="*", metavar="DEVICE PATH",
                      help="the device, then files or folders on the tape (default: all); with --from-catalog only "
                           "paths")
    back.add_argument("--from-catalog", action="store_true", help="find the tapes holding PATH… in the catalog")
    back.add_argument("--device", metavar="PATTERN", help="with --from-catalog: where each tape is loaded")
    back.add_argument("--copy", help="with --from-catalog: the copy set to read (A or B; default A)")
    back.add_argument("--to", type=Path, dest="dest", help="folder to restore into")
    back.add_argument("-q", "--quiet", action="store_true", help="no progress line")


def command_tape(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    return _VERBS[args.tape_command](catalog, args, out)


def _format(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.cli import run_job
    from app.streaming.stream_cache import parse_size
    from app.tape.jobs import FormatTapeJob
    from app.tape.profiles import TapeError, generation

    try:
        capacity = parse_size(args.capacity) if args.capacity else None
    except ValueError as exc:
        raise TapeError(f"--capacity {exc}") from None
    chosen = generation(args.generation)
    volume = run_job(FormatTapeJob(args.device, args.barcode, chosen, capacity), True)
    out.write(f"formatted {args.barcode.upper()} ({chosen.name}): LTFS volume {volume.label.volume_uuid}\n")
    _catalog_devices(catalog, [args.device], out)
    return EXIT_OK


def _catalog_devices(catalog: Catalog, devices: list[str], out: TextIO) -> None:
    """The tapes just written (or stopped part way: they end with an index of what they finished) into the
    catalog; one that cannot be read is said, the write's own outcome stands."""
    from app.core.errors import ReelkeepError
    from app.tape.jobs import open_device
    from app.tape.offline import import_volume

    for device in devices:
        try:
            outcome = import_volume(catalog, open_device(device))
        except (ReelkeepError, OSError) as exc:
            print(f"reelkeep: {device} was not cataloged ({exc}); `reelkeep tape import-index {device}` does it",
                  file=sys.stderr)
            continue
        tape = next(t for t in catalog.tapes.all() if t["id"] == outcome.tape_id)
        out.write(f"cataloged {tape['barcode']}: {outcome.files:,} files\n")


def _plan_options(parser: argparse.ArgumentParser, on_the_fly: bool) -> None:
    when = " (with --copies or a DEVICE holding {barcode})" if on_the_fly else ""
    parser.add_argument("--to", default="", help="folder on the tape to write under (default: the root)")
    parser.add_argument("--copies", type=int, choices=(1, 2), default=None if on_the_fly else 1,
                        help="2: an A and a B set of cartridges, the same files on each" + when)
    parser.add_argument("--generation", default="LTO9", help="LTO8 or LTO9 (default LTO9)" + when)
    parser.add_argument("--capacity", metavar="SIZE", help="each cartridge's capacity (default: native)" + when)
    parser.add_argument("--barcode-start", default=None, metavar="BARCODE",
                        help="the first cartridge's barcode, counting up (default RK0001; copy B continues the "
                             "numbering after copy A)" + when)
    parser.add_argument("--no-split", action="store_true",
                        help="a file that does not fit in the space left moves whole to the next cartridge "
                             "instead of spanning two" + when)
    parser.add_argument("--block-size", metavar="SIZE", help="record size (default 512K)" + when)


def _source(text: str):  # noqa: ANN202 - a Path or an ArchiveSource (imported lazily)
    from app.tape.plan_archive import parse_source

    return parse_source(text)


def _plan_job(args: argparse.Namespace, out: Path, copies: int, rest: Path | None = None,  # noqa: ANN202
              catalog: Catalog | None = None, library=None):  # noqa: ANN001 - a LibrarySource (imported lazily)
    from app.streaming.stream_cache import parse_size
    from app.tape.jobs import PlanTapesJob
    from app.tape.pipeline import DEFAULT_RECORD
    from app.tape.profiles import TapeError, generation

    try:
        capacity = parse_size(args.capacity) if args.capacity else None
        block_size = parse_size(args.block_size) if args.block_size else DEFAULT_RECORD
    except ValueError as exc:
        raise TapeError(f"--capacity / --block-size: {exc}") from None
    if library is not None:
        from app.tape.plan_library import PlanLibraryJob

        return PlanLibraryJob(catalog, library, args.sources, out, generation(args.generation), capacity, copies,
                              args.barcode_start or "RK0001", not args.no_split, args.to, block_size)
    return PlanTapesJob(args.sources, out, generation(args.generation), capacity, copies,
                        args.barcode_start or ("" if rest else "RK0001"), not args.no_split, args.to, block_size,
                        rest_of=rest)


def _plan(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.cli import run_job
    from app.tape.profiles import TapeError

    library = library_source(catalog, args)
    if bool(args.sources or library) == bool(args.rest):
        raise TapeError("give the folders to plan (SRC…) or --library, or --rest PLAN_DIR for what a stopped write "
                        "left")
    job = _plan_job(args, args.out, args.copies, args.rest, catalog, library)
    plan = run_job(job, args.quiet)
    say_skipped(job)
    _plan_summary(plan, out)
    out.write(f"plan written to {plan.folder}; write it with `reelkeep tape write --plan {plan.folder} "
              f"DEVICE` (DEVICE with {{barcode}} for several cartridges)\n")
    return EXIT_OK


def _plan_summary(plan, out: TextIO) -> None:  # noqa: ANN001 - a TapePlan (imported lazily)
    tapes = len(plan.tapes)
    out.write(f"tape set {plan.tape_set}: {tapes} {plan.generation.name} cartridge{'s' * (tapes != 1)} per copy, "
              f"{len(plan.barcodes)} cop{'ies' if len(plan.barcodes) > 1 else 'y'} "
              f"({', '.join(plan.barcodes)}), {_size(plan.capacity)} each\n")
    out.write(f"{'BARCODE':<10}{'COPY':<6}{'FILES':>10}{'SPANNED':>9}{'DATA':>12}{'FILL':>7}  FIRST … LAST\n")
    for copy in plan.barcodes:
        for tape in plan.tapes:
            out.write(f"{plan.barcode(copy, tape.number):<10}{copy:<6}{tape.files:>10,}{tape.spanned:>9}"
                      f"{_size(tape.bytes):>12}{plan.fill(tape):>7.1%}  {tape.first} … {tape.last}\n")


def _write(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    import shutil
    import tempfile

    from app.cli import run_job
    from app.tape.jobs import MountWriteJob, WritePlanJob, WriteTapeJob
    from app.tape.plan_write import BARCODE_FIELD
    from app.tape.profiles import TapeError

    if args.plan is not None:
        if args.sources or args.library:
            raise TapeError("--plan writes the plan's folders: give no SRC or --library with it")
        return _write_plan(catalog, WritePlanJob(args.plan, args.device), args.quiet, out)
    library = library_source(catalog, args)
    if not args.sources and library is None:
        raise TapeError("give the folders to write (SRC…) or --library, or --plan PLAN_DIR")
    archived = [str(s) for s in args.sources if not isinstance(s, Path)] + ([str(library)] if library else [])
    if archived and args.copies is None and BARCODE_FIELD not in args.device:
        what = "a library selection" if library and archived[0] == str(library) else "an archive version"
        raise TapeError(f"{archived[0]} is {what}: it goes on tape through a plan; add --copies 1 (or "
                        "2), or give `reelkeep tape plan` and `tape write --plan`")
    if os.path.isdir(args.device) and library is not None:
        raise TapeError("a library selection goes onto cartridges Reelkeep loads, through a plan; write it to a "
                        "mounted LTFS volume from a folder")
    if os.path.isdir(args.device):
        if args.copies is not None:
            raise TapeError("a mounted LTFS volume is one cartridge: --copies needs cartridges Reelkeep loads")
        for result in run_job(MountWriteJob(Path(args.device), args.sources, args.to), args.quiet):
            out.write(f"wrote {result.files} files, {result.bytes:,} bytes into the LTFS volume at {args.device}\n")
        return EXIT_OK
    if args.copies is None and BARCODE_FIELD not in args.device:
        try:
            written = run_job(WriteTapeJob(args.device, args.sources, args.to), args.quiet)
        finally:
            _catalog_devices(catalog, [args.device], out)
        _record_hashes(catalog, written, out)
        for result in written:
            out.write(f"wrote {result.files} files, {result.bytes:,} bytes: index generation "
                      f"{result.index.generation}\n")
        return EXIT_OK
    folder = Path(tempfile.mkdtemp(prefix="reelkeep-plan-"))
    job = _plan_job(args, folder / "plan", args.copies or 1, None, catalog, library)
    try:
        plan = run_job(job, True)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    say_skipped(job)
    _plan_summary(plan, out)
    try:
        _write_plan(catalog, WritePlanJob(plan.folder, args.device), args.quiet, out)
    except TapeError as exc:  # the plan stays: a plan of the rest is made from it
        raise TapeError(f"{exc} (the plan made for this write is in {plan.folder})") from None
    shutil.rmtree(folder, ignore_errors=True)
    return EXIT_OK


def _write_plan(catalog: Catalog, job, quiet: bool, out: TextIO) -> int:  # noqa: ANN001 - a WritePlanJob
    from app.cli import run_job
    from app.tape.plan_write import device_for

    try:
        written = run_job(job, quiet)
    except BaseException:
        # every cartridge of the plan that holds a written index goes into the catalog, the stopped one too
        try:
            devices = [device_for(job.pattern, barcode) for barcode in job.barcodes(job.plan())]
        except Exception:  # noqa: BLE001 - the write's own error is the one to report
            devices = []
        _catalog_devices(catalog, [d for d in devices if _written_cartridge(d)], out)
        raise
    for result in written:
        out.write(f"wrote {result.barcode} (copy {result.copy}, tape {result.number}): {result.files:,} files, "
                  f"{result.bytes:,} bytes: index generation {result.index_generation}\n")
    _catalog_devices(catalog, [result.device for result in written], out)
    _record_hashes(catalog, written, out)
    return EXIT_OK


def _record_hashes(catalog: Catalog, written: list, out: TextIO) -> None:
    """Library files just written to tape get the digest read for the tape as their content hash."""
    from app.tape.offline import record_source_hashes

    recorded = record_source_hashes(catalog, written)
    if recorded:
        out.write(f"{len(recorded):,} library file(s) now know their content hash (matched to tape exactly)\n")


def _written_cartridge(device: str) -> bool:
    from app.core.errors import ReelkeepError
    from app.tape.jobs import open_device
    from app.tape.volume import read_volume

    try:
        return read_volume(open_device(device)).index.generation > 1
    except (ReelkeepError, OSError):
        return False


def _list(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    if args.device:
        return _list_device(args.device, out)
    if args.tape:
        return _list_cataloged_tape(catalog, args.tape, out)
    tapes = catalog.tapes.all(args.reverify_days)
    if not tapes:
        out.write("no tapes in the catalog: `reelkeep tape write` adds the tapes it writes, `reelkeep tape "
                  "import-index` adds others\n")
        return EXIT_OK
    out.write(f"{'BARCODE':<10}{'GEN':<6}{'SET/COPY':<18}{'FILES':>10}{'USED':>12}{'FREE':>12}  LAST VERIFIED\n")
    for tape in tapes:
        capacity = tape["capacity"]
        free = _size(capacity - tape["used"]) if capacity else "?"
        copy = "/".join(x for x in (tape["tape_set"], tape["copy"]) if x) or "-"
        verified = (f"{_date(tape['last_verified_at'])} {tape['last_verify']}" if tape["last_verified_at"]
                    else "never")
        due = " (due)" if tape["due_at"] <= time.time() else ""
        out.write(f"{tape['barcode']:<10}{tape['generation'] or '?':<6}{copy:<18}{tape['files']:>10,}"
                  f"{_size(tape['used']):>12}{free:>12}  {verified}{due}\n")
    return EXIT_OK


def _list_device(device: str, out: TextIO) -> int:
    from app.tape.jobs import open_device
    from app.tape.mounted import mount_rows

    if os.path.isdir(device):  # a mounted LTFS volume
        for row in mount_rows(Path(device)):
            if row.kind == "folder":
                out.write(f"{'folder':>15}  {row.path}/\n")
            else:
                target = f" -> {row.symlink}" if row.symlink is not None else ""
                out.write(f"{row.length:>15,}  {row.path}{target}\n")
        return EXIT_OK
    from app.tape.ltfs_index import FileEntry
    from app.tape.volume import read_volume

    volume = read_volume(open_device(device))
    for path, entry in volume.index.root.walk():
        if isinstance(entry, FileEntry):
            target = f" -> {entry.symlink}" if entry.symlink is not None else ""
            out.write(f"{entry.length:>15,}  {path}{target}\n")
        else:
            out.write(f"{'folder':>15}  {path}/\n")
    return EXIT_OK


def _list_cataloged_tape(catalog: Catalog, barcode: str, out: TextIO) -> int:
    from app.tape.profiles import TapeError

    tape = catalog.tapes.by_barcode(barcode)
    if tape is None:
        raise TapeError(f"no tape {barcode.upper()} in the catalog (`reelkeep tape list` shows the tapes)")
    rows = catalog.tapes.files(tape["id"])
    marks = _library_marks(catalog, rows)
    for row in rows:
        out.write(_entry_line(row, marks=marks))
    return EXIT_OK


def _library_marks(catalog: Catalog, rows: list[dict]) -> dict[str, str]:
    """xxh128 -> 'LP' (a library file holds these bytes and has a proxy) or 'L' (no proxy): docs/cli.md."""
    found = catalog.tapes.library_matches(r["xxh128"] for r in rows if r["kind"] == "file")
    return {digest: "LP" if match.best_proxy else "L" for digest, match in found.items()}


def _entry_line(row: dict, with_barcode: bool = False, marks: dict[str, str] | None = None) -> str:
    where = f"{row['barcode']:<10}" if with_barcode else ""
    if marks is not None:  # a part of a spanned file holds other bytes than the library's whole file
        whole = row["kind"] == "file" and row["span_offset"] is None
        where += f"{marks.get((row['xxh128'] or '').lower(), '') if whole else '':<3}"
    if row["kind"] == "folder":
        return f"{where}{'folder':>15}  {'':>9}  {row['path']}/\n"
    block = f"{'ab'[row['partition']]}:{row['start_block']}" if row["start_block"] is not None else "-"
    target = f" -> {row['symlink']}" if row["kind"] == "symlink" else ""
    span = (f"  [part at {row['span_offset']:,} of {row['span_length']:,}]" if row["span_offset"] is not None
            else "")
    return f"{where}{row['length']:>15,}  {block:>9}  {row['path']}{target}{span}\n"


def _size(count: int) -> str:
    for unit, scale in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} B"


def _date(epoch: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(epoch))


def _find(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.media.hashing import content_hash
    from app.tape.profiles import TapeError

    if args.file is not None:
        try:
            rows = catalog.tapes.files_with_digest(content_hash(args.file))
        except OSError as exc:
            raise TapeError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    elif args.words:
        rows = catalog.tapes.find_files(" ".join(args.words), args.limit)
    else:
        raise TapeError("give words to look for, or --file PATH")
    marks = _library_marks(catalog, rows)
    for row in rows:
        out.write(_entry_line(row, with_barcode=True, marks=marks))
    if not rows:
        out.write("no cataloged tape holds it\n")
    return EXIT_OK if rows else EXIT_DAMAGED


def _import_index(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.tape.jobs import open_device
    from app.tape.offline import import_index_file, import_volume

    if args.source.startswith(("file:", "/dev/")):
        outcome = import_volume(catalog, open_device(args.source))
    elif os.path.isdir(args.source):
        from app.tape.mounted import import_mount
        from app.tape.profiles import TapeError

        if not args.barcode:
            raise TapeError(f"{args.source} is a mounted LTFS volume: give its barcode with --barcode")
        outcome = import_mount(catalog, Path(args.source), args.barcode)
    else:
        outcome = import_index_file(catalog, Path(args.source), args.barcode)
    tape = next(t for t in catalog.tapes.all() if t["id"] == outcome.tape_id)
    verb = "updated" if outcome.replaced else "added"
    out.write(f"{verb} {tape['barcode']}: index generation {tape['index_generation']}, {outcome.files:,} files, "
              f"{_size(tape['used'])}\n")
    return EXIT_OK


def _restore(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.cli import run_job
    from app.tape.jobs import RestoreTapeJob
    from app.tape.profiles import TapeError

    if args.from_catalog:
        return _recall(catalog, args, out)
    if not args.args:
        raise TapeError("give the DEVICE to restore from (or --from-catalog)")
    if args.dest is None:
        raise TapeError("give the folder to restore into with --to")
    device, paths = args.args[0], args.args[1:]
    restored = run_job(RestoreTapeJob(device, paths, args.dest), args.quiet)
    return _restored(restored, args.dest, out)


def _restored(restored: RestoreReport, dest: Path, out: TextIO) -> int:
    for path, problem in restored.problems:
        print(f"NOT RESTORED {path}: {problem}", file=sys.stderr)
    for path in restored.parts:
        print(f"ONLY A PART {path}: this tape holds only part of a file spanning tapes (as any LTFS reader shows "
              f"it); `reelkeep tape restore --from-catalog '{path}'` joins all its parts", file=sys.stderr)
    out.write(f"restored {len(restored.restored)} files, {restored.bytes:,} bytes into {dest}\n")
    return EXIT_DAMAGED if restored.problems or restored.parts else EXIT_OK


def _recall(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.cli import run_job
    from app.tape.profiles import TapeError
    from app.tape.recall import RecallJob, plan_recall

    if not args.args:
        raise TapeError("give the paths to restore (as `reelkeep tape find` shows them)")
    if args.device is None:
        plan = plan_recall(catalog, args.args, args.copy)
        for step, visit in enumerate(plan.visits, start=1):
            out.write(f"{step}. load {visit.barcode}: {len(visit.paths):,} files, {_size(visit.bytes)}\n")
        for parts in plan.spanned:
            tapes = ", ".join(p["barcode"] for p in parts)
            out.write(f"   spanning {tapes}: {parts[0]['path']} ({_size(parts[0]['span_length'])})\n")
        for path, problem in plan.missing:
            print(f"CANNOT RESTORE {path}: {problem}", file=sys.stderr)
        out.write(f"{plan.files:,} files, {_size(plan.bytes)}; restore with --device PATTERN --to FOLDER\n")
        return EXIT_DAMAGED if plan.missing else EXIT_OK
    if args.dest is None:
        raise TapeError("give the folder to restore into with --to")
    restored = run_job(RecallJob(catalog, args.args, args.dest, args.device, args.copy), args.quiet)
    return _restored(restored, args.dest, out)


def _verify(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.cli import run_job
    from app.tape.jobs import VerifyTapeJob, default_report_dir

    result = run_job(VerifyTapeJob(args.device, catalog, args.report or default_report_dir(catalog)), args.quiet)
    for path, problem in result.problems.items():
        print(f"DAMAGED {path}: {problem}", file=sys.stderr)
    if result.report is not None:
        out.write(f"report: {result.report} (and .pdf, .csv)\n")
    if result.problems:
        out.write(f"tape DAMAGED: {len(result.problems)} of {result.files} files do not read back as written; "
                  "restore them from the other copy\n")
        return EXIT_DAMAGED
    out.write(f"tape OK: {result.files} files, {result.bytes:,} bytes read back and their xxh128 checked\n")
    return EXIT_OK


_VERBS: dict[str, Callable[[Catalog, argparse.Namespace, TextIO], int]] = {
    "plan": _plan,
    "format": _format, "write": _write, "list": _list, "restore": _restore, "verify": _verify, "find": _find,
    "import-index": _import_index,
}
