"""The extract job: subclips of cataloged files, each written, then cataloged itself (lane 'extract')."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from app.catalog.catalog import Catalog
from app.catalog.links import SubclipLink
from app.core.errors import Cancelled, ReelkeepError
from app.core.extract_plan import ExtractError, ExtractPlan, frame_tc, plan_extract
from app.core.job import JobContext
from app.core.naming import NAME_MAX, fit_name
from app.core.paths import display_path
from app.core.progress import ProgressMeter
from app.ingest.add_files import add_files
from app.media.extract import PRESETS, extract_reencode
from app.media.extract_copy import extract_copy
from app.media.extract_smart import extract_smart

log = logging.getLogger(__name__)

MODES = ("smart", "reencode", "copy")


@dataclass(frozen=True)
class EventRef:
    """The timeline event an extraction serves: its number and the timeline's name."""

    number: int
    timeline: str


@dataclass(frozen=True)
class ExtractRequest:
    media_id: int
    in_frame: int
    out_frame: int  # exclusive
    handles: int = 0
    mode: str = "smart"
    preset: str = "prores_hq"  # re-encode mode's encoding, and smart mode's where it cannot copy
    dest_dir: Path = Path(".")
    name: str | None = None  # the file name without suffix; default "{clip}_{in_tc}"
    event: EventRef | None = None  # recorded with the subclip link; labels the batch progress
    overwrite: bool = False  # replace a file of the output's name (else the output takes a free name: _2, _3…)


@dataclass(frozen=True)
class ExtractItem:
    request: ExtractRequest
    raw_path: bytes
    plan: ExtractPlan
    frame_count: int
    source_tc: str | None


@dataclass(frozen=True)
class ExtractFailure:
    media_id: int
    path: str
    message: str
    event: int | None = None


@dataclass(frozen=True)
class ExtractJobPlan:
    items: tuple[ExtractItem, ...]
    invalid: tuple[ExtractFailure, ...] = ()
    total_frames: int = 0


@dataclass(frozen=True)
class ExtractedFile:
    path: Path
    media_id: int | None  # the output's own catalog id
    source_id: int
    first: int
    last: int
    start_tc: str
    exact: bool
    message: str = ""
    event: int | None = None
    method: str = "reencode"  # reencode, copy, smart (copied GOPs, re-encoded ends) or intra-copy
    copied: int = 0  # frames copied from the source unchanged
    encoded: int = 0  # frames re-encoded
    name: str = ""  # the name asked for (without suffix); path may differ: that name was taken, or too long


@dataclass
class ExtractResult:
    outputs: list[ExtractedFile] = field(default_factory=list)
    failures: list[ExtractFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{len(self.outputs)} extracted, {len(self.failures)} failed"


def plan_extracts(catalog: Catalog, requests: Sequence[ExtractRequest]) -> ExtractJobPlan:
    """Validate each request against the catalog; a bad one becomes a failure, the rest are planned."""
    paths = catalog.raw_paths([r.media_id for r in requests])
    items, invalid, total = [], [], 0
    for request in requests:
        raw = paths.get(request.media_id)
        shown = display_path(raw) if raw else f"media #{request.media_id}"
        try:
            if raw is None:
                raise ExtractError("not in the catalog")
            if request.mode not in MODES:
                raise ExtractError(f"unknown mode {request.mode!r}; one of {', '.join(MODES)}")
            if request.mode != "copy" and request.preset not in PRESETS:
                raise ExtractError(f"unknown preset {request.preset!r}; one of {', '.join(PRESETS)}")
            info = catalog.info(request.media_id)
            if info["kind"] != "video" or not info["frame_rate"] or not info["frame_count"]:
                raise ExtractError("not a probed video file")
            rate, count = Fraction(info["frame_rate"]), info["frame_count"]
            clip = os.path.splitext(os.path.basename(shown))[0]
            plan = plan_extract(rate, count, info["start_timecode"], request.in_frame, request.out_frame,
                                request.handles, clip=clip,
                                pattern=request.name.replace("{", "{{").replace("}", "}}") if request.name
                                else "{clip}_{in_tc}")
        except ReelkeepError as exc:
            invalid.append(ExtractFailure(request.media_id, shown, str(exc), _number(request)))
            continue
        items.append(ExtractItem(request, raw, plan, count, info["start_timecode"]))
        total += plan.frame_count
    return ExtractJobPlan(tuple(items), tuple(invalid), total)


def run_extracts(catalog: Catalog, plan: ExtractJobPlan, ctx: JobContext) -> ExtractResult:
    """Extract each item, catalog the output with its subclip link; a failing item is recorded, the batch goes on.

    Progress names the item ("event 3/12: 003_A001_C002 — 40%") over the batch's overall fraction; each
    finished output or failure is also sent through ctx.emit as it happens. A cancel raises Cancelled after
    the current item's partial file is removed: what finished before stays written and cataloged.
    """
    result = ExtractResult(failures=list(plan.invalid))
    meter = ProgressMeter(ctx.progress, unit="frames")
    meter.set_total(plan.total_frames)
    for step, item in enumerate(plan.items, 1):
        ctx.cancel.check()
        request, shown = item.request, display_path(item.raw_path)
        noun = "event" if request.event is not None else "subclip"
        meter.begin_step(step, len(plan.items), f"{noun} {step}/{len(plan.items)}: {item.plan.name}",
                         item.plan.frame_count)
        try:
            common = {"frame_count": item.frame_count, "check": ctx.cancel.check, "on_frame": meter.advance,
                      "overwrite": request.overwrite}
            if request.mode == "copy":
                output = extract_copy(item.raw_path, request.dest_dir, item.plan, item.source_tc, **common)
            elif request.mode == "smart":
                output = extract_smart(item.raw_path, request.dest_dir, item.plan, request.preset, **common)
            else:
                output = extract_reencode(item.raw_path, request.dest_dir, item.plan, request.preset, **common)
            ids = add_files(catalog, [str(output.path)])
            if ids:
                catalog.link_subclip(ids[0], subclip_link(item, shown, output.first, output.last, output.start_tc))
        except Cancelled:
            raise
        except ReelkeepError as exc:
            failure = ExtractFailure(request.media_id, shown, str(exc), _number(request))
            result.failures.append(failure)
            ctx.emit(failure)
            continue
        except Exception as exc:  # noqa: BLE001 - one bad file must not end the batch; details go to the log
            log.exception("extracting from %s failed", shown)
            failure = ExtractFailure(request.media_id, shown, f"unexpected error: {type(exc).__name__}: {exc}",
                                     _number(request))
            result.failures.append(failure)
            ctx.emit(failure)
            continue
        done = ExtractedFile(output.path, ids[0] if ids else None, request.media_id, output.first, output.last,
                             output.start_tc, output.exact, output.message, _number(request),
                             output.method, output.copied, output.encoded, item.plan.name)
        result.outputs.append(done)
        result.warnings.extend(f"{shown}: {w}" for w in output.warnings)
        renamed = renamed_note(item.plan.name, output.path)
        if renamed:
            result.warnings.append(renamed)
        ctx.emit(done)
    meter.finish()
    return result


def renamed_note(name: str, path: Path) -> str | None:
    """Why an output is not called name + its suffix (too long for a file name, or taken), or None."""
    wanted, fitted = f"{name}{path.suffix}", fit_name(name, path.suffix)
    if path.name == wanted:
        return None
    if path.name == fitted:
        return f"the name {wanted[:40]}… is longer than {NAME_MAX} bytes: shortened to {path.name}"
    return f"{path.parent / fitted} already exists and was left alone: written as {path.name} (--overwrite replaces)"


def _number(request: ExtractRequest) -> int | None:
    return request.event.number if request.event is not None else None


def subclip_link(item: ExtractItem, shown: str, first: int, last: int, first_tc: str) -> SubclipLink:
    """The catalog's record of where an output came from (copy mode may widen first..last to keyframes)."""
    request = item.request
    return SubclipLink(request.media_id, shown, first, last, request.in_frame, request.out_frame, request.handles,
                       first_tc, frame_tc(last, item.plan.rate, item.source_tc), _number(request),
                       request.event.timeline if request.event is not None else None)


class ExtractJob:
    """Subclips of cataloged files (lane 'extract')."""

    lane = "extract"

    def __init__(self, catalog: Catalog, requests: Sequence[ExtractRequest]) -> None:
        self.catalog = catalog
        self.requests = tuple(requests)
        self.title = f"Extract {len(self.requests)} subclip(s)"

    def plan(self) -> ExtractJobPlan:
        return plan_extracts(self.catalog, self.requests)

    def run(self, plan: ExtractJobPlan, ctx: JobContext) -> ExtractResult:
        return run_extracts(self.catalog, plan, ctx)


__all__ = ["EventRef", "ExtractJob", "ExtractRequest", "ExtractResult", "ExtractedFile", "ExtractFailure", "frame_tc", "subclip_link"]
