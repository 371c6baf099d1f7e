"""Batch extraction from a timeline: one request per matched video event, and the EDL conformed to the results.

An extracted file's start timecode is the timecode of its first frame, so the events' source timecodes stay
valid against it: the conformed EDL (edl_conformed.py) only points each event at its new file.
The planning and the job are Qt-free: the CLI runs EdlExtractJob in its thread, the GUI on the extract lane.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Collection
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from app.catalog.catalog import Catalog
from app.core.extract_plan import EDL_PATTERN, check_name_pattern, frame_tc, source_start_frame
from app.core.job import JobContext
from app.core.naming import NAME_MAX, unique_name
from app.ingest.extract import (
    EventRef,
    ExtractJobPlan,
    ExtractRequest,
    ExtractResult,
    plan_extracts,
    run_extracts,
)
from app.interchange.conform import MATCHED, NOT_MEDIA, EventMatch
from app.interchange.edl_conformed import conformed_edl
from app.interchange.edl_model import EdlDocument, EdlEvent
from app.interchange.sequence import shown_source_range
from app.media.partial import DestinationError, write_file

_UNSAFE = re.compile(r"[^\w.-]+")
AUDIO_ONLY, OTHER_RATE = "audio only", "other rate"
_SUFFIX_ROOM = len(".mov")  # names are planned without their suffix (the mode decides it when writing)


@dataclass(frozen=True)
class SkippedEvent:
    """An event left out of a batch: its status (not media, audio only, offline, ambiguous, other rate) and why."""

    number: int
    status: str
    reason: str

    def __str__(self) -> str:
        return f"event {self.number}: {self.status}: {self.reason}"


@dataclass(frozen=True)
class EdlExtractPlan:
    requests: list[ExtractRequest]
    events: dict[str, EdlEvent]  # output name -> the event it serves
    skipped: list[SkippedEvent]


@dataclass(frozen=True)
class EdlBatchPlan:
    edl: EdlExtractPlan
    extracts: ExtractJobPlan


@dataclass(frozen=True)
class EdlBatchResult:
    """What a batch did: outputs and failures per event, events skipped, and the conformed EDL written."""

    extract: ExtractResult
    skipped: list[SkippedEvent]
    conformed: Path | None
    conformed_error: str = ""  # why the conformed EDL could not be written (the extracted files stay)

    @property
    def failed(self) -> int:
        return len(self.extract.failures)

    @property
    def conformed_text(self) -> str:
        """The conformed EDL's path, or 'not written (why)'."""
        return str(self.conformed) if self.conformed is not None else f"not written ({self.conformed_error})"

    def summary(self) -> str:
        """'2 extracted, 1 failed, 3 skipped (1 not media, 2 offline)'."""
        kinds: dict[str, int] = {}
        for skipped in self.skipped:
            kinds[skipped.status] = kinds.get(skipped.status, 0) + 1
        detail = f" ({', '.join(f'{n} {s}' for s, n in kinds.items())})" if kinds else ""
        return f"{len(self.extract.outputs)} extracted, {self.failed} failed, {len(self.skipped)} skipped{detail}"


def safe_part(text: str) -> str:
    """A reel or clip name made safe for a file name."""
    return _UNSAFE.sub("_", text).strip("_") or "x"


def safe_name(text: str) -> str:
    """A whole file name (without suffix) made safe: path separators and control characters become _."""
    return re.sub(r"[/\\\x00-\x1f]+", "_", text).strip() or "x"


def _tc_part(timecode: str) -> str:
    return timecode.replace(":", "-").replace(";", "-")


def plan_edl_extract(doc: EdlDocument, matches: list[EventMatch], catalog: Catalog, handles: int, mode: str,
                     preset: str, dest: Path, timeline: str = "", name_pattern: str = EDL_PATTERN,
                     overwrite: bool = False) -> EdlExtractPlan:
    """A request per matched video event; every event left out says why (black and aux are not failures).

    Outputs are named by name_pattern (fields: event, reel, clip, track, in_tc); a name two events would share
    gets _2, _3… so no output overwrites another (and a file already in dest is left alone unless overwrite:
    that output takes the next free name when written).
    """
    check_name_pattern(name_pattern)
    requests: list[ExtractRequest] = []
    events: dict[str, EdlEvent] = {}
    skipped: list[SkippedEvent] = []
    for event, match in zip(doc.events, matches, strict=True):
        if match.status == NOT_MEDIA:
            skipped.append(SkippedEvent(event.number, NOT_MEDIA, match.reason))
            continue
        if not event.has_video:
            skipped.append(SkippedEvent(event.number, AUDIO_ONLY, f"track {event.track}; video events are extracted"))
            continue
        if match.status != MATCHED or match.media_id is None:
            skipped.append(SkippedEvent(event.number, match.status, match.reason))
            continue
        info = catalog.info(match.media_id)
        rate = Fraction(info["frame_rate"]) if info["frame_rate"] else None
        if rate != doc.rate:
            skipped.append(SkippedEvent(event.number, OTHER_RATE,
                                        f"the timeline runs at {doc.rate} fps, {info['name']} at {rate}; pass the "
                                        "timeline's rate with --rate or conform to media of that rate"))
            continue
        start, _ = source_start_frame(info["start_timecode"], rate)
        clip = os.path.splitext(info["name"])[0]
        name = safe_name(name_pattern.format(event=event.number, reel=safe_part(event.reel), clip=safe_part(clip),
                                             track=safe_part(event.track),
                                             in_tc=_tc_part(frame_tc(event.source_in - start, rate, info["start_timecode"]))))
        name = unique_name(name, events.__contains__, NAME_MAX - _SUFFIX_ROOM)
        first, end = _shown_file_range(event, doc.rate, start, info.get("frame_count"))
        requests.append(ExtractRequest(match.media_id, first, end, handles, mode, preset, dest, name,
                                       EventRef(event.number, timeline or doc.title or ""), overwrite))
        events[name] = event
    return EdlExtractPlan(requests, events, skipped)


def _shown_file_range(event: EdlEvent, rate: Fraction, start: int, frame_count: int | None) -> tuple[int, int]:
    """File frames [first, end) to extract for an event: its source range, and the frames an M2 effect shows
    beyond it as far as the file has them."""
    first, end = (f - start for f in shown_source_range(event, rate))
    if first < event.source_in - start:
        first = max(first, 0)
    if end > event.source_out - start and frame_count:
        end = min(end, frame_count)
    return first, end


def conformed_path(dest: Path, timeline: Path) -> Path:
    """Where a batch writes its conformed EDL: DEST/<timeline stem>_conformed.edl."""
    return dest / f"{timeline.stem}_conformed.edl"


class EdlExtractJob:
    """Every matched video event of a timeline, extracted as one job (lane 'extract'), then the conformed EDL."""

    lane = "extract"

    def __init__(self, catalog: Catalog, doc: EdlDocument, matches: list[EventMatch], timeline: Path, dest: Path,
                 handles: int = 0, mode: str = "reencode", preset: str = "prores_hq",
                 only: Collection[int] | None = None, name_pattern: str = EDL_PATTERN, overwrite: bool = False) -> None:
        self.catalog, self.doc, self.matches = catalog, doc, list(matches)
        self.name_pattern = name_pattern
        self.overwrite = overwrite
        self.timeline, self.dest = timeline, dest
        self.handles, self.mode, self.preset = handles, mode, preset
        self.only = None if only is None else set(only)  # indexes into doc.events: the Timeline panel's selection
        self.title = f"Extract events of {timeline.name}"

    def plan(self) -> EdlBatchPlan:
        doc, matches = self.doc, self.matches
        if self.only is not None:
            chosen = [i for i in range(len(doc.events)) if i in self.only]
            doc = dataclasses.replace(doc, events=[doc.events[i] for i in chosen])
            matches = [matches[i] for i in chosen]
        # the conformed EDL (run) is still the whole timeline: events not chosen keep their old sources
        edl = plan_edl_extract(doc, matches, self.catalog, self.handles, self.mode, self.preset,
                               self.dest, self.timeline.name, self.name_pattern, self.overwrite)
        return EdlBatchPlan(edl, plan_extracts(self.catalog, edl.requests))

    def run(self, plan: EdlBatchPlan, ctx: JobContext) -> EdlBatchResult:
        result = run_extracts(self.catalog, plan.extracts, ctx)
        outputs = {o.name: o for o in result.outputs}  # an output's file may have another name than asked
        text = conformed_edl(self.doc, plan.edl.events, outputs)
        try:
            conformed = write_file(conformed_path(self.dest, self.timeline), text.encode("utf-8"), self.overwrite)
        except DestinationError as exc:  # a full disk: the events' results are still worth reporting
            return EdlBatchResult(result, plan.edl.skipped, None, str(exc))
        return EdlBatchResult(result, plan.edl.skipped, conformed)
