"""Copy chosen files out of an archive version or a ZIP into a folder, under their logical paths: the way to get at
a compressed (deflate, bzip2, lzma) ZIP member, which cannot be played in place, and a quick way to hand a few
files to someone without checking out a whole version.

Each file is written as a partial and renamed into place only when complete and checked (a ZIP member's CRC-32, an
archive file's xxh128 from its MHL when known), so a cancel, a full disk or a damaged member leaves no file that
looks whole. An existing file is never replaced unless asked: the copy gets the next free name.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import xxhash

from app.archive.model import RESERVED_PREFIX, ArchiveError
from app.archive.store import Archive
from app.archive.zip_members import check_member_name
from app.core.job import JobContext
from app.core.progress import ProgressMeter
from app.media.partial import PartialFile, destination_error, is_write_error

_CHUNK = 8 << 20


@dataclass(frozen=True)
class UnpackItem:
    logical_path: str
    size: int
    source: str  # a ZIP member's name, or the stored file's path inside an archive folder
    xxh128: str | None = None


@dataclass
class UnpackResult:
    written: list[Path] = field(default_factory=list)
    renamed: list[tuple[str, Path]] = field(default_factory=list)  # (logical path, where it went instead)
    bytes: int = 0


def select(logical_paths: list[str], wanted: list[str]) -> list[str]:
    """The paths named in `wanted` (a file, or a folder meaning everything below it); all user files when wanted is
    empty. ArchiveError names any wanted path that matches nothing."""
    if not wanted:
        return [p for p in logical_paths if not p.startswith(RESERVED_PREFIX)]
    chosen: dict[str, None] = {}
    for raw in wanted:
        name = raw.strip("/")
        matches = [p for p in logical_paths if p == name or p.startswith(name + "/")]
        if not matches:
            raise ArchiveError(f"{raw!r} is not a file or folder of this version")
        chosen.update(dict.fromkeys(matches))
    return list(chosen)


class UnpackJob:
    """`reelkeep archive unpack SOURCE DEST [PATH…]`, and the Archive panel's Unpack…"""

    lane = "extract"

    def __init__(self, source: Path, dest: Path, paths: list[str] | None = None, version: str | None = None,
                 overwrite: bool = False) -> None:
        self.source, self.dest = Path(source), Path(dest)
        self.paths, self.version, self.overwrite = list(paths or []), version, overwrite
        self.title = f"Unpack from {self.source.name}"

    def plan(self) -> list[UnpackItem]:
        if self.source.is_file():
            items = self._zip_items()
        else:
            archive = Archive.open(self.source)
            files = {f.logical_path: f for f in archive.files(self.version, include_reserved=True)}
            items = [UnpackItem(p, files[p].size, str(files[p].content_path), files[p].xxh128)
                     for p in select(list(files), self.paths)]
        dest = self.dest.resolve()
        if dest.is_relative_to(self.source.resolve()):
            raise ArchiveError(f"{self.dest}: files cannot be unpacked into the archive itself")
        return items

    def _zip_items(self) -> list[UnpackItem]:
        if self.version is not None:
            raise ArchiveError(f"{self.source}: a ZIP holds one version; --version is for archive folders")
        try:
            with zipfile.ZipFile(self.source) as archive:
                infos = [i for i in archive.infolist() if not i.is_dir()]
        except zipfile.BadZipFile as exc:
            raise ArchiveError(f"{self.source}: not a complete ZIP file ({exc})") from None
        except OSError as exc:
            raise ArchiveError(f"{self.source}: cannot read it ({exc.strerror or exc})") from None
        by_path = {check_member_name(i.filename): i for i in infos}
        return [UnpackItem(p, by_path[p].file_size, by_path[p].filename) for p in select(list(by_path), self.paths)]

    def run(self, plan: list[UnpackItem], ctx: JobContext) -> UnpackResult:
        meter = ProgressMeter(ctx.progress, total=sum(i.size for i in plan), unit="bytes")
        result = UnpackResult()
        zip_file = zipfile.ZipFile(self.source) if self.source.is_file() else None
        try:
            for step, item in enumerate(plan, 1):
                ctx.cancel.check()
                meter.begin_step(step, len(plan), item.logical_path, item.size)
                target = self.dest.joinpath(*posixpath.normpath(item.logical_path).split("/"))
                with PartialFile(target, self.overwrite) as part:
                    self._write(item, zip_file, part.path, meter, ctx)
                    placed = part.commit()
                result.written.append(placed)
                result.bytes += item.size
                if part.renamed:
                    result.renamed.append((item.logical_path, placed))
        finally:
            if zip_file is not None:
                zip_file.close()
        meter.finish()
        return result

    def _write(self, item: UnpackItem, zip_file: zipfile.ZipFile | None, target: Path, meter: ProgressMeter,
               ctx: JobContext) -> None:
        digest = xxhash.xxh3_128()
        try:
            with open(target, "wb") as writer:
                for chunk in self._chunks(item, zip_file):
                    ctx.cancel.check()
                    digest.update(chunk)
                    try:
                        writer.write(chunk)
                    except OSError as exc:
                        raise destination_error(target, exc) from exc
                    meter.advance(len(chunk))
        except OSError as exc:
            if is_write_error(exc):
                raise destination_error(target, exc) from exc
            raise ArchiveError(f"{self.source}: cannot read {item.logical_path} ({exc.strerror or exc})") from None
        if item.xxh128 is not None and digest.hexdigest() != item.xxh128:
            raise ArchiveError(f"{item.source}: its bytes no longer match the archive's record (xxh128); run "
                               f"`reelkeep archive verify --full {self.source}`")

    @staticmethod
    def _chunks(item: UnpackItem, zip_file: zipfile.ZipFile | None) -> Iterator[bytes]:
        if zip_file is None:
            with open(item.source, "rb") as reader:
                yield from iter(lambda: reader.read(_CHUNK), b"")
            return
        try:
            reader: BinaryIO
            with zip_file.open(item.source) as reader:
                yield from iter(lambda: reader.read(_CHUNK), b"")
        except RuntimeError as exc:  # zipfile's way of saying "encrypted"
            raise ArchiveError(f"{item.logical_path}: {exc}; Reelkeep does not read encrypted ZIP members") from None
        except NotImplementedError as exc:
            raise ArchiveError(f"{item.logical_path}: {exc}") from None
        except (zipfile.BadZipFile, EOFError, ValueError, zlib.error) as exc:
            # a CRC mismatch, a cut-off stream, corrupt deflate data
            raise ArchiveError(f"{item.logical_path}: the member is damaged ({exc}); nothing was kept of it") \
                from None
