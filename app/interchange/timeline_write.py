"""Writing timelines: CMX 3600 (.edl) and OpenTimelineIO (.otio), each written whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path

import opentimelineio as otio

from app.core.errors import ReelkeepError
from app.interchange.cmx3600_write import write_cmx3600
from app.interchange.edl_model import EdlDocument
from app.interchange.otio_export import to_otio

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
    """Write to a temporary name beside path and rename it into place, so a failure leaves no half file."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise TimelineWriteError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path
