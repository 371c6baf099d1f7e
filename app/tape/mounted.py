"""A mounted LTFS volume — what the LTFS software of IBM, HPE or Quantum (or the reference `ltfs`) gives: the tape
as a folder. The drive and the index belong to that software; Reelkeep writes files into the mount in tape order
(one after the other, folder by folder, so the drive streams instead of shoe-shining between interleaved files),
hashing them from the one read, stores the digests as extended attributes, and reads the LTFS virtual extended
attributes for the volume's identity, free space and where each file starts on the tape.

LTFS on Linux shows its attributes in the `user.` namespace: `user.ltfs.volumeUUID`,
`user.ltfs.mediaDataPartitionAvailableSpace` (MiB), `user.ltfs.startblock`, `user.ltfs.partition`. A folder
without them (not an LTFS mount) is written the same way; its free space comes from the file system.
"""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import xxhash

from app.catalog.catalog import Catalog
from app.catalog.tapes import ImportOutcome, TapeFacts, TapeFileRow
from app.core.errors import Cancelled
from app.core.progress import CancelToken
from app.core.regular_file import open_regular
from app.tape.ltfs_label import ltfs_time
from app.tape.plan_walk import FILE, FOLDER, SYMLINK, walk_sources
from app.tape.profiles import GENERATIONS, TapeError
from app.tape.write_files import SHA1_KEY, XXH128_KEY

MOUNT_PREFIX = "user."
VOLUME_UUID, AVAILABLE_MIB = "user.ltfs.volumeUUID", "user.ltfs.mediaDataPartitionAvailableSpace"
START_BLOCK, PARTITION = "user.ltfs.startblock", "user.ltfs.partition"
_CHUNK = 1 << 20  # a cancel is seen within a MiB
_PARTIAL = ".reelkeep-partial"


def _xattr(path: Path | str, name: str) -> str | None:
    try:
        return os.getxattr(path, name).decode("utf-8", "replace").strip("\0 ")
    except OSError:
        return None


def is_ltfs_mount(mount: Path) -> bool:
    return _xattr(mount, VOLUME_UUID) is not None


def free_space(mount: Path) -> int:
    """Bytes left for data: LTFS's own figure when the folder is an LTFS mount, else the file system's."""
    available = _xattr(mount, AVAILABLE_MIB)
    if available is not None and available.isdigit():
        return int(available) << 20
    info = os.statvfs(mount)
    return info.f_bavail * info.f_frsize


@dataclass(frozen=True)
class MountWrite:
    files: int
    bytes: int
    written: list[tuple[str, str]]  # (path in the mount, xxh128)


def write_to_mount(mount: Path, source: Path, dest: str = "", cancel: CancelToken | None = None,
                   on_bytes: Callable[[int], None] | None = None,
                   on_pause: Callable[[int], None] | None = None) -> MountWrite:
    """source's tree into the mount under dest, in tape order (the walk a tape plan uses); existing files are never
    replaced. A pause takes effect between files (the LTFS software indexes a file when it is closed);
    on_pause(files written) follows."""
    mount = Path(mount)
    if not mount.is_dir():
        raise TapeError(f"{mount} is not a mounted volume (not a folder)")
    planned = list(walk_sources([Path(source)], dest))
    size = sum(item.size for item in planned if item.kind == FILE)
    if size > free_space(mount):
        raise TapeError(f"{size:,} bytes do not fit: the volume at {mount} has {free_space(mount):,} left")
    for item in planned:
        if item.kind != FOLDER and os.path.lexists(mount / item.path):
            raise TapeError(f"{mount / item.path} already exists on the volume; nothing was written (files on tape "
                            "are never replaced)")
    written: list[tuple[str, str]] = []
    total = 0
    for item in planned:
        if cancel is not None:
            if cancel.paused and on_pause is not None:
                on_pause(len(written))
            cancel.check()
        target = mount / item.path
        if item.kind == FOLDER:
            target.mkdir(parents=True, exist_ok=True)
        elif item.kind == SYMLINK:
            os.symlink(item.target or "", target)
        else:
            written.append((item.path, _copy(Path(item.source), target, item.size, item.mtime_ns, cancel, on_bytes)))
            total += item.size
    return MountWrite(len(written), total, written)


def _copy(path: Path, target: Path, size: int, mtime_ns: int, cancel: CancelToken | None,
          on_bytes: Callable[[int], None] | None) -> str:
    """One file, hashed as it is read, written under a partial name and renamed when whole (a rename is only an
    index change on LTFS); its digests become extended attributes."""
    partial = target.with_name(target.name + _PARTIAL)
    xxh, sha1 = xxhash.xxh3_128(), hashlib.sha1()
    copied = 0
    try:
        with open_regular(path) as src, open(partial, "xb") as out:
            while block := src.read(_CHUNK):
                if cancel is not None:
                    cancel.check_cancelled()
                out.write(block)
                xxh.update(block)
                sha1.update(block)
                copied += len(block)
                if on_bytes is not None:
                    on_bytes(len(block))
        if copied != size:
            raise TapeError(f"{path} changed while it was written ({copied:,} bytes instead of {size:,}); "
                            "write it again")
        os.rename(partial, target)
    except (Cancelled, TapeError, OSError) as exc:
        partial.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            raise TapeError(f"the volume is full: {target.name} did not fit; it was removed, the files before it "
                            "are complete") from None
        raise
    os.utime(target, ns=(mtime_ns, mtime_ns))
    _set_digest(target, XXH128_KEY, xxh.hexdigest())
    _set_digest(target, SHA1_KEY, sha1.hexdigest())
    return xxh.hexdigest()


def _set_digest(target: Path, key: str, value: str) -> None:
    try:
        os.setxattr(target, MOUNT_PREFIX + key, value.encode())
    except OSError as exc:
        if exc.errno not in (errno.ENOTSUP, errno.EPERM):
            raise
        # the file system keeps no user attributes: the catalog still has the digest


def mount_rows(mount: Path) -> Iterator[TapeFileRow]:
    """The mount's tree as catalog rows, with LTFS's virtual start block and partition where the mount has them."""
    for item in walk_sources([Path(mount)]):
        relative = item.path.partition("/")[2]  # the walk names the mount itself first
        if not relative:
            continue
        modified = ltfs_time_of(item.mtime_ns)
        if item.kind == FOLDER:
            yield TapeFileRow(relative, "folder", modified=modified)
        elif item.kind == SYMLINK:
            yield TapeFileRow(relative, "symlink", symlink=item.target, modified=modified)
        else:
            block, partition = _xattr(item.source, START_BLOCK), _xattr(item.source, PARTITION)
            yield TapeFileRow(relative, "file", item.size,
                              partition={"a": 0, "b": 1}.get(partition or ""),
                              start_block=int(block) if block and block.isdigit() else None,
                              xxh128=_xattr(item.source, MOUNT_PREFIX + XXH128_KEY),
                              sha1=_xattr(item.source, MOUNT_PREFIX + SHA1_KEY), modified=modified)


def ltfs_time_of(nanoseconds: int) -> str:
    from datetime import UTC, datetime

    moment = datetime.fromtimestamp(nanoseconds // 10**9, UTC)
    return ltfs_time(moment)[:20] + f"{nanoseconds % 10**9:09d}Z"


def import_mount(catalog: Catalog, mount: Path, barcode: str, index_generation: int | None = None) -> ImportOutcome:
    """An LTFS mount's files into the catalog under barcode (the mount's index generation when LTFS shows it)."""
    uuid = _xattr(mount, VOLUME_UUID)
    if uuid is None:
        raise TapeError(f"{mount} is not an LTFS mount (it has no {VOLUME_UUID} attribute)")
    generation = index_generation or int(_xattr(mount, "user.ltfs.indexGeneration") or "0")
    by_suffix = next((g.name for g in GENERATIONS.values() if barcode.upper().endswith(g.cartridge_type)), None)
    facts = TapeFacts(barcode.strip().upper(), uuid, generation, ltfs_time(), "LTFS mount", by_suffix)
    return catalog.tapes.import_tape(facts, mount_rows(mount))
