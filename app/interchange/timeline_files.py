"""Timeline files by suffix: the one entry point the CLI and the Timeline panel use to open a timeline."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from app.catalog.catalog import Catalog
from app.core.errors import ReelkeepError
from app.interchange.conform import EventMatch, load_and_conform
from app.interchange.edl_model import EdlDocument

# Suffixes the panel accepts by drop and the Open dialog offers.
TIMELINE_SUFFIXES = (".edl",)


class UnsupportedTimeline(ReelkeepError):
    """A file whose format Reelkeep cannot read as a timeline."""


def is_timeline_file(path: Path) -> bool:
    """True for a file name whose suffix names a timeline format Reelkeep reads."""
    return path.suffix.lower() in TIMELINE_SUFFIXES


def load_timeline_file(path: Path, catalog: Catalog, rate: Fraction | None = None) -> tuple[EdlDocument, list[EventMatch]]:
    """Read a timeline file and conform its events against the catalog."""
    if not is_timeline_file(path):
        raise UnsupportedTimeline(f"{path.name}: not a timeline Reelkeep can read (it reads {', '.join(TIMELINE_SUFFIXES)})")
    return load_and_conform(path.read_bytes(), catalog, rate)
