"""`reelkeep offload SRC --to DEST…`: a verified card offload from the command line (docs/offload.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from app.catalog.catalog import Catalog

EXIT_OK, EXIT_PROBLEMS = 0, 1


def add_parser(sub: argparse._SubParsersAction) -> None:
    from app.ingest.offload_mhl import HASH_FORMATS
    from app.ingest.offload_model import DEFAULT_PATTERN, VERIFY_MODES

    offload = sub.add_parser(
        "offload", help="copy a camera card to one or more destinations from one read, verify every copy, write "
                        "ASC MHL and a report, and catalog it",
        description="Copies SRC (a camera card or any folder) whole to each DEST/PATTERN, hashing while copying; "
                    "then verifies (default: every copy read back), writes an ASC MHL generation in each "
                    "destination, a report (HTML, PDF, CSV) and catalogs the first copy. Nothing is ever "
                    "overwritten; run the same command again to resume an offload that was cut short. "
                    "See docs/offload.md.")
    offload.add_argument("source", metavar="SRC", help="the card's folder (or the mounted card)")
    offload.add_argument("--to", dest="destinations", metavar="DEST", action="append", required=True,
                         help="a destination folder (repeat for 2 or 3 copies)")
    offload.add_argument("--hash", dest="hash_format", choices=HASH_FORMATS, default="xxh128",
                         help="the hash recorded in the ASC MHL (default xxh128)")
    offload.add_argument("--verify", choices=VERIFY_MODES, default="full",
                         help="full: every copy read back and compared (default); source: the source hashed while "
                              "copying; size: sizes only, no hash, no ASC MHL")
    offload.add_argument("--name", dest="pattern", default=DEFAULT_PATTERN, metavar="PATTERN",
                         help="the card's folder in each destination, from {date} {year} {month} {day} {camera} "
                              "{family} {reel} {card} (default %(default)s)")
    offload.add_argument("--report", metavar="DIR", help="where the reports go (default: reports/offload/ beside "
                                                         "the catalog)")
    offload.add_argument("--no-catalog", action="store_true", help="do not add the copy to the library")
    offload.add_argument("--dry-run", action="store_true", help="show the card and where it would go, copy nothing")
    offload.add_argument("--quiet", action="store_true", help="no progress line")


def command_offload(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.cli import run_job
    from app.ingest.offload import OffloadJob, default_report_dir
    from app.ingest.offload_model import OffloadRequest

    request = OffloadRequest(Path(args.source), tuple(Path(d) for d in args.destinations), args.hash_format,
                             args.verify, args.pattern)
    plan = OffloadJob(request).plan()
    card = plan.card
    out.write(f"{card.family} card, camera {card.camera}, reel {card.reel}: {card.clips:,} clip(s), "
              f"{len(plan.files):,} files, {plan.bytes:,} bytes\n")
    for note in card.notes:
        out.write(f"  note: {note}\n")
    if plan.known.sources:
        out.write(f"  the card's own hash records: {', '.join(plan.known.sources)} (checked while copying)\n")
    for problem in plan.known.problems:
        out.write(f"  warning: {problem}\n")
    for target in plan.targets:
        out.write(f"  → {target}\n")
    if args.dry_run:
        return EXIT_OK
    report_dir = Path(args.report) if args.report else default_report_dir(catalog.path)
    result = run_job(OffloadJob(request, report_dir, plan), args.quiet)
    out.write(f"Offloaded: {result.summary()}\n")
    for destination in result.destinations:
        generations = [path.name for path in destination.mhl if path.suffix == ".mhl"]
        mhl = f"; ASC MHL {generations[-1]}" if generations else ""
        out.write(f"  {destination.target}: {destination.status}, {destination.verified:,} file(s) verified{mhl}\n")
        for problem in destination.problems[:50]:
            out.write(f"    {problem}\n")
    for problem in result.card_problems[:50]:
        out.write(f"  card: {problem}\n")
    if result.reports:
        out.write(f"Report: {result.reports[0]} (and .pdf, .csv)\n")
    if result.ok and not args.no_catalog:
        _catalog(catalog, result.destinations[0].target, args.quiet, out)
    if not result.ok:
        print("reelkeep: the offload has problems (listed above); nothing was overwritten. Fix the cause and run "
              "the same command again: verified files are skipped.", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_PROBLEMS


def _catalog(catalog: Catalog, folder: Path, quiet: bool, out: TextIO) -> None:
    from app.cli import run_job
    from app.ingest.scan import ScanJob

    root_id = catalog.add_root(str(folder))
    scanned = run_job(ScanJob(catalog, [root_id]), quiet)
    out.write(f"Cataloged {folder}: {scanned.summary()} (posters and proxies: `reelkeep thumbs`, "
              "`reelkeep proxies`, or the app makes them as it shows the clips)\n")
