"""Writing a folder onto an LTFS volume as one new index generation: the files go to the end of the data
partition in tape order (folder by folder, names in order) through the write pipeline, each with its xxh128 (and
sha1) as `ltfs.hash.*` extended attributes computed from the one read; then the index that lists them. Until that
index is written the volume still shows its previous generation: a write cut short loses only its own files, and
the next write starts over them (append_block).
"""

from __future__ import annotations

import os
import stat
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from app.core.errors import Cancelled
from app.core.progress import CancelToken
from app.tape.ltfs_index import DirectoryEntry, Extent, FileEntry, LtfsIndex, Times
from app.tape.ltfs_label import ltfs_time
from app.tape.pipeline import Piece, write_pieces
from app.tape.profiles import TapeError
from app.tape.simulated import SimulatedTape
from app.tape.volume import DATA_PARTITION, read_volume, write_index

XXH128_KEY, SHA1_KEY = "ltfs.hash.xxh128sum", "ltfs.hash.sha1sum"


@dataclass(frozen=True)
class TapeWrite:
    index: LtfsIndex  # the generation written
    files: int
    bytes: int


def write_folder(tape: SimulatedTape, source: Path, dest: str = "", cancel: CancelToken | None = None,
                 on_bytes: Callable[[int], None] | None = None) -> TapeWrite:
    """source's tree under `dest` (a '/'-separated folder on the volume, '' for the root) as a new generation."""
    volume = read_volume(tape)
    index = volume.index
    root = index.root
    uid = [index.highest_uid]

    def next_uid() -> int:
        uid[0] += 1
        return uid[0]

    now = ltfs_time()
    target = root
    for part in [p for p in dest.split("/") if p]:
        target = _child_directory(target, part, now, next_uid)
    entries: list[tuple[FileEntry, Piece]] = []
    _collect(Path(source), _child_directory(target, Path(source).name, now, next_uid), entries, next_uid)
    if volume.label.block_size <= 0:
        raise TapeError("the volume's label gives no block size")
    tape.locate(DATA_PARTITION, append_block(tape))
    free = tape.block  # after the last complete file: where the index goes when the write stops early
    done: set[int] = set()
    total = 0
    try:
        for written in write_pieces([piece for _entry, piece in entries], tape, volume.label.block_size, cancel,
                                    on_bytes, sha1=True):
            entry = written.piece.key
            assert isinstance(entry, FileEntry)
            if written.records:
                entry.extents = [Extent(0, DATA_PARTITION, written.start_block, 0, written.piece.length)]
                free = written.start_block + written.records
            entry.xattrs[XXH128_KEY] = written.xxh128
            if written.sha1 is not None:
                entry.xattrs[SHA1_KEY] = written.sha1
            done.add(entry.uid)
            total += written.piece.length
    except Cancelled:
        # A cancel (or pause then cancel) keeps what is complete: the half-written file is dropped from the
        # tree and its records are overwritten by the index, so the volume is clean, not half a file.
        _drop_unwritten(root, {entry.uid for entry, _piece in entries} - done)
        stopped = replace(index, generation=index.generation + 1, update_time=ltfs_time(), highest_uid=uid[0])
        write_index(tape, stopped, volume.label.block_size, append_at=free)
        raise
    new = replace(index, generation=index.generation + 1, update_time=ltfs_time(), highest_uid=uid[0])
    return TapeWrite(write_index(tape, new, volume.label.block_size), len(entries), total)


def _drop_unwritten(directory: DirectoryEntry, unwritten: set[int]) -> None:
    directory.files = [f for f in directory.files if f.uid not in unwritten]
    for child in directory.directories:
        _drop_unwritten(child, unwritten)


def append_block(tape: SimulatedTape) -> int:
    """Where new data goes: right after the data partition's last index. Records beyond it are the remains of a
    write that never reached its index (killed, or the power went): no index refers to them, so they are
    overwritten rather than left for a checker to call extra blocks."""
    marks = tape.filemark_blocks(DATA_PARTITION)
    return marks[-1] + 1 if marks else tape.eod(DATA_PARTITION)


def _child_directory(parent: DirectoryEntry, name: str, now: str, next_uid: Callable[[], int]) -> DirectoryEntry:
    name = unicodedata.normalize("NFC", name)
    for directory in parent.directories:
        if directory.name == name:
            return directory
    if any(file.name == name for file in parent.files):
        raise TapeError(f"{name!r} is a file on the tape; it cannot become a folder")
    made = DirectoryEntry(name, next_uid(), Times.all(now))
    parent.directories.append(made)
    return made


def _collect(folder: Path, into: DirectoryEntry, entries: list[tuple[FileEntry, Piece]],
             next_uid: Callable[[], int]) -> None:
    """Files of folder (by name), then its folders (by name), into the index tree and the piece list."""
    try:
        with os.scandir(folder) as listing:
            children = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        raise TapeError(f"cannot read {folder}: {exc.strerror or exc}") from None
    for child in children:
        name = unicodedata.normalize("NFC", os.fsdecode(child.name))
        try:
            info = child.stat(follow_symlinks=False)
        except OSError as exc:
            raise TapeError(f"cannot read {child.path}: {exc.strerror or exc}") from None
        if stat.S_ISLNK(info.st_mode):
            into.files.append(FileEntry(name, next_uid(), _times(info), symlink=os.readlink(child.path)))
        elif stat.S_ISREG(info.st_mode):
            if any(f.name == name for f in into.files):
                raise TapeError(f"{child.path}: the tape already has a file {name!r} in this folder")
            entry = FileEntry(name, next_uid(), _times(info), info.st_size)
            into.files.append(entry)
            entries.append((entry, Piece(child.path, 0, info.st_size, key=entry)))
    for child in children:
        if child.is_dir(follow_symlinks=False):
            name = unicodedata.normalize("NFC", os.fsdecode(child.name))
            _collect(Path(child.path), _child_directory(into, name, ltfs_time(), next_uid), entries, next_uid)


def _times(info: os.stat_result) -> Times:
    modified = ltfs_time(datetime.fromtimestamp(info.st_mtime, UTC))
    changed = ltfs_time(datetime.fromtimestamp(info.st_ctime, UTC))
    return Times(modified, changed, modified, ltfs_time(datetime.fromtimestamp(info.st_atime, UTC)), ltfs_time())
