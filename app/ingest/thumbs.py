"""The thumbnail job and the cache it fills: one folder per content identity hash.

Layout: <cache>/thumbs/<digest[:2]>/<hash>/{poster.jpg, sprite.jpg, sprite.json, preview.mp4}, where
<cache> is the folder given (a farm job's, which names the cache the windows read), else $REELKEEP_CACHE_DIR or
the platform's user cache dir. A file's outputs are made in a
partial folder next to it (app.media.partial) and renamed into place together, so a folder that exists is
complete; one left by a killed run is removed when the next run writes beside it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import platformdirs

from app.catalog.catalog import Catalog
from app.catalog.filters import KINDS as MEDIA_KINDS
from app.core.errors import Cancelled, ReelkeepError
from app.core.job import JobContext
from app.core.paths import display_path
from app.core.progress import ProgressMeter
from app.core.regular_file import NotARegularFile
from app.media.framegrab import Check, ThumbnailError, os_error_message
from app.media.hashing import identity_hash
from app.media.partial import DestinationError, PartialFolder
from app.media.probe import probe
from app.media.thumbnails import POSTER, PREVIEW, SPRITE, SPRITE_INFO, make_thumbnails

log = logging.getLogger(__name__)

CACHE_ENV = "REELKEEP_CACHE_DIR"
KINDS = frozenset(MEDIA_KINDS)
# Written last: a folder with it is finished even when its kind has no outputs (audio without a cover).
MANIFEST = "thumbs.json"
_STAGING = ".staging-"
STALE_STAGING_SECONDS = 600


def cache_root(cache: Path | str | None = None) -> Path:
    """The thumbnails of a cache folder: cache/thumbs, else $REELKEEP_CACHE_DIR/thumbs, else the user cache dir's
    reelkeep/thumbs."""
    base = cache or os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("reelkeep", appauthor=False)
    return Path(base).expanduser() / "thumbs"


def thumbs_dir(hash_: str, root: Path | None = None) -> Path:
    # Identity hashes read "<size hex>-<digest>": shard on the digest, which spreads evenly.
    return (root or cache_root()) / hash_.rsplit("-", 1)[-1][:2] / hash_


def is_done(hash_: str, root: Path | None = None) -> bool:
    return (thumbs_dir(hash_, root) / MANIFEST).is_file()


def thumbnail_paths(hash_: str | None, root: Path | None = None) -> dict[str, Any]:
    """Existing outputs for a hash: {poster, sprite, preview: Path or None, sprite_info: dict or None}."""
    found: dict[str, Any] = {"poster": None, "sprite": None, "sprite_info": None, "preview": None}
    if not hash_:
        return found
    folder = thumbs_dir(hash_, root)
    for key, name in (("poster", POSTER), ("sprite", SPRITE), ("preview", PREVIEW)):
        if (folder / name).is_file():
            found[key] = folder / name
    if found["sprite"] is not None:
        try:
            found["sprite_info"] = json.loads((folder / SPRITE_INFO).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            found["sprite"] = None  # a sheet without its sidecar cannot be addressed
    return found


@dataclass(frozen=True)
class ThumbnailItem:
    media_id: int
    raw_path: bytes
    identity_hash: str | None  # None when the file could not be read to hash it; run() reports why
    kind: str
    frame_rate: Fraction | None
    frame_count: int | None


@dataclass(frozen=True)
class ThumbnailPlan:
    items: tuple[ThumbnailItem, ...]
    up_to_date: tuple[int, ...] = ()  # ids whose outputs exist (or are made by another item: duplicates)
    ignored: tuple[int, ...] = ()  # ids that are not media files, or not in the catalog
    regenerate: bool = False
    root: Path = field(default_factory=cache_root)


@dataclass(frozen=True)
class ThumbnailFailure:
    media_id: int
    path: str
    message: str


@dataclass
class ThumbnailResult:
    made: int = 0
    up_to_date: int = 0
    without_artwork: int = 0  # audio files with no cover art: nothing to show
    failures: list[ThumbnailFailure] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.made} made, {self.up_to_date} up to date, {self.without_artwork} without artwork, "
                f"{len(self.failures)} failed")


def plan_thumbnails(catalog: Catalog, media_ids: Sequence[int], regenerate: bool = False,
                    root: Path | None = None) -> ThumbnailPlan:
    """What to make: one item per content hash, skipping hashes already done unless regenerate."""
    root = root or cache_root()
    paths = catalog.raw_paths(list(media_ids))
    items: list[ThumbnailItem] = []
    up_to_date: list[int] = []
    ignored: list[int] = []
    planned: set[str] = set()
    for media_id in dict.fromkeys(media_ids):
        if media_id not in paths:
            ignored.append(media_id)
            continue
        info = catalog.info(media_id)
        if info["kind"] not in KINDS:
            ignored.append(media_id)
            continue
        hash_ = info["identity_hash"] or _try_hash(paths[media_id])
        if hash_ is not None and (hash_ in planned or (not regenerate and is_done(hash_, root))):
            up_to_date.append(media_id)
            continue
        if hash_ is not None:
            planned.add(hash_)
        rate = Fraction(info["frame_rate"]) if info["frame_rate"] else None
        items.append(ThumbnailItem(media_id, paths[media_id], hash_, info["kind"], rate, info["frame_count"]))
    return ThumbnailPlan(tuple(items), tuple(up_to_date), tuple(ignored), regenerate, root)


def _try_hash(raw: bytes) -> str | None:
    try:
        return identity_hash(raw)
    except (OSError, NotARegularFile):
        return None


def run_thumbnails(plan: ThumbnailPlan, ctx: JobContext) -> ThumbnailResult:
    """Make each item's outputs; a failing file is recorded and the batch goes on. Cancel stops between
    files and inside long ones, leaving no partial output behind."""
    result = ThumbnailResult(up_to_date=len(plan.up_to_date))
    meter = ProgressMeter(ctx.progress, unit="files")
    meter.set_total(len(plan.items))
    for item in plan.items:
        ctx.cancel.check()
        name = os.path.basename(display_path(item.raw_path))
        meter.note(f"Thumbnails for {name}")
        try:
            made = make_for_item(item, plan.root, ctx.cancel.check, plan.regenerate)
        except Cancelled:
            raise
        except ReelkeepError as exc:
            result.failures.append(ThumbnailFailure(item.media_id, display_path(item.raw_path), str(exc)))
        except Exception as exc:  # noqa: BLE001 - one bad file must not end the batch; details go to the log
            log.exception("thumbnails for %s failed", display_path(item.raw_path))
            message = f"unexpected error: {type(exc).__name__}: {exc}"
            result.failures.append(ThumbnailFailure(item.media_id, display_path(item.raw_path), message))
        else:
            if made:
                result.made += 1
            else:
                result.without_artwork += 1
        meter.advance(1, f"Thumbnails for {name}")
    meter.finish()
    return result


def make_for_item(item: ThumbnailItem, root: Path, check: Check, regenerate: bool = False) -> bool:
    """Make one file's outputs in a partial folder and rename it into place; True when anything was made."""
    hash_ = item.identity_hash or _hash_or_explain(item.raw_path)
    final = thumbs_dir(hash_, root)
    remove_stale_staging(final.parent, hash_)
    try:
        with PartialFolder(final, overwrite=regenerate) as part:
            rate, count = item.frame_rate, item.frame_count
            if item.kind == "video" and (rate is None or count is None):
                facts = probe(item.raw_path)  # not probed yet (or in error): ProbeError explains why
                rate, count = facts.frame_rate, facts.frame_count
            outputs = make_thumbnails(item.raw_path, part.path, item.kind, rate, count, check)
            check()
            made = [p.name for p in (outputs.poster, outputs.sprite, outputs.preview) if p is not None]
            manifest = {"version": 1, "kind": item.kind,
                        "outputs": made + ([SPRITE_INFO] if outputs.sprite else [])}
            (part.path / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
            part.commit()  # an existing folder stays unless regenerate: another job made it meanwhile
            return bool(made)
    except DestinationError as exc:
        raise ThumbnailError(f"{exc}; this is the thumbnail cache: set {CACHE_ENV} to use another folder") from exc


def remove_stale_staging(folder: Path, hash_: str, older_than: float = STALE_STAGING_SECONDS) -> list[Path]:
    """Staging folders of this file left by a crashed or killed run of an older Reelkeep, which named them
    `.staging-HASH-…` (now partial folders carry their writer's pid and go by the rule of app.media.partial);
    return what was removed."""
    removed = []
    now = time.time()
    for stale in folder.glob(f"{_STAGING}{hash_}-*"):
        try:
            if now - stale.stat().st_mtime > older_than:
                shutil.rmtree(stale)
                removed.append(stale)
        except OSError:
            continue  # gone already, or not ours to remove: the next run tries again
    return removed


def _hash_or_explain(raw: bytes) -> str:
    try:
        return identity_hash(raw)
    except NotARegularFile as exc:
        raise ThumbnailError(str(exc)) from exc
    except OSError as exc:
        raise ThumbnailError(os_error_message(raw, exc)) from exc


class ThumbnailJob:
    """Posters, sprite sheets and hover previews for catalog files (lane 'thumbs')."""

    lane = "thumbs"

    def __init__(self, catalog: Catalog, media_ids: Sequence[int], regenerate: bool = False,
                 cache: Path | str | None = None) -> None:
        self.catalog = catalog
        self.media_ids = tuple(media_ids)
        self.regenerate = regenerate
        self.cache = cache  # the cache folder to fill (a farm job's); None: this process's
        self.title = f"Thumbnails for {len(self.media_ids)} file(s)"

    def plan(self) -> ThumbnailPlan:
        return plan_thumbnails(self.catalog, self.media_ids, self.regenerate, cache_root(self.cache))

    def run(self, plan: ThumbnailPlan, ctx: JobContext) -> ThumbnailResult:
        return run_thumbnails(plan, ctx)
