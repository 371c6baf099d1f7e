"""What a submission sends to the farm: the jobs of `reelkeep farm proxies|thumbs|verify|extract` and of the window's
Send to Farm, built by one set of functions, and the job that submits them off the GUI thread (catalog lane).

Every path a job carries is in the catalog's form (catalog.root_map): each worker maps it to where the storage
is mounted on its own machine.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.catalog.catalog import Catalog
from app.catalog.db import redacted
from app.core.errors import ReelkeepError
from app.core.job import JobContext
from app.core.paths import display_path
from app.farm.ledger import NewJob
from app.farm.store import queue_location
from app.ingest.extract import ExtractRequest

THUMBS_PER_JOB = 16  # a cache entry takes a second or two; a job's claim and beats cost little


def _to_catalog(catalog: Catalog, path: str | Path) -> str:
    return catalog.root_map.to_catalog(os.path.abspath(os.fspath(path)))


def video_groups(catalog: Catalog, ids: Sequence[int]) -> list[tuple[list[int], str]]:
    """The videos among ids, grouped by content (identity hash): (media ids, the first one's name). Files of one
    content share a proxy folder; one job for them keeps two machines from writing in it at once."""
    paths = catalog.raw_paths(list(ids))
    groups: dict[str, tuple[list[int], str]] = {}
    for media_id in dict.fromkeys(ids):
        info = catalog.info(media_id)
        if info is not None and info["kind"] == "video" and media_id in paths:
            key = info["identity_hash"] or f"#{media_id}"
            groups.setdefault(key, ([], os.path.basename(display_path(paths[media_id]))))[0].append(media_id)
    return list(groups.values())


def proxy_title(presets: Sequence[str], ids: Sequence[int], name: str) -> str:
    what = f"{presets[0]} proxy" if len(presets) == 1 else f"{', '.join(presets)} proxies"
    same = f" (+{len(ids) - 1} of the same content)" if len(ids) > 1 else ""
    return f"{what} of {name}{same}"


def proxy_jobs(catalog: Catalog, ids: Sequence[int], presets: Sequence[str], root: str | Path,
               codec: str = "prores") -> list[NewJob]:
    """One job per content of the videos among ids, making every preset into the proxy folder root."""
    presets = list(dict.fromkeys(presets))
    folder = _to_catalog(catalog, root)
    return [NewJob("proxy", "proxy", {"media_ids": group, "presets": presets, "root": folder, "codec": codec},
                   proxy_title(presets, group, name)) for group, name in video_groups(catalog, ids)]


def verify_jobs(catalog: Catalog, ids: Sequence[int]) -> list[NewJob]:
    """One verification job per content of the videos among ids (their recorded proxies, every preset)."""
    return [NewJob("proxy", "verify", {"media_ids": group}, f"verify proxies of {name}")
            for group, name in video_groups(catalog, ids)]


def thumbs_jobs(catalog: Catalog, ids: Sequence[int], regenerate: bool = False,
                cache: str | Path | None = None) -> list[NewJob]:
    """Readable files in jobs of THUMBS_PER_JOB; cache is the cache folder the workers write into (the one the
    windows read, $REELKEEP_CACHE_DIR's form), None for each worker's own."""
    wanted = [i for i in dict.fromkeys(ids) if (info := catalog.info(i)) is not None and info["status"] == "ok"]
    folder = _to_catalog(catalog, cache) if cache else None
    jobs = []
    for start in range(0, len(wanted), THUMBS_PER_JOB):
        chunk = wanted[start:start + THUMBS_PER_JOB]
        first = os.path.basename(catalog.info(chunk[0])["path"])
        more = f" and {len(chunk) - 1} more" if len(chunk) > 1 else ""
        values: dict[str, Any] = {"media_ids": chunk, "regenerate": regenerate}
        if folder:
            values["cache"] = folder
        jobs.append(NewJob("thumbs", "thumbs", values, f"thumbnails of {first}{more}"))
    return jobs


TitledExtract = tuple[ExtractRequest, str]  # an extraction and its job's title ("" for the default)


def extract_jobs(catalog: Catalog, extracts: Sequence[TitledExtract]) -> list[NewJob]:
    """One job per extraction (one clip and range each)."""
    jobs = []
    for request, title in extracts:
        values: dict[str, Any] = {"media_id": request.media_id, "in_frame": request.in_frame,
                                  "out_frame": request.out_frame, "handles": request.handles, "mode": request.mode,
                                  "preset": request.preset, "dest": _to_catalog(catalog, request.dest_dir),
                                  "name": request.name}
        if request.event is not None:
            values["event"] = [request.event.number, request.event.timeline]
        title = title or f"extract {request.name or f'media #{request.media_id}'}"
        jobs.append(NewJob("extract", "extract", values, title))
    return jobs


def edl_extracts(catalog: Catalog, doc: Any, matches: Sequence[Any], timeline: str, dest: str | Path, handles: int,
                 mode: str, preset: str, name_pattern: str, only: Collection[int] | None = None) -> list[TitledExtract]:
    """The matched video events of a timeline (or the chosen indexes) as farm extractions, named and ranged as the
    window's own batch names and ranges them (app.interchange.edl_extract.plan_edl_extract). The conformed EDL is
    not written: the farm's outputs are each their own job."""
    return edl_extracts_and_skipped(catalog, doc, matches, timeline, dest, handles, mode, preset, name_pattern,
                                    only)[0]


def edl_extracts_and_skipped(catalog: Catalog, doc: Any, matches: Sequence[Any], timeline: str, dest: str | Path,
                             handles: int, mode: str, preset: str, name_pattern: str,
                             only: Collection[int] | None = None) -> tuple[list[TitledExtract], list[Any]]:
    """edl_extracts, and the chosen events left out with why (SkippedEvent: not matched, audio only, other rate…)."""
    from app.interchange.edl_extract import plan_edl_extract

    if only is not None:
        chosen = [i for i in range(len(doc.events)) if i in set(only)]
        doc = dataclasses.replace(doc, events=[doc.events[i] for i in chosen])
        matches = [matches[i] for i in chosen]
    plan = plan_edl_extract(doc, list(matches), catalog, handles, mode, preset, Path(dest), timeline, name_pattern)
    return [(r, f"extract event {r.event.number:03d} of {timeline} ({r.name})" if r.event is not None
             else f"extract {r.name}") for r in plan.requests], plan.skipped


def no_queue_reason(catalog: Path | str) -> str:
    """Why a catalog has no farm queue yet, and what makes one."""
    where = queue_location(catalog)
    if isinstance(where, Path):
        return (f"No farm queue yet: {where} does not exist. It is made by the first `reelkeep worker` (or "
                "`reelkeep farm …`) run on this catalog.")
    return (f"No farm queue in the catalog's database ({redacted(where)}) yet. It is made by the first "
            "`reelkeep worker` (or `reelkeep farm …`) run on this catalog.")


@dataclass(frozen=True)
class Submitted:
    """What a submission queued: its batch and job ids (empty when there was nothing of that kind)."""

    batch: str
    ids: tuple[int, ...]
    titles: tuple[str, ...]

    def summary(self) -> str:
        if not self.ids:
            return "Nothing to send to the farm (no files of that kind)"
        first = self.titles[0] if len(self.titles) == 1 else f"{len(self.ids)} jobs"
        return f"Sent to the farm: {first} (batch {self.batch}; progress in Jobs)"


class FarmSubmitJob:
    """Build a submission's jobs from the catalog (plan) and queue them in one transaction (run): the window's door to
    Farm.submit, on the catalog lane. farm() opens the queue, or None when there is none (reason says why)."""

    lane = "catalog"

    def __init__(self, title: str, build: Callable[[], list[NewJob]], farm: Callable[[], Any],
                 reason: str = "") -> None:
        self.title = title
        self.build = build
        self.farm = farm
        self.reason = reason

    def plan(self) -> list[NewJob]:
        return self.build()

    def run(self, plan: list[NewJob], ctx: JobContext) -> Submitted:
        if not plan:
            return Submitted("", (), ())
        farm = self.farm()
        if farm is None:
            raise ReelkeepError(self.reason or "no farm queue")
        farm.reconnect_if_closed()
        batch, ids = farm.submit(plan)
        return Submitted(batch, tuple(ids), tuple(job.title for job in plan))


__all__ = ["THUMBS_PER_JOB", "FarmSubmitJob", "Submitted", "TitledExtract", "edl_extracts", "edl_extracts_and_skipped",
           "extract_jobs",
           "no_queue_reason",
           "proxy_jobs", "proxy_title", "thumbs_jobs", "verify_jobs", "video_groups"]
