"""Writing timelines: CMX 3600 (.edl) and OpenTimelineIO (.otio), each written whole or not at all."""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio

from app.core.errors import ReelkeepError
from app.interchange.cmx3600_write import write_cmx3600
from app.interchange.edl_model import EdlDocument
from app.interchange.otio_export import to_otio
from app.media.partial import DestinationError, write_file

WRITE_SUFFIXES = (".edl", ".otio")


class TimelineWriteError(ReelkeepError):
    """A timeline file could not be written; nothing was left at its name."""


def write_timeline(doc: EdlDocument, path: Path, fmt: str | None = None) -> Path:
    """Write doc as CMX 3600 ("edl") or OpenTimelineIO ("otio"); by default the path's suffix says which."""
    fmt = fmt or path.suffix.lower().lstrip(".")
    if fmt == "edl":
        text = write_cmx3600(doc)
    elif fmt == "otio":
        text = otio.adapters.write_to_string(to_otio(doc), "otio_json")
    else:
        raise TimelineWriteError(f"{path.name}: Reelkeep writes timelines as {' or '.join(WRITE_SUFFIXES)}")
    return write_text_atomic(path, text)


def write_text_atomic(path: Path, text: str) -> Path:
    """Write to a partial file beside path and rename it into place (replacing: the user named this file),
    so a failure leaves no half file and a killed run's partial goes by app.media.partial's rule."""
    try:
        return write_file(path, text.encode("utf-8"), overwrite=True)
    except DestinationError as exc:
        raise TimelineWriteError(str(exc)) from exc
