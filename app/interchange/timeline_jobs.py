"""Jobs over timelines for the Timeline panel: open (read + conform) and batch extract (Qt-free, so the CLI can
run them too)."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from app.catalog.catalog import Catalog
from app.core.errors import ReelkeepError
from app.core.job import JobContext
from app.ingest.extract import ExtractFailure, ExtractJobPlan, plan_extracts, run_extracts
from app.interchange.conform import EventMatch
from app.interchange.edl_extract import EdlExtractPlan, conformed_edl, plan_edl_extract
from app.interchange.edl_model import EdlDocument, EdlEvent
from app.interchange.sequence import MediaRef, media_refs
from app.interchange.timeline_files import load_timeline_file


class TimelineReadError(ReelkeepError):
    """A timeline file that could not be read; the message names the file and the reason."""


@dataclass(frozen=True)
class LoadedTimeline:
    """A timeline file read and conformed: its events, how each matched, and the matched files."""

    path: Path
    doc: EdlDocument
    matches: list[EventMatch]
    media: dict[int, MediaRef]


class OpenTimelineJob:
    """Read a timeline file and conform it against the catalog (lane 'catalog': it reads the catalog a lot)."""

    lane = "catalog"

    def __init__(self, catalog: Catalog, path: Path, rate: Fraction | None = None) -> None:
        self.catalog = catalog
        self.path = Path(path)
        self.rate = rate
        self.title = f"Open {self.path.name}"

    def plan(self) -> Path:
        return self.path

    def run(self, plan: Path, ctx: JobContext) -> LoadedTimeline:
        try:
            doc, matches = load_timeline_file(plan, self.catalog, self.rate)
        except OSError as exc:
            raise TimelineReadError(f"cannot read {plan.name}: {exc.strerror or exc}") from exc
        ctx.cancel.check()
        return LoadedTimeline(plan, doc, matches, media_refs(self.catalog, (m.media_id for m in matches
                                                                            if m.media_id is not None)))


@dataclass
class EdlExtractResult:
    """What a batch extraction wrote: outputs by name, failures, skipped events and the conformed EDL."""

    outputs: dict[str, Path] = field(default_factory=dict)  # output name -> file written
    events: dict[str, EdlEvent] = field(default_factory=dict)  # output name -> the event it serves
    failures: list[ExtractFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    conformed: Path | None = None
    media_ids: list[int] = field(default_factory=list)  # the outputs' own catalog ids

    def summary(self) -> str:
        """'2 extracted, 0 failed, 1 skipped; conformed EDL: PATH'."""
        text = f"{len(self.outputs)} extracted, {len(self.failures)} failed, {len(self.skipped)} skipped"
        return text + (f"; conformed EDL: {self.conformed}" if self.conformed else "")


@dataclass(frozen=True)
class EdlExtractJobPlan:
    edl: EdlExtractPlan
    extracts: ExtractJobPlan


class EdlExtractJob:
    """Every matched video event (or the chosen ones) extracted with handles, then the EDL conformed to the
    new files and written beside them as NAME_conformed.edl (lane 'extract')."""

    lane = "extract"

    def __init__(self, catalog: Catalog, doc: EdlDocument, matches: list[EventMatch], dest: Path, *,
                 edl_name: str, handles: int = 0, mode: str = "reencode", preset: str = "prores_hq",
                 only: Collection[int] | None = None) -> None:
        self.catalog = catalog
        self.doc, self.matches = doc, matches
        self.dest = Path(dest)
        self.edl_name = edl_name
        self.handles, self.mode, self.preset = handles, mode, preset
        self.only = None if only is None else set(only)  # event indexes in doc.events
        count = len(doc.events) if self.only is None else len(self.only)
        self.title = f"Extract {count} event(s) of {edl_name}"

    def plan(self) -> EdlExtractJobPlan:
        doc, matches = self.doc, self.matches
        if self.only is not None:
            chosen = [i for i in range(len(doc.events)) if i in self.only]
            doc = dataclasses.replace(doc, events=[doc.events[i] for i in chosen])
            matches = [matches[i] for i in chosen]
        edl = plan_edl_extract(doc, matches, self.catalog, self.handles, self.mode, self.preset, self.dest)
        return EdlExtractJobPlan(edl, plan_extracts(self.catalog, edl.requests))

    def run(self, plan: EdlExtractJobPlan, ctx: JobContext) -> EdlExtractResult:
        extracted = run_extracts(self.catalog, plan.extracts, ctx)
        outputs = {o.path.stem: o.path for o in extracted.outputs}
        conformed = self.dest / f"{self.edl_name}_conformed.edl"
        self.dest.mkdir(parents=True, exist_ok=True)
        # The whole EDL, not only the chosen events: the ones not extracted keep their old sources.
        conformed.write_text(conformed_edl(self.doc, plan.edl, outputs), encoding="utf-8")
        return EdlExtractResult(outputs, {n: plan.edl.events[n] for n in outputs}, extracted.failures,
                                extracted.warnings, plan.edl.skipped, conformed,
                                [o.media_id for o in extracted.outputs if o.media_id is not None])
