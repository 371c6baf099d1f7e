"""A version's user files as an ordinary folder: copy-on-write clones (FICLONE) where the filesystem shares
extents (XFS, btrfs), plain copies elsewhere; never hard links, which an edit in the checkout would write through
into the archive. The folder appears only when complete, with an ASC MHL generation from the recorded xxh128 so it
verifies on its own."""

from __future__ import annotations

import errno
import fcntl
import shutil
from dataclasses import dataclass
from pathlib import Path

from app.archive.mhl import write_generation
from app.archive.model import ArchiveError
from app.archive.store import Archive
from app.core.job import JobContext
from app.core.progress import ProgressMeter
from app.media.partial import PartialFolder

FICLONE = 0x40049409  # _IOW(0x94, 9, int) from linux/fs.h
_NO_CLONE = {errno.EOPNOTSUPP, errno.ENOTTY, errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EPERM}


@dataclass(frozen=True)
class CheckoutResult:
    dest: Path
    version: str
    files: int
    bytes: int
    cloned: int  # files whose extents are shared with the archive (no bytes copied)


def clone_or_copy(source: Path, dest: Path) -> bool:
    """Copy source to dest; True when it was a copy-on-write clone."""
    with open(source, "rb") as src, open(dest, "wb") as out:
        try:
            fcntl.ioctl(out.fileno(), FICLONE, src.fileno())
            return True
        except OSError as exc:
            if exc.errno not in _NO_CLONE:
                raise
        shutil.copyfileobj(src, out, 8 << 20)
        return False


def checkout(archive: Archive, ref: str, dest: Path, ctx: JobContext) -> CheckoutResult:
    version = archive.resolve(ref)
    dest = Path(dest).absolute()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ArchiveError(f"{dest} exists and is not an empty folder; check out into a new folder")
    if dest.is_relative_to(archive.path):
        raise ArchiveError("a checkout cannot go inside the archive folder")
    if dest.exists():
        dest.rmdir()
    files = archive.files(version)
    meter = ProgressMeter(ctx.progress, total=sum(f.size for f in files), unit="bytes")
    cloned = 0
    mhl_entries = []
    with PartialFolder(dest) as part:
        for item in files:
            ctx.cancel.check()
            target = part.path / item.logical_path
            target.parent.mkdir(parents=True, exist_ok=True)
            cloned += clone_or_copy(item.content_path, target)
            meter.advance(item.size, item.logical_path)
            if item.xxh128:
                mhl_entries.append((target, item.size, target.stat().st_mtime, item.xxh128))
        if mhl_entries:
            # paths in an MHL are relative to its folder, so it stays right when the folder is renamed into place
            write_generation(part.path, mhl_entries, f"checkout of {version} from {archive.path.name}")
        part.commit()
    return CheckoutResult(dest, version, len(files), sum(f.size for f in files), cloned)


class CheckoutJob:
    lane = "archive"

    def __init__(self, archive: Path, ref: str, dest: Path) -> None:
        self.archive, self.ref, self.dest = Path(archive), ref, Path(dest)
        self.title = f"Check out {ref} of {self.archive.name}"

    def plan(self) -> Archive:
        return Archive.open(self.archive)

    def run(self, plan: Archive, ctx: JobContext) -> CheckoutResult:
        return checkout(plan, self.ref, self.dest, ctx)

