"""The proxy job and the folder it fills: one folder per content identity hash, one file per preset.

Layout: <root>/<digest[:2]>/<hash>/<preset>.<ext>, where <root> is $REELKEEP_PROXY_DIR or the platform's
user data dir's reelkeep/proxies (proxies cost minutes to make: data, not a cache to wipe).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import platformdirs

from app.catalog.catalog import Catalog
from app.core.errors import Cancelled, ReelkeepError
from app.core.job import JobContext
from app.core.paths import display_path
from app.core.progress import ProgressMeter
from app.core.proxy_presets import EDITORIAL, PRESETS, PRORES_PROXY, ProxyPreset, editorial_preset
from app.core.regular_file import NotARegularFile
from app.media.hashing import identity_hash
from app.media.partial import DestinationError
from app.media.proxy import generate_proxy
from app.media.proxy_verify import IndexReader, VerifyReport, verify_proxy

log = logging.getLogger(__name__)

PROXY_ENV = "REELKEEP_PROXY_DIR"


def proxy_root() -> Path:
    """$REELKEEP_PROXY_DIR, else the user data dir's reelkeep/proxies."""
    base = os.environ.get(PROXY_ENV)
    if base:
        return Path(base).expanduser()
    return Path(platformdirs.user_data_dir("reelkeep", appauthor=False)) / "proxies"


def proxy_dir(hash_: str, root: Path | None = None) -> Path:
    # Identity hashes read "<size hex>-<digest>": shard on the digest, which spreads evenly.
    return (root or proxy_root()) / hash_.rsplit("-", 1)[-1][:2] / hash_


def preset_for(name: str, editorial_codec: str = PRORES_PROXY) -> ProxyPreset:
    if name == EDITORIAL:
        return editorial_preset(editorial_codec)
    if name not in PRESETS:
        raise ReelkeepError(f"unknown proxy preset {name!r}; one of {', '.join(PRESETS)}")
    return PRESETS[name]


@dataclass(frozen=True)
class ProxyItem:
    media_id: int
    raw_path: bytes
    preset: str
    dest: Path
    frame_rate: Fraction | None
    frame_count: int | None
    start_tc: str | None
    adopt: bool = False  # the file exists (same content as another file, or the catalog lost its row): record it


@dataclass(frozen=True)
class ProxyFailure:
    media_id: int
    path: str
    preset: str
    message: str


@dataclass(frozen=True)
class ProxyPlan:
    items: tuple[ProxyItem, ...]
    up_to_date: tuple[tuple[int, str], ...] = ()  # (media id, preset) with a recorded, existing proxy
    ignored: tuple[int, ...] = ()  # not video, not in the catalog, or unreadable
    refused: tuple[ProxyFailure, ...] = ()  # the scan found the file unusable (truncated, corrupt): its reason
    regenerate: bool = False
    editorial_codec: str = PRORES_PROXY
    total_frames: int = 0


@dataclass
class ProxyResult:
    made: int = 0
    up_to_date: int = 0
    frames: int = 0
    failures: list[ProxyFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.made} made, {self.up_to_date} up to date, {len(self.failures)} failed"


def plan_proxies(catalog: Catalog, media_ids: Sequence[int], presets: Sequence[str], regenerate: bool = False,
                 root: Path | None = None, editorial_codec: str = PRORES_PROXY) -> ProxyPlan:
    """One item per file and preset, skipping proxies that exist unless regenerate."""
    root = root or proxy_root()
    presets = list(dict.fromkeys(presets))
    for name in presets:
        preset_for(name, editorial_codec)  # unknown names fail here, before any work
    paths = catalog.raw_paths(list(media_ids))
    items: list[ProxyItem] = []
    up_to_date: list[tuple[int, str]] = []
    ignored: list[int] = []
    refused: list[ProxyFailure] = []
    planned: set[Path] = set()
    total = 0
    for media_id in dict.fromkeys(media_ids):
        info = catalog.info(media_id) if media_id in paths else None
        if info is None or info["kind"] != "video" or info["status"] == "missing":
            ignored.append(media_id)
            continue
        if info["status"] == "error":
            # A proxy of a truncated or corrupt file would only fail --verify later: say the scan's reason now.
            reason = f"not made: the scan found this file unusable ({info['status_message']}); rescan it once it is whole"
            refused.extend(ProxyFailure(media_id, display_path(paths[media_id]), name, reason) for name in presets)
            continue
        hash_ = info["identity_hash"] or _try_hash(paths[media_id])
        if hash_ is None:
            ignored.append(media_id)
            continue
        recorded = {p["preset"]: p["path"] for p in catalog.proxies(media_id)}
        rate = Fraction(info["frame_rate"]) if info["frame_rate"] else None
        for name in presets:
            dest = proxy_dir(hash_, root) / f"{name}.{preset_for(name, editorial_codec).extension}"
            if not regenerate and recorded.get(name) == str(dest) and dest.is_file():
                up_to_date.append((media_id, name))
                continue
            adopt = dest in planned or (not regenerate and dest.is_file())
            planned.add(dest)
            items.append(ProxyItem(media_id, paths[media_id], name, dest, rate, info["frame_count"],
                                   info["start_timecode"], adopt))
            total += 0 if adopt else info["frame_count"] or 0
    return ProxyPlan(tuple(items), tuple(up_to_date), tuple(ignored), tuple(refused), regenerate, editorial_codec,
                     total)


def proxy_failures_message(failures: Sequence[ProxyFailure]) -> str:
    """One line per file that got no proxy (for the main window): its path and why."""
    by_path = {f.path: f.message for f in failures}
    return "\n".join(f"No proxy of {path}: {message}" for path, message in by_path.items())


def _try_hash(raw: bytes) -> str | None:
    try:
        return identity_hash(raw)
    except (OSError, NotARegularFile):
        return None


def run_proxies(catalog: Catalog, plan: ProxyPlan, ctx: JobContext) -> ProxyResult:
    """Make each item's proxy and record it; a failing file is recorded and the batch goes on. Cancel
    stops inside an encode and leaves neither a file nor a catalog row."""
    result = ProxyResult(up_to_date=len(plan.up_to_date), failures=list(plan.refused))
    meter = ProgressMeter(ctx.progress, unit="frames")
    meter.set_total(plan.total_frames)
    for item in plan.items:
        ctx.cancel.check()
        name = os.path.basename(display_path(item.raw_path))
        meter.note(f"{item.preset} proxy of {name}")
        try:
            if item.adopt and item.dest.is_file():
                _record_existing(catalog, item, plan.editorial_codec)
                result.up_to_date += 1
                continue
            output = generate_proxy(item.raw_path, item.dest, preset_for(item.preset, plan.editorial_codec),
                                    rate=item.frame_rate, frame_count=item.frame_count, start_tc=item.start_tc,
                                    check=ctx.cancel.check, on_frame=meter.advance)
        except Cancelled:
            raise
        except ReelkeepError as exc:
            message = str(exc)
            if isinstance(exc, DestinationError):
                message += f"; proxies are kept there: set {PROXY_ENV} to use another folder"
            result.failures.append(ProxyFailure(item.media_id, display_path(item.raw_path), item.preset, message))
            continue
        except Exception as exc:  # noqa: BLE001 - one bad file must not end the batch; details go to the log
            log.exception("%s proxy of %s failed", item.preset, display_path(item.raw_path))
            message = f"unexpected error: {type(exc).__name__}: {exc}"
            result.failures.append(ProxyFailure(item.media_id, display_path(item.raw_path), item.preset, message))
            continue
        spec = output.spec
        catalog.set_proxy(item.media_id, item.preset, output.path, spec.codec, spec.width, spec.height,
                          output.bit_rate, output.size, output.frame_count)
        result.made += 1
        result.frames += output.frame_count
        result.warnings.extend(f"{display_path(item.raw_path)}: {w}" for w in output.warnings)
    meter.finish()
    return result


def _record_existing(catalog: Catalog, item: ProxyItem, editorial_codec: str) -> None:
    preset = preset_for(item.preset, editorial_codec)
    with av.open(str(item.dest)) as container:
        stream = container.streams.video[0]
        width, height, frames = stream.codec_context.width, stream.codec_context.height, stream.frames
        bit_rate = container.bit_rate or None
    catalog.set_proxy(item.media_id, item.preset, item.dest, preset.codec, width, height, bit_rate,
                      item.dest.stat().st_size, frames)


class ProxyJob:
    """Proxies of catalog files in the given presets (lane 'proxy')."""

    lane = "proxy"

    def __init__(self, catalog: Catalog, media_ids: Sequence[int], presets: Sequence[str], regenerate: bool = False,
                 editorial_codec: str = PRORES_PROXY, root: Path | None = None) -> None:
        self.catalog = catalog
        self.media_ids = tuple(media_ids)
        self.presets = tuple(presets)
        self.regenerate = regenerate
        self.editorial_codec = editorial_codec
        self.root = root
        self.title = f"Proxies ({', '.join(self.presets)}) for {len(self.media_ids)} file(s)"

    def plan(self) -> ProxyPlan:
        return plan_proxies(self.catalog, self.media_ids, self.presets, self.regenerate, self.root,
                            self.editorial_codec)

    def run(self, plan: ProxyPlan, ctx: JobContext) -> ProxyResult:
        return run_proxies(self.catalog, plan, ctx)


def verify_recorded(catalog: Catalog, media_ids: Sequence[int],
                    index_reader: IndexReader | None = None) -> list[tuple[str, str, VerifyReport]]:
    """(original path, preset, report) for every recorded proxy of the files; a missing file fails."""
    reports = []
    paths = catalog.raw_paths(list(media_ids))
    for media_id in dict.fromkeys(media_ids):
        if media_id not in paths:
            continue
        info = catalog.info(media_id)
        for proxy in catalog.proxies(media_id):
            original = display_path(paths[media_id])
            if not os.path.isfile(proxy["path"]):
                report = VerifyReport(proxy["path"], ("the proxy file is gone",), None, None, None)
            elif not info["frame_rate"] or not info["frame_count"]:
                report = VerifyReport(proxy["path"], ("the original was not probed (rescan it)",), None, None, None)
            else:
                report = verify_proxy(paths[media_id], proxy["path"], Fraction(info["frame_rate"]),
                                      info["frame_count"], info["start_timecode"], index_reader=index_reader)
            reports.append((original, proxy["preset"], report))
    return reports
