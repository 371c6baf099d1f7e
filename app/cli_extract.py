"""`reelkeep extract`: one subclip of a file between two source timecodes, smart, re-encoded or stream-copied, or
every matched video event of a timeline as one batch."""

from __future__ import annotations

import argparse
import os
import re
import sys
from fractions import Fraction
from pathlib import Path
from typing import TextIO

from app.catalog.catalog import Catalog
from app.cli_edl import rate_argument
from app.core.errors import ReelkeepError, TimecodeError
from app.core.extract_plan import source_start_frame
from app.core.timecode import to_frames

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
_TIMECODE = re.compile(r"\d{1,2}:\d{2}:\d{2}[:;.,]\d{2,3}")  # the form to_frames() reads


def timecode_argument(text: str) -> str:
    """argparse type of --in/--out: a malformed timecode is a usage error (exit 2) before the file is read."""
    if _TIMECODE.fullmatch(text.strip()) is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a timecode: use HH:MM:SS:FF (HH:MM:SS;FF for drop-frame)")
    if int(text.strip()[:2].rstrip(":")) >= 24:
        # SMPTE timecode is a time of day: 25:00:00:00 would wrap to 01:00:00:00 and cut the wrong frames.
        raise argparse.ArgumentTypeError(f"{text!r}: hours must be below 24 (timecode runs 00:00:00:00 to 23:59:59:FF)")
    return text


def add_parser(sub: argparse._SubParsersAction) -> None:
    extract = sub.add_parser("extract", help="write a subclip of FILE between two source timecodes, "
                                             "or every matched event of a timeline (--edl)")
    extract.add_argument("file", metavar="FILE", nargs="?",
                         help="the source (not with --edl): a file, or ARCHIVE::PATH for a file stored in a project "
                              "archive (cataloged where it is stored, no copy)")
    extract.add_argument("--in", dest="in_tc", metavar="TC", type=timecode_argument,
                         help="first frame (source timecode)")
    extract.add_argument("--out", dest="out_tc", metavar="TC", type=timecode_argument,
                         help="the frame after the last one (exclusive source timecode)")
    extract.add_argument("--edl", metavar="TIMELINE", help="extract every video event of this timeline (CMX 3600 "
                         ".edl, FCP 7 .xml, .aaf, .otio) that conforms to a cataloged clip, as one job; black and "
                         "aux events are skipped; writes NAME_conformed.edl beside the outputs")
    extract.add_argument("--archive", metavar="ARCHIVE",
                         help="with --edl: conform against the files of this project archive only (their embedded "
                              "catalog facts; cataloged where they are stored, no copy)")
    extract.add_argument("--version", dest="archive_version", metavar="V",
                         help="with ARCHIVE::PATH or --archive: a version (v3) or branch (default: main)")
    extract.add_argument("--rate", type=rate_argument,
                         help="with --edl: an EDL's frame rate (default: the matched media's)")
    extract.add_argument("--handles", type=int, default=0, metavar="N", help="extra frames on each side")
    extract.add_argument("--dest", required=True, metavar="DIR", help="folder for the output")
    extract.add_argument("--mode", choices=("smart", "reencode", "copy"), default="smart",
                         help="smart (default): frame-exact, copying whole GOPs and re-encoding only the ends; "
                              "reencode: frame-exact, everything encoded with --preset; copy: keyframe-aligned "
                              "stream copy, not frame-exact")
    extract.add_argument("--preset", choices=("prores_hq", "dnxhr_hq", "h264", "h264_mov"), default="prores_hq",
                         help="encoding for --mode reencode, and for smart mode where it cannot copy")
    extract.add_argument("--name", help="output file name without suffix (default CLIP_IN-TC); with --edl a "
                         "pattern with the fields {event}, {reel}, {clip}, {track}, {in_tc} (default "
                         "{event:03d}_{reel}_{clip})")
    extract.add_argument("--overwrite", action="store_true",
                         help="replace files of the same name in DIR (default: write NAME_2, NAME_3… and say so)")
    extract.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def command_extract(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.archive.cataloging import catalog_archive_files, split_address
    from app.cli import run_job  # here, not at the top: app.cli imports this module
    from app.ingest.add_files import add_files
    from app.ingest.extract import ExtractJob, ExtractRequest

    if args.handles < 0:
        print(f"reelkeep: --handles must be 0 or more, not {args.handles}", file=sys.stderr)
        return EXIT_USAGE
    if args.archive and not args.edl:
        print("reelkeep: --archive goes with --edl; for one file of an archive give ARCHIVE::PATH", file=sys.stderr)
        return EXIT_USAGE
    if args.archive_version and not (args.archive or (args.file and split_address(args.file))):
        print("reelkeep: --version goes with ARCHIVE::PATH or --archive", file=sys.stderr)
        return EXIT_USAGE
    if args.edl:
        return _extract_edl(catalog, args, out)
    if not args.file or not args.in_tc or not args.out_tc:
        print("reelkeep: extract needs FILE --in TC --out TC, or --edl EDL", file=sys.stderr)
        return EXIT_USAGE
    address = split_address(args.file)
    if address is not None:
        try:
            stored = catalog_archive_files(catalog, address[0], args.archive_version, [address[1]])
        except ReelkeepError as exc:
            print(f"reelkeep: {exc}", file=sys.stderr)
            return EXIT_ERROR
        media_id: int | None = stored.get(address[1])
        path = catalog.info(media_id)["path"] if media_id is not None else args.file
    else:
        path = os.path.abspath(args.file)
        media_id = catalog.id_for_path(path)
    if media_id is None:
        ids = add_files(catalog, [path])
        media_id = ids[0] if ids else None
    info = catalog.info(media_id) if media_id is not None else None
    if not info or not info["frame_rate"]:
        print(f"reelkeep: {args.file}: not a video file Reelkeep could read", file=sys.stderr)
        return EXIT_ERROR
    rate = Fraction(info["frame_rate"])
    start, _ = source_start_frame(info["start_timecode"], rate)
    try:
        in_frame, out_frame = to_frames(args.in_tc, rate) - start, to_frames(args.out_tc, rate) - start
    except TimecodeError as exc:  # well formed, but not a timecode of this clip's rate (frame 30 at 24 fps)
        print(f"reelkeep: {exc}", file=sys.stderr)
        return EXIT_USAGE
    request = ExtractRequest(media_id, in_frame, out_frame, args.handles, args.mode, args.preset,
                             Path(args.dest), args.name, overwrite=args.overwrite)
    result = run_job(ExtractJob(catalog, [request]), args.quiet)
    for output in result.outputs:
        note = f" ({output.message})" if output.message else ""
        out.write(f"{output.path}\tframes {output.first}-{output.last}\tstarts {output.start_tc}{note}\n")
    for warning in result.warnings:
        out.write(f"warning: {warning}\n")
    for failure in result.failures:
        out.write(f"error: {failure.path}: {failure.message}\n")
    out.write(f"Extract: {result.summary()}\n")
    return EXIT_ERROR if result.failures else EXIT_OK


def _extract_edl(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.archive.cataloging import catalog_archive_files
    from app.cli import run_job
    from app.core.extract_plan import EDL_PATTERN
    from app.core.timecode import parse_rate
    from app.interchange.edl_extract import EdlExtractJob
    from app.interchange.timeline_files import load_timeline_file

    timeline = Path(args.edl)
    within = None
    if args.archive:
        try:
            within = set(catalog_archive_files(catalog, args.archive, args.archive_version).values())
        except ReelkeepError as exc:
            print(f"reelkeep: {exc}", file=sys.stderr)
            return EXIT_ERROR
    doc, matches = load_timeline_file(timeline, catalog, parse_rate(args.rate) if args.rate else None, within)
    for error in doc.errors:
        out.write(f"edl line {error.line_number}: {error.text} — {error.message}\n")
    for warning in doc.warnings:
        out.write(f"warning: {warning}\n")
    job = EdlExtractJob(catalog, doc, matches, timeline, Path(args.dest), args.handles, args.mode, args.preset,
                        name_pattern=args.name or EDL_PATTERN, overwrite=args.overwrite)
    result = run_job(job, args.quiet)
    for skipped in result.skipped:
        out.write(f"skipped: {skipped}\n")
    for output in result.extract.outputs:
        note = "" if output.exact else f" ({output.message})"
        out.write(f"{output.path}\tevent {output.event}\tframes {output.first}-{output.last}{note}\n")
    for warning in result.extract.warnings:
        out.write(f"warning: {warning}\n")
    for failure in result.extract.failures:
        out.write(f"error: event {failure.event}: {failure.path}: {failure.message}\n")
    if result.conformed_error:
        out.write(f"error: conformed EDL: {result.conformed_error}\n")
    out.write(f"Extract: {result.summary()}; conformed EDL: {result.conformed_text}\n")
    return EXIT_ERROR if result.failed or result.conformed_error else EXIT_OK
