"""`reelkeep edl`: read a CMX 3600 EDL and conform its events to the catalog."""

from __future__ import annotations

import argparse
import json
import sys
from fractions import Fraction
from typing import Any, TextIO

from app.catalog.catalog import Catalog
from app.core.timecode import format_rate, from_frames, parse_rate, supports_drop_frame
from app.interchange.conform import EventMatch, load_and_conform
from app.interchange.edl_model import EdlDocument, EdlEvent

EXIT_OK, EXIT_ERROR = 0, 1


def add_parser(sub: argparse._SubParsersAction) -> None:
    edl = sub.add_parser("edl", help="read a CMX 3600 EDL and match its events to cataloged files")
    edl.add_argument("file")
    edl.add_argument("--json", action="store_true", help="print JSON (keys documented in docs/cli.md)")
    edl.add_argument("--rate", help="the EDL's frame rate (default: the matched media's, else 24 or 29.97 DF)")


def command_edl(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    try:
        with open(args.file, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        print(f"reelkeep: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    doc, matches = load_and_conform(data, catalog, parse_rate(args.rate) if args.rate else None)
    paths = {r["id"]: r["path"] for r in catalog.rows([m.media_id for m in matches if m.media_id is not None])}
    if args.json:
        json.dump(_record(doc, matches, paths), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        _print_table(doc, matches, paths, out)
    return EXIT_OK


def _tc(frames: int, doc: EdlDocument) -> str:
    return from_frames(max(frames, 0), doc.rate, doc.drop_frame and supports_drop_frame(doc.rate))


def _event_record(event: EdlEvent, match: EventMatch, doc: EdlDocument, paths: dict[int, str]) -> dict[str, Any]:
    return {
        "number": event.number, "line": event.line_number, "reel": event.reel, "track": event.track,
        "transition": event.transition, "transition_frames": event.transition_frames,
        "source_in": _tc(event.source_in, doc), "source_out": _tc(event.source_out, doc),
        "record_in": _tc(event.record_in, doc), "record_out": _tc(event.record_out, doc),
        "clip_name": event.name, "source_file": event.source_file,
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
    counts = {s: sum(m.status == s for m in matches) for s in ("matched", "ambiguous", "offline")}
    out.write(", ".join(f"{n} {s}" for s, n in counts.items()) + "\n")
