"""`reelkeep extract`: one subclip of a file between two source timecodes (smart, re-encoded or stream-copied)."""

from __future__ import annotations

import argparse
import os
import sys
from fractions import Fraction
from pathlib import Path
from typing import TextIO

from app.catalog.catalog import Catalog
from app.core.extract_plan import source_start_frame
from app.core.timecode import to_frames

EXIT_OK, EXIT_ERROR = 0, 1


def add_parser(sub: argparse._SubParsersAction) -> None:
    extract = sub.add_parser("extract", help="write a subclip of FILE between two source timecodes, "
                                             "or every matched event of an EDL (--edl)")
    extract.add_argument("file", metavar="FILE", nargs="?", help="the source (not with --edl)")
    extract.add_argument("--in", dest="in_tc", metavar="TC", help="first frame (source timecode)")
    extract.add_argument("--out", dest="out_tc", metavar="TC",
                         help="the frame after the last one (exclusive source timecode)")
    extract.add_argument("--edl", metavar="EDL", help="extract every video event of this CMX 3600 EDL that "
                         "conforms to a cataloged clip; writes EDLNAME_conformed.edl beside the outputs")
    extract.add_argument("--rate", help="with --edl: the EDL's frame rate (default: the matched media's)")
    extract.add_argument("--handles", type=int, default=0, metavar="N", help="extra frames on each side")
    extract.add_argument("--dest", required=True, metavar="DIR", help="folder for the output")
    extract.add_argument("--mode", choices=("smart", "reencode", "copy"), default="smart",
                         help="smart (default): frame-exact, copying whole GOPs and re-encoding only the ends; "
                              "reencode: frame-exact, everything encoded with --preset; copy: keyframe-aligned "
                              "stream copy, not frame-exact")
    extract.add_argument("--preset", choices=("prores_hq", "dnxhr_hq", "h264", "h264_mov"), default="prores_hq",
                         help="encoding for --mode reencode, and for smart mode where it cannot copy")
    extract.add_argument("--name", help="output file name without suffix (default CLIP_IN-TC)")
    extract.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def command_extract(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.cli import run_job  # here, not at the top: app.cli imports this module
    from app.ingest.add_files import add_files
    from app.ingest.extract import ExtractJob, ExtractRequest

    if args.edl:
        return _extract_edl(catalog, args, out)
    if not args.file or not args.in_tc or not args.out_tc:
        print("reelkeep: extract needs FILE --in TC --out TC, or --edl EDL", file=sys.stderr)
        return 2
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
    in_frame, out_frame = to_frames(args.in_tc, rate) - start, to_frames(args.out_tc, rate) - start
    request = ExtractRequest(media_id, in_frame, out_frame, args.handles, args.mode, args.preset,
                             Path(args.dest), args.name)
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
    from app.cli import run_job
    from app.core.timecode import parse_rate
    from app.ingest.extract import ExtractJob
    from app.interchange.conform import load_and_conform
    from app.interchange.edl_extract import conformed_edl, plan_edl_extract

    try:
        data = Path(args.edl).read_bytes()
    except OSError as exc:
        print(f"reelkeep: cannot read {args.edl}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    doc, matches = load_and_conform(data, catalog, parse_rate(args.rate) if args.rate else None)
    dest = Path(args.dest)
    plan = plan_edl_extract(doc, matches, catalog, args.handles, args.mode, args.preset, dest)
    for error in doc.errors:
        out.write(f"edl line {error.line_number}: {error.text} — {error.message}\n")
    for reason in plan.skipped:
        out.write(f"skipped: {reason}\n")
    result = run_job(ExtractJob(catalog, plan.requests), args.quiet) if plan.requests else None
    outputs = {o.path.stem: o.path for o in result.outputs} if result else {}
    for name, path in sorted(outputs.items()):
        out.write(f"{path}\tevent {plan.events[name].number}\n")
    if result:
        for failure in result.failures:
            out.write(f"error: {failure.path}: {failure.message}\n")
    conformed = dest / f"{Path(args.edl).stem}_conformed.edl"
    dest.mkdir(parents=True, exist_ok=True)
    conformed.write_text(conformed_edl(doc, plan, outputs), encoding="utf-8")
    failed = len(result.failures) if result else 0
    out.write(f"Extract: {len(outputs)} extracted, {failed} failed, {len(plan.skipped)} skipped; "
              f"conformed EDL: {conformed}\n")
    return EXIT_ERROR if failed else EXIT_OK
