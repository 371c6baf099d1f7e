"""Batch extraction from an EDL: one request per matched video event, and the EDL conformed to the results.

An extracted file's start timecode is the timecode of its first frame, so the events' source timecodes stay
valid against it: the conformed EDL only points each event at its new file (reel and SOURCE FILE).
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from app.catalog.catalog import Catalog
from app.core.extract_plan import EDL_PATTERN, source_start_frame
from app.ingest.extract import ExtractRequest
from app.interchange.cmx3600 import write_cmx3600
from app.interchange.conform import EventMatch
from app.interchange.edl_model import EdlDocument, EdlEvent

_UNSAFE = re.compile(r"[^\w.-]+")


@dataclass(frozen=True)
class EdlExtractPlan:
    requests: list[ExtractRequest]
    events: dict[str, EdlEvent]  # output name -> the event it serves
    skipped: list[str]  # why events were left out, one line each


def safe_part(text: str) -> str:
    """A reel or clip name made safe for a file name."""
    return _UNSAFE.sub("_", text).strip("_") or "x"


def plan_edl_extract(doc: EdlDocument, matches: list[EventMatch], catalog: Catalog, handles: int, mode: str,
                     preset: str, dest: Path) -> EdlExtractPlan:
    """A request per matched video event; every event left out says why."""
    requests: list[ExtractRequest] = []
    events: dict[str, EdlEvent] = {}
    skipped: list[str] = []
    for event, match in zip(doc.events, matches, strict=True):
        if "V" not in event.tracks:
            skipped.append(f"event {event.number}: audio only ({event.track}); video events are extracted")
            continue
        if match.status != "matched" or match.media_id is None:
            skipped.append(f"event {event.number}: {match.status}: {match.reason}")
            continue
        info = catalog.info(match.media_id)
        rate = Fraction(info["frame_rate"]) if info["frame_rate"] else None
        if rate != doc.rate:
            skipped.append(f"event {event.number}: the EDL runs at {doc.rate} fps, {info['name']} at {rate}; "
                           "pass the EDL's rate with --rate or conform to media of that rate")
            continue
        start, _ = source_start_frame(info["start_timecode"], rate)
        clip = os.path.splitext(info["name"])[0]
        name = EDL_PATTERN.format(event=event.number, reel=safe_part(event.reel), clip=safe_part(clip))
        requests.append(ExtractRequest(match.media_id, event.source_in - start, event.source_out - start, handles,
                                       mode, preset, dest, name))
        events[name] = event
    return EdlExtractPlan(requests, events, skipped)


def conformed_edl(doc: EdlDocument, plan: EdlExtractPlan, outputs: dict[str, Path]) -> str:
    """The EDL with each extracted event pointing at its new file (events not extracted are kept as they were)."""
    by_event = {id(event): name for name, event in plan.events.items()}
    conformed = []
    for event in doc.events:
        name = by_event.get(id(event))
        path = outputs.get(name) if name else None
        if path is None:
            conformed.append(event)
            continue
        conformed.append(dataclasses.replace(event, reel=path.stem, source_file=str(path), clip_name=path.name))
    return write_cmx3600(conformed, doc.rate, doc.drop_frame, doc.title)
