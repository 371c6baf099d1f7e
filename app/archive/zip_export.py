"""One version of an archive as a ZIP whose members are all STORED (no compression), so every member stays a plain
byte range that mpv and FFmpeg read in place; ZIP64 where sizes or offsets need it.

Members: the version's files at their logical paths, Reelkeep's own `.reelkeep/` files (catalog metadata, embedded
proxies and posters, the MHLs), and last `.reelkeep/inventory.json`: the archive's id, the version's facts and the
size, sha256 and xxh128 of every member, which `archive import` checks. Media is incompressible; deflate would only
cost time and make members unplayable in place.
"""

from __future__ import annotations

import json
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xxhash

from app.archive.model import RESERVED_PREFIX, ArchiveError
from app.archive.store import Archive
from app.core.job import JobContext
from app.core.progress import ProgressMeter
from app.media.partial import PartialFile

INVENTORY_MEMBER = RESERVED_PREFIX + "inventory.json"
ZIP_INVENTORY_FORMAT = 1
_CHUNK = 8 << 20
_EPOCH_1980 = 315532800  # the earliest time a ZIP header holds


@dataclass(frozen=True)
class ExportResult:
    path: Path
    version: str
    members: int
    bytes: int
    renamed: bool  # OUT existed: written under a free name


def zip_time(mtime: float) -> tuple[int, int, int, int, int, int]:
    return time.gmtime(max(mtime, _EPOCH_1980))[:6]


class ExportZipJob:
    lane = "extract"

    def __init__(self, archive: Path, out: Path, version: str | None = None, overwrite: bool = False) -> None:
        self.archive, self.out, self.ref, self.overwrite = Path(archive), Path(out), version, overwrite
        self.title = f"Export {self.archive.name} as {self.out.name}"

    def plan(self) -> tuple[Archive, str]:
        archive = Archive.open(self.archive)
        if self.out.resolve().is_relative_to(archive.path.resolve()):
            raise ArchiveError(f"{self.out}: the ZIP cannot be written inside the archive folder itself")
        return archive, archive.resolve(self.ref)

    def run(self, plan: tuple[Archive, str], ctx: JobContext) -> ExportResult:
        archive, version = plan
        files = archive.files(version, include_reserved=True)
        total = sum(max(f.size, 0) for f in files)
        meter = ProgressMeter(ctx.progress, total=total, unit="bytes")
        listed: list[dict[str, Any]] = []
        with PartialFile(self.out, self.overwrite) as part:
            with zipfile.ZipFile(part.path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as out:
                for item in files:
                    ctx.cancel.check()
                    meter.note(item.logical_path)
                    digest = self._add(out, item.logical_path, item.content_path, item.size, meter, ctx)
                    if item.xxh128 is not None and digest != item.xxh128:
                        raise ArchiveError(f"{item.content_path}: its bytes no longer match the archive's record "
                                           f"(xxh128); run `reelkeep archive verify --full {archive.path}`")
                    listed.append({"path": item.logical_path, "size": item.size, "sha256": item.digest,
                                   "xxh128": digest})
                info = archive.version(version)
                document = {"format": ZIP_INVENTORY_FORMAT, "archive_id": archive.id, "version": version,
                            "created": info.created, "message": info.message, "user": info.user,
                            "parents": list(info.parents), "branch": info.branch, "members": listed}
                entry = zipfile.ZipInfo(INVENTORY_MEMBER, zip_time(time.time()))
                entry.compress_type = zipfile.ZIP_STORED
                out.writestr(entry, json.dumps(document, ensure_ascii=False, indent=1))
            dest = part.commit()
        return ExportResult(dest, version, len(files) + 1, total, part.renamed)

    @staticmethod
    def _add(out: zipfile.ZipFile, name: str, source: Path, size: int, meter: ProgressMeter,
             ctx: JobContext) -> str:
        try:
            stat = source.stat()
        except OSError as exc:
            raise ArchiveError(f"{source}: missing from the archive ({exc.strerror}); run `reelkeep archive verify`") \
                from None
        entry = zipfile.ZipInfo(name, zip_time(stat.st_mtime))
        entry.compress_type = zipfile.ZIP_STORED
        entry.file_size = stat.st_size
        entry.external_attr = 0o644 << 16
        xxh = xxhash.xxh3_128()
        with open(source, "rb") as reader, out.open(entry, "w", force_zip64=stat.st_size >= zipfile.ZIP64_LIMIT) as w:
            while chunk := reader.read(_CHUNK):
                ctx.cancel.check()
                xxh.update(chunk)
                w.write(chunk)
                meter.advance(len(chunk))
        return xxh.hexdigest()
