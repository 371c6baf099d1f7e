"""`reelkeep edl`: read a timeline (CMX 3600, FCP 7 XML, AAF, .otio), conform its events to the catalog,
relink events by hand, and write it back out as CMX 3600 or .otio."""

from __future__ import annotations

import argparse
import json
import os
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any, TextIO

from app.catalog.catalog import Catalog
from app.core.errors import TimecodeError
from app.core.timecode import format_rate, from_frames, parse_rate, supports_drop_frame
from app.interchange.conform import STATUSES, EventMatch
from app.interchange.edl_model import EdlDocument, EdlEvent

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def rate_argument(text: str) -> str:
    """argparse type of --rate: a bad rate is a usage error (exit 2) before anything is read."""
    try:
        parse_rate(text)
    except (TimecodeError, ValueError, ZeroDivisionError) as exc:
        raise argparse.ArgumentTypeError(f"{exc} (e.g. 24, 25, 23.976, 29.97 or 24000/1001)") from None
    return text


def add_parser(sub: argparse._SubParsersAction) -> None:
    edl = sub.add_parser("edl", help="read a timeline (CMX 3600 .edl, FCP 7 .xml, .aaf, .otio) and match its "
                                     "events to cataloged files")
    edl.add_argument("file", help="a timeline: CMX 3600 .edl, FCP 7 .xml, .aaf or .otio")
    edl.add_argument("--json", action="store_true", help="print JSON (keys documented in docs/cli.md)")
    edl.add_argument("--rate", type=rate_argument, help="an EDL's frame rate (default: the matched media's, else 24 or 29.97 DF); "
                                    "other formats carry their own")
    edl.add_argument("--relink", action="append", default=[], metavar="EVENT=PATH",
                     help="link event EVENT to the file PATH by hand and remember it for this timeline file "
                          "(repeatable)")
    edl.add_argument("--forget-relink", action="append", default=[], type=int, metavar="EVENT",
                     help="drop the saved hand relink of event EVENT (repeatable)")
    edl.add_argument("--otio", metavar="OUT", help="also write the timeline as OpenTimelineIO JSON to OUT")
    edl.add_argument("--edl", dest="edl_out", metavar="OUT", help="also write the timeline as a CMX 3600 EDL to OUT")


def command_edl(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.interchange.timeline_files import forget_relink, load_timeline_file, save_relink
    from app.interchange.timeline_write import write_timeline

    path = Path(args.file)
    doc, matches = load_timeline_file(path, catalog, parse_rate(args.rate) if args.rate else None)
    relinks = _parse_relinks(args.relink, doc)
    if relinks is None:
        return EXIT_USAGE
    if args.forget_relink or relinks:
        for number in args.forget_relink:
            if not forget_relink(catalog, path, number):
                print(f"reelkeep: event {number} of {path.name} had no saved relink", file=sys.stderr)
        for number, media_path in relinks:
            media_id = _media_id(catalog, media_path)
            if media_id is None:
                return EXIT_ERROR
            save_relink(catalog, path, number, media_id)
        doc, matches = load_timeline_file(path, catalog, parse_rate(args.rate) if args.rate else None)
    for target, fmt in ((args.otio, "otio"), (args.edl_out, "edl")):
        if target:
            write_timeline(doc, Path(target), fmt)
    paths = {r["id"]: r["path"] for r in catalog.rows([m.media_id for m in matches if m.media_id is not None])}
    if args.json:
        json.dump(_record(doc, matches, paths), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        _print_table(doc, matches, paths, out)
    return EXIT_OK


def _parse_relinks(values: list[str], doc: EdlDocument) -> list[tuple[int, str]] | None:
    numbers = {e.number for e in doc.events}
    parsed = []
    for value in values:
        number, sep, media_path = value.partition("=")
        if not sep or not number.strip().isdigit() or not media_path:
            print(f"reelkeep: --relink {value!r}: expected EVENT=PATH, e.g. 3=/media/A001C003.mov", file=sys.stderr)
            return None
        if int(number) not in numbers:
            print(f"reelkeep: --relink {value!r}: the timeline has no event {int(number)}", file=sys.stderr)
            return None
        parsed.append((int(number), media_path))
    return parsed


def _media_id(catalog: Catalog, media_path: str) -> int | None:
    """The catalog id of a file, adding it when it is not cataloged yet (as `reelkeep extract FILE` does)."""
    from app.core.errors import ReelkeepError
    from app.ingest.add_files import add_files

    absolute = os.path.abspath(media_path)
    media_id = catalog.id_for_path(absolute)
    if media_id is not None:
        return media_id
    try:
        ids = add_files(catalog, [absolute])
    except ReelkeepError as exc:
        print(f"reelkeep: --relink: {exc}", file=sys.stderr)
        return None
    return ids[0] if ids else None


def _tc(frames: int, doc: EdlDocument) -> str:
    return from_frames(max(frames, 0), doc.rate, doc.drop_frame and supports_drop_frame(doc.rate))


def _event_record(event: EdlEvent, match: EventMatch, doc: EdlDocument, paths: dict[int, str]) -> dict[str, Any]:
    return {
        "number": event.number, "line": event.line_number, "reel": event.reel, "track": event.track,
        "transition": event.transition, "transition_frames": event.transition_frames,
        "source_in": _tc(event.source_in, doc), "source_out": _tc(event.source_out, doc),
        "record_in": _tc(event.record_in, doc), "record_out": _tc(event.record_out, doc),
        "clip_name": event.name, "source_file": event.source_file,
        # an M2 motion effect: source frames per second (negative plays backwards), null at normal speed
        "speed": event.speed,
        "status": match.status, "media_id": match.media_id,
        "path": paths.get(match.media_id) if match.media_id is not None else None,
        "candidates": match.candidates, "reason": match.reason,
    }


def _record(doc: EdlDocument, matches: list[EventMatch], paths: dict[int, str]) -> dict[str, Any]:
    return {
        "title": doc.title,
        "rate": f"{doc.rate.numerator}/{doc.rate.denominator}",
        "drop_frame": doc.drop_frame,
        "events": [_event_record(e, m, doc, paths) for e, m in zip(doc.events, matches, strict=True)],
        "errors": [{"line": e.line_number, "text": e.text, "message": e.message} for e in doc.errors],
        "warnings": list(doc.warnings),
    }


def _print_table(doc: EdlDocument, matches: list[EventMatch], paths: dict[int, str], out: TextIO) -> None:
    kind = " DF" if doc.drop_frame else ""
    out.write(f"{doc.title or '(untitled)'}  {format_rate(Fraction(doc.rate))} fps{kind}\n")
    for event, match in zip(doc.events, matches, strict=True):
        where = paths.get(match.media_id, "") if match.status == "matched" and match.media_id else match.reason
        if match.status == "matched" and match.reason.startswith("relinked"):
            where += f" ({match.reason})"
        fields = [
            f"{event.number:03d}", event.reel, event.track, event.transition,
            _tc(event.source_in, doc), _tc(event.source_out, doc),
            _tc(event.record_in, doc), _tc(event.record_out, doc), match.status, where,
        ]
        out.write("\t".join(fields).rstrip() + "\n")
    for error in doc.errors:
        out.write(f"error: line {error.line_number}: {error.text.strip()} — {error.message}\n")
    for warning in doc.warnings:
        out.write(f"warning: {warning}\n")
    counts = {s: sum(m.status == s for m in matches) for s in STATUSES}
    out.write(", ".join(f"{n} {s}" for s, n in counts.items()) + "\n")
