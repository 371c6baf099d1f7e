"""Timeline files by suffix: the one entry point the CLI and the Timeline panel use to open a timeline.

CMX 3600 (.edl) goes through Reelkeep's own reader; FCP 7 XML (.xml), AAF (.aaf) and .otio through the
OpenTimelineIO adapters. Hand relinks saved in the catalog (keyed by the file's content hash and an event
number) are applied on every open.
"""

from __future__ import annotations

from collections.abc import Collection
from fractions import Fraction
from pathlib import Path

import xxhash

from app.catalog.catalog import Catalog
from app.core.regular_file import NotARegularFile, read_regular
from app.interchange.conform import EventMatch, conform, load_and_conform, relink
from app.interchange.edl_model import EdlDocument
from app.interchange.otio_import import ADAPTERS, MAX_TIMELINE_BYTES, UnsupportedTimeline, read_otio_file

# Suffixes the panel accepts by drop and the Open dialog offers.
TIMELINE_SUFFIXES = (".edl", *ADAPTERS)
SAVED_RELINK = "relinked by hand, saved"

__all__ = ["MAX_TIMELINE_BYTES", "TIMELINE_SUFFIXES", "UnsupportedTimeline", "forget_relink", "is_timeline_file", "load_timeline_file",
           "save_relink", "timeline_hash"]


def is_timeline_file(path: Path) -> bool:
    """True for a file name whose suffix names a timeline format Reelkeep reads."""
    return path.suffix.lower() in TIMELINE_SUFFIXES


def timeline_hash(path: Path) -> str:
    """The key of a timeline file's saved relinks: xxh3-128 of its bytes (as media content hashes)."""
    return xxhash.xxh3_128_hexdigest(_read(path))


def load_timeline_file(path: Path, catalog: Catalog, rate: Fraction | None = None,
                       within: Collection[int] | None = None) -> tuple[EdlDocument, list[EventMatch]]:
    """Read a timeline file, conform its events against the catalog (only the ids `within`, when given) and apply
    its saved relinks.

    `rate` is for EDLs, which carry no rate; the other formats carry their own and ignore it (with a warning).
    """
    if not is_timeline_file(path):
        raise UnsupportedTimeline(f"{path.name}: not a timeline Reelkeep can read (it reads {', '.join(TIMELINE_SUFFIXES)})")
    data = _read(path)
    if path.suffix.lower() == ".edl":
        doc, matches = load_and_conform(data, catalog, rate, within)
    else:
        doc = read_otio_file(path)
        if rate is not None and rate != doc.rate:
            doc.warnings.append(f"the file runs at {doc.rate} fps: the rate {rate} given was not used")
        matches = conform(doc, catalog, within)
    numbers = {e.number for e in doc.events}
    for number, media_id in sorted(catalog.relinks(xxhash.xxh3_128_hexdigest(data)).items()):
        if number in numbers:
            matches = relink(matches, number, media_id, SAVED_RELINK)
    return doc, matches


def save_relink(catalog: Catalog, path: Path, event_number: int, media_id: int) -> None:
    """Remember a hand relink so every later open of this file (by content) applies it."""
    catalog.save_relink(timeline_hash(path), event_number, media_id)


def forget_relink(catalog: Catalog, path: Path, event_number: int) -> bool:
    """Drop a saved relink of this file; True when there was one."""
    return catalog.forget_relink(timeline_hash(path), event_number)


def _read(path: Path) -> bytes:
    """The file's bytes; a FIFO, device, folder or oversized file is refused before anything blocks or grows."""
    try:
        return read_regular(path, MAX_TIMELINE_BYTES)
    except NotARegularFile as exc:
        raise UnsupportedTimeline(f"cannot read {path}: {exc}") from exc
    except OSError as exc:
        raise UnsupportedTimeline(f"cannot read {path}: {exc.strerror or exc}") from exc
