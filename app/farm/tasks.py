"""What a farm worker does with a job: claim it in the ledger, run the same job code as the GUI and the CLI,
verify the output, and end the job exactly once.

Outputs go through the usual partial-then-rename (app/media/partial.py): a worker killed mid-proxy leaves only
`<name>.<host>-<pid>.partial`, which the next writer in that folder removes (at once on that machine, whose pid is
gone; after a day on another), so the retry starts clean and no reader ever sees half a proxy. A worker killed
after the rename but before recording leaves a finished output that the retry recognises and records.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any

import av

from app.catalog.catalog import Catalog
from app.core.errors import ReelkeepError
from app.core.job import JobContext, execute
from app.core.paths import display_path
from app.core.timecode import to_frames
from app.farm.farm import Farm
from app.ingest.add_files import add_files
from app.ingest.extract import EventRef, ExtractItem, ExtractJob, ExtractRequest, plan_extracts, subclip_link
from app.ingest.proxies import ProxyJob, verify_recorded
from app.ingest.thumbs import ThumbnailJob, cache_root, is_done
from app.media.framegrab import VideoSource
from app.media.partial import PARTIAL, remove_stale_partials
from app.media.probe import probe

log = logging.getLogger(__name__)

Outcome = tuple[str, Any, str | None]  # (end state, result, error)
SAME_FRAME_LUMA = 24.0  # mean luma difference (0-255) under which two decoded pictures are one frame re-encoded


def run_farm_job(farm: Farm, job_id: int, final: bool) -> None:
    """One delivery of a job's message. A duplicate delivery (the job ended, or runs elsewhere) ends at once."""
    token = farm.ledger.claim(job_id, farm.worker_name, farm.lease)
    if token is None:
        log.info("job %d: not queued any more (ended, cancelled or running elsewhere)", job_id)
        return
    kind, args = farm.ledger.args(job_id) or ("", {})
    running = farm.start(job_id, kind, token)
    try:
        ctx = JobContext(progress=running.report, cancel=running.cancel)
        state, result, error = KINDS[kind](farm.catalog(), args, ctx)
    except BaseException as exc:
        # The job code reports its own failures as values: this is the queue or the catalog failing.
        farm.end(job_id)
        try:
            if final:
                farm.ledger.finish(job_id, token, "failed", error=f"{type(exc).__name__}: {exc}")
            else:
                farm.ledger.release(job_id, token)  # Huey delivers the message again after its retry delay
        except Exception:  # noqa: BLE001 - the database is gone too: the lease expires and another worker reclaims
            log.exception("job %d: cannot record the failure", job_id)
        raise
    farm.end(job_id)
    if state == "cancelled" and running.reason == "shutdown":
        farm.hand_back(running)
    elif state == "cancelled" and running.reason == "lost":
        pass  # another worker holds the job now; its outcome is the one recorded
    elif not farm.ledger.finish(job_id, token, state, result, error):
        log.warning("job %d ended here but its claim had been lost; the other worker's outcome stands", job_id)


def _verify(catalog: Catalog, media_ids: list[int], presets: list[str] | None) -> tuple[list[dict[str, Any]],
                                                                                      list[str]]:
    checked, problems = [], []
    for original, name, report in verify_recorded(catalog, media_ids):
        if presets is not None and name not in presets:
            continue
        checked.append({"preset": name, "path": report.proxy_path, "frames": report.frame_count,
                        "start_tc": report.start_tc, "ok": report.ok})
        problems.extend(f"{original}: {name}: {p}" for p in report.problems)
    return checked, problems


def _ids(args: dict[str, Any]) -> list[int]:
    return [int(i) for i in args.get("media_ids") or [args["media_id"]]]


def proxy_task(catalog: Catalog, args: dict[str, Any], ctx: JobContext) -> Outcome:
    """Make the proxies of files of one content (unless recorded ones exist), then verify them against their
    originals. One job per content and all its presets: one proxy folder is written by one worker at a time."""
    media_ids, presets = _ids(args), [str(p) for p in args.get("presets") or [args["preset"]]]
    root = Path(catalog.root_map.to_local(args["root"])) if args.get("root") else None  # sent in the catalog's form
    job = ProxyJob(catalog, media_ids, presets, editorial_codec=args.get("codec", "prores"), root=root)
    outcome = execute(job, ctx)
    if not outcome.ok:
        return ("cancelled" if outcome.cancelled else "failed"), None, outcome.message
    made = outcome.value
    if made.failures:
        return "failed", None, "; ".join(f"{f.preset}: {f.message}" for f in made.failures)
    if not made.made and not made.up_to_date:
        return "done", {"ignored": True}, None  # not a video, or no longer in the catalog
    if ctx.cancel.cancelled:
        return "cancelled", None, "cancelled before verification"
    checked, problems = _verify(catalog, media_ids, presets)
    for folder in {Path(proxy["path"]).parent for proxy in checked}:
        # A retry that found the proxies made wrote nothing there: sweep what a killed worker left, as a writer would.
        remove_stale_partials(folder)
    result = {"made": made.made, "up_to_date": made.up_to_date, "frames": made.frames, "proxies": checked,
              "warnings": made.warnings}
    if problems or not checked:
        return "failed", result, "; ".join(problems) or "the proxy was not recorded"
    return "done", result, None


def verify_task(catalog: Catalog, args: dict[str, Any], ctx: JobContext) -> Outcome:
    """Verify the recorded proxies of files (of the given presets, or all)."""
    checked, problems = _verify(catalog, _ids(args), args.get("presets"))
    result = {"proxies": checked}
    return ("failed", result, "; ".join(problems)) if problems else ("done", result, None)


def thumbs_task(catalog: Catalog, args: dict[str, Any], ctx: JobContext) -> Outcome:
    """Posters, sprite sheets and hover previews of files, into the job's cache folder (the shared cache the windows
    read, sent in the catalog's form), else this worker's ($REELKEEP_CACHE_DIR); done when every file's cache entry
    is complete."""
    media_ids = _ids(args)
    cache = catalog.root_map.to_local(args["cache"]) if args.get("cache") else None
    root = cache_root(cache)
    outcome = execute(ThumbnailJob(catalog, media_ids, bool(args.get("regenerate")), cache), ctx)
    if not outcome.ok:
        return ("cancelled" if outcome.cancelled else "failed"), None, outcome.message
    made = outcome.value
    result = {"made": made.made, "up_to_date": made.up_to_date, "without_artwork": made.without_artwork,
              "cache": str(root.parent)}
    if made.failures:
        return "failed", result, "; ".join(f"{f.path}: {f.message}" for f in made.failures)
    missing = [info["path"] for info in map(catalog.info, media_ids)
               if info and info["status"] == "ok" and info["identity_hash"] and not is_done(info["identity_hash"], root)]
    if missing:
        return "failed", result, f"no complete cache entry for {', '.join(missing)}"
    return "done", result, None


def _extracted(catalog: Catalog, request: ExtractRequest, first: int, last: int, name: str) -> str | None:
    """A cataloged output of this extraction (same source frames, folder and name), or None."""
    folder = os.path.abspath(request.dest_dir)
    for link in catalog.subclips_of(request.media_id):
        path = link["path"]
        if ((link["first_frame"], link["last_frame"]) == (first, last) and os.path.dirname(path) == folder
                and os.path.basename(path).startswith(name) and os.path.isfile(path)):
            return path
    return None


def _candidates(folder: str, name: str) -> list[str]:
    """Files in folder named name or name_N (any suffix): where an output of that name may have gone."""
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return []
    pattern = re.compile(re.escape(name) + r"(_\d+)?\.[^.]+")
    return [os.path.join(folder, entry) for entry in entries
            if pattern.fullmatch(entry) and not entry.endswith(PARTIAL) and os.path.isfile(os.path.join(folder, entry))]


def _luma(frame: Any) -> Any:
    return frame.reformat(width=64, height=36, format="gray").to_ndarray().astype("float32")


def _same_frames(item: ExtractItem, path: str, first: int, count: int) -> bool:
    """The file's first and last pictures are the source's frames first and first+count-1 (decoded and compared
    small, in luma, within what lossy coding changes)."""
    rate = item.plan.rate
    ends = (0, count - 1)
    try:
        with VideoSource(path, rate, count) as made:
            mine = {i: _luma(f) for i, f in made.grab(ends)}
        with VideoSource(item.raw_path, rate, item.frame_count) as source:
            theirs = {i - first: _luma(f) for i, f in source.grab([first + i for i in ends])}
    except (ReelkeepError, OSError, av.error.FFmpegError):
        return False
    return all(i in mine and i in theirs and float(abs(mine[i] - theirs[i]).mean()) < SAME_FRAME_LUMA for i in ends)


def _adopt_unrecorded(catalog: Catalog, item: ExtractItem) -> str | None:
    """An output of this extraction that its worker renamed into place but was killed before recording (the retry's
    own finished work): a file of the planned name (or a _N of it) in the folder, not a cataloged subclip, whose
    timecode, frame count and decoded first and last pictures are this extraction's (copy mode may have widened it
    to keyframes). Recorded as the extraction records its outputs; its path, or None."""
    request, planned = item.request, item.plan
    folder = os.path.abspath(request.dest_dir)
    for path in _candidates(folder, planned.name):
        media_id = catalog.id_for_path(path)
        if media_id is not None and catalog.subclip_source(media_id) is not None:
            continue  # another extraction's recorded output
        try:
            facts = probe(path)
        except ReelkeepError:
            continue
        if not facts.frame_count or not facts.start_tc or facts.frame_rate != planned.rate:
            continue
        try:
            offset = to_frames(facts.start_tc, planned.rate) - to_frames(planned.start_tc, planned.rate)
        except ReelkeepError:
            continue
        first, last = planned.first + offset, planned.first + offset + facts.frame_count - 1
        exact = (first, last) == (planned.first, planned.last)
        if not (exact or (request.mode == "copy" and first <= planned.first and last >= planned.last)):
            continue
        if not _same_frames(item, path, first, facts.frame_count):
            continue
        ids = add_files(catalog, [path])
        if not ids:
            continue
        catalog.link_subclip(ids[0], subclip_link(item, display_path(item.raw_path), first, last, facts.start_tc))
        log.info("extraction output %s was made by a worker that stopped before recording it: recorded now", path)
        return path
    return None


def extract_task(catalog: Catalog, args: dict[str, Any], ctx: JobContext) -> Outcome:
    """Extract frames of one file into a folder (cataloged with its subclip link), unless a cataloged output of
    the same frames, folder and name exists: then the job is done at once (a retry after a worker died)."""
    event = EventRef(int(args["event"][0]), str(args["event"][1])) if args.get("event") else None
    request = ExtractRequest(int(args["media_id"]), int(args["in_frame"]), int(args["out_frame"]),
                             int(args.get("handles", 0)), str(args.get("mode", "smart")),
                             str(args.get("preset", "prores_hq")), Path(catalog.root_map.to_local(args["dest"])),
                             args.get("name"), event)
    plan = plan_extracts(catalog, [request])
    if plan.invalid:
        return "failed", None, plan.invalid[0].message
    item = plan.items[0].plan
    existing = _extracted(catalog, request, item.first, item.last, item.name)
    if existing is None:
        existing = _adopt_unrecorded(catalog, plan.items[0])
    if existing is not None:
        return "done", {"path": existing, "up_to_date": True}, None
    outcome = execute(ExtractJob(catalog, [request]), ctx)
    if not outcome.ok:
        return ("cancelled" if outcome.cancelled else "failed"), None, outcome.message
    made = outcome.value
    if made.failures or not made.outputs:
        return "failed", None, "; ".join(f.message for f in made.failures) or "no output"
    out = made.outputs[0]
    return "done", {"path": str(out.path), "first": out.first, "last": out.last, "start_tc": out.start_tc,
                    "exact": out.exact, "method": out.method, "warnings": made.warnings}, None


KINDS = {"proxy": proxy_task, "verify": verify_task, "thumbs": thumbs_task, "extract": extract_task}

__all__ = ["KINDS", "extract_task", "proxy_task", "run_farm_job", "thumbs_task", "verify_task"]
