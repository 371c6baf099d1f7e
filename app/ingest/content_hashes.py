"""Content hashes for library files that have none: each file read whole once (xxh3-128, the digest offloads and
tape writes record as they read), so the tape catalog can say exactly which tape holds it. A scan never does
this — it would read every byte of a collection — so it is a job the user asks for (`reelkeep hash`, or Compute
Content Hashes in the library)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import xxhash

from app.catalog.catalog import Catalog
from app.core.errors import ReelkeepError
from app.core.job import JobContext
from app.core.paths import display_path
from app.core.progress import ProgressMeter
from app.core.regular_file import open_regular

_CHUNK = 8 << 20
_BATCH = 200  # files recorded per catalog transaction: a cancel keeps what was hashed


@dataclass
class HashResult:
    hashed: list[int] = field(default_factory=list)
    bytes: int = 0
    changed: list[str] = field(default_factory=list)  # files that differ from the catalog (rescan them)
    unreadable: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        rate = self.bytes / self.seconds / 1e6 if self.seconds > 0 else 0.0
        text = f"{len(self.hashed):,} file(s) hashed, {self.bytes:,} bytes ({rate:,.0f} MB/s)"
        if self.changed:
            text += f"; {len(self.changed):,} changed since the scan (rescan them)"
        if self.unreadable:
            text += f"; {len(self.unreadable):,} could not be read"
        return text


class HashFilesJob:
    lane = "scan"  # reads whole files, as a scan reads folders

    def __init__(self, catalog: Catalog, ids: Sequence[int], rehash: bool = False) -> None:
        self.catalog, self.ids, self.rehash = catalog, list(ids), rehash
        self.title = f"Compute content hashes of {len(self.ids):,} file(s)"

    def plan(self) -> list[tuple[int, bytes, int, float]]:
        return self.catalog.hash_candidates(self.ids, self.rehash)

    def run(self, plan: list[tuple[int, bytes, int, float]], ctx: JobContext) -> HashResult:
        meter = ProgressMeter(ctx.progress, total=sum(size for _id, _path, size, _mtime in plan), unit="bytes")
        result = HashResult()
        started = time.monotonic()
        pending: list[tuple[bytes, int, float, str]] = []
        try:
            for _media_id, path, size, mtime in plan:
                meter.message = os.path.basename(display_path(path))
                digest = _hash_unchanged(path, size, mtime, ctx, meter, result)
                if digest is not None:
                    pending.append((path, size, mtime, digest))
                    result.bytes += size
                if len(pending) >= _BATCH:
                    result.hashed += self.catalog.record_content_hashes(pending)
                    pending = []
        finally:
            if pending:  # a cancel keeps what was read whole
                result.hashed += self.catalog.record_content_hashes(pending)
            result.seconds = time.monotonic() - started
        meter.finish()
        return result


def _hash_unchanged(path: bytes, size: int, mtime: float, ctx: JobContext, meter: ProgressMeter,
                    result: HashResult) -> str | None:
    """The file's xxh3-128 when it still is what the catalog says (size, time) before and after the read."""
    digest = xxhash.xxh3_128()
    try:
        before = os.stat(path)
        if before.st_size != size or abs(before.st_mtime - mtime) >= 1e-3:
            result.changed.append(display_path(path))
            meter.advance(size)
            return None
        with open_regular(path) as handle:
            while block := handle.read(_CHUNK):
                ctx.cancel.check()
                digest.update(block)
                meter.advance(len(block))
        after = os.stat(path)
    except (OSError, ReelkeepError) as exc:  # gone, unreadable, or no longer a regular file
        result.unreadable.append(f"{display_path(path)}: {getattr(exc, 'strerror', None) or exc}")
        return None
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        result.changed.append(display_path(path))
        return None
    return digest.hexdigest()
