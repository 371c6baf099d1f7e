"""Opening a timeline for the Timeline panel as a job: read, conform, and what the sequence needs of the matched
files (batch extraction is edl_extract.EdlExtractJob)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from app.catalog.catalog import Catalog
from app.core.errors import ReelkeepError
from app.core.job import JobContext
from app.interchange.conform import EventMatch
from app.interchange.edl_model import EdlDocument
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
