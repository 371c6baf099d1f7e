"""Writing onto an LTFS volume as one new index generation: items (folders, symlinks, files or parts of files, in
tape order) go to the end of the data partition through the write pipeline, each file with its xxh128 and sha1 as
`ltfs.hash.*` extended attributes computed from the one read; then the index that lists them. A folder write and a
tape plan's write are the same code (write_items). Until that index is written the volume still shows its previous
generation: a write cut short loses only its own files, and the next write starts over them (append_block).

A write that stops early — cancelled, or the cartridge filling up before the plan said it would — ends with an
index of the files it finished: the half-written file leaves the tree and its records are overwritten by that
index, so no index ever lists half a file.

A pause takes effect when the file being written is finished: the files finished so far get an index at once
(what LTFS implementations do on a sync), so a paused cartridge is a clean volume that could be unloaded; the
write then waits, and on resume goes on after that index towards the next generation.
"""

from __future__ import annotations

import copy
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from app.core.errors import Cancelled
from app.core.progress import CancelToken
from app.tape.ltfs_index import DirectoryEntry, Extent, FileEntry, LtfsIndex, Times
from app.tape.ltfs_label import ltfs_time
from app.tape.pipeline import Piece, SourceChanged, Written, write_pieces
from app.tape.plan_walk import FILE, FOLDER, SYMLINK, TapeItem, walk_sources
from app.tape.profiles import TapeError
from app.tape.simulated import SimulatedTape
from app.tape.volume import DATA_PARTITION, read_volume, write_index

XXH128_KEY, SHA1_KEY = "ltfs.hash.xxh128sum", "ltfs.hash.sha1sum"
# LTFS 2.4 reserves ltfs.spannedFileOffset for the part of a file split across volumes (the part's offset in the
# whole file); Reelkeep adds the whole file's length, and on its last part the whole file's xxh128 (docs/tape.md).
SPAN_OFFSET_KEY, SPAN_LENGTH_KEY, SPAN_XXH128_KEY = ("ltfs.spannedFileOffset", "reelkeep.span.length",
                                                     "reelkeep.span.xxh128sum")
# On the index's root folder: the tape set and the copy (A, B) a planned write belongs to.
TAPE_SET_KEY, COPY_KEY = "reelkeep.tapeset", "reelkeep.copy"
# Bytes kept free after the data for what follows it on every tape besides the per-entry allowance: the index
# skeleton, the set's manifest.
TAIL_KEEP = 64 << 10


def index_allowance(path: str) -> int:
    """Bytes an entry costs in the index, twice (the data and the index partition each hold a copy): ~1 KB with
    its times, digests, span attributes and extent, plus its name."""
    return 2 * (1100 + 2 * len(path.encode("utf-8", "surrogateescape")))


def metadata_allowance(path: str) -> int:
    """Bytes a planned entry costs a tape besides its data: its index entries, its manifest line and its ASC MHL
    entry. A plan and the write's early-warning check count the same, so a plan that fits is written."""
    return index_allowance(path) + 600 + 3 * len(path.encode("utf-8", "surrogateescape"))


# (source path, size, modification time in seconds, xxh128): a whole file as read while it was written
SourceHash = tuple[str, int, float, str]


@dataclass(frozen=True)
class TapeWrite:
    index: LtfsIndex  # the generation written
    files: int
    bytes: int
    # Every whole file's digest as read for the tape: the library records them as content hashes (a file written
    # from the library is then matched to its tape exactly, with no second read).
    hashed: tuple[SourceHash, ...] = ()


class CartridgeFull(TapeError):
    """The cartridge filled up before the write ended (it held less than planned). The volume's new index lists
    the files that were finished; `left` are the items that were not written, in order (the first may have been
    started: its records are overwritten by the index)."""

    def __init__(self, message: str, index: LtfsIndex, files: int, left: list[TapeItem]) -> None:
        super().__init__(message)
        self.index, self.files, self.left = index, files, left


def write_folder(tape: SimulatedTape, source: Path, dest: str = "", cancel: CancelToken | None = None,
                 on_bytes: Callable[[int], None] | None = None,
                 on_pause: Callable[[LtfsIndex, int], None] | None = None) -> TapeWrite:
    """source's tree under `dest` (a '/'-separated folder on the volume, '' for the root) as a new generation."""
    return write_items(tape, walk_sources([Path(source)], dest), cancel, on_bytes, on_pause=on_pause)


@dataclass
class _Tree:
    """The index's folder tree with a name lookup per folder (a folder of 100,000 files is not searched by
    scanning its list), and the uids handed out."""

    root: DirectoryEntry
    uid: int
    now: str
    folders: dict[str, DirectoryEntry] = field(default_factory=dict)
    names: dict[int, dict[str, FileEntry | DirectoryEntry]] = field(default_factory=dict)

    def next_uid(self) -> int:
        self.uid += 1
        return self.uid

    def _names(self, folder: DirectoryEntry) -> dict[str, FileEntry | DirectoryEntry]:
        found = self.names.get(folder.uid)
        if found is None:
            found = {**{d.name: d for d in folder.directories}, **{f.name: f for f in folder.files}}
            self.names[folder.uid] = found
        return found

    def folder(self, path: str) -> DirectoryEntry:
        if not path:
            return self.root
        found = self.folders.get(path)
        if found is not None:
            return found
        parent_path, _, name = path.rpartition("/")
        parent = self.folder(parent_path)
        names = self._names(parent)
        existing = names.get(name)
        if isinstance(existing, FileEntry):
            raise TapeError(f"{path!r} is a file on the tape; it cannot become a folder")
        if existing is None:
            existing = DirectoryEntry(name, self.next_uid(), Times.all(self.now))
            parent.directories.append(existing)
            names[name] = existing
        self.folders[path] = existing
        return existing

    def add_file(self, path: str, entry: FileEntry) -> None:
        parent_path, _, _name = path.rpartition("/")
        parent = self.folder(parent_path)
        names = self._names(parent)
        if entry.name in names:
            raise TapeError(f"{path}: the tape already has a file or folder of this name")
        parent.files.append(entry)
        names[entry.name] = entry


class _EarlyWarning:
    """A sink that refuses a record that would leave less than `keep` bytes on the cartridge: what a drive's
    programmable early warning is for, so the index (and manifests) of the finished files still fit."""

    def __init__(self, tape: SimulatedTape, keep: int) -> None:
        self.tape, self.keep = tape, keep

    @property
    def block(self) -> int:
        return self.tape.block

    def write_record(self, data: memoryview) -> None:
        if self.tape.remaining - len(data) < self.keep:
            raise _Full()
        self.tape.write_record(data)


class _Full(Exception):
    """Raised by the early-warning sink; turned into CartridgeFull once the index of the finished files is on."""


def write_items(tape: SimulatedTape, items: Iterable[TapeItem], cancel: CancelToken | None = None,
                on_bytes: Callable[[int], None] | None = None,
                on_written: Callable[[TapeItem, FileEntry], None] | None = None,
                after: Callable[[], list[TapeItem]] | None = None,
                root_xattrs: dict[str, str] | None = None,
                on_pause: Callable[[LtfsIndex, int], None] | None = None) -> TapeWrite:
    """items as a new generation. on_written(item, entry) follows each file once its last record is on tape;
    after() is called once the data is written and gives more files to write behind it (a tape's manifests),
    which are then in the same index. root_xattrs go on the volume's root folder. on_pause(index, files) follows
    the index written when a pause takes effect (see the module's docstring)."""
    volume = read_volume(tape)
    block_size = volume.label.block_size
    if block_size <= 0:
        raise TapeError("the volume's label gives no block size")
    index = volume.index
    tree = _Tree(index.root, index.highest_uid, ltfs_time())
    if root_xattrs:
        index.root.xattrs.update(root_xattrs)
    hashed: list[SourceHash] = []

    def written_file(item: TapeItem, entry: FileEntry) -> None:
        if not item.spanned:
            hashed.append((item.source, item.size, item.mtime_ns / 1e9, entry.xattrs[XXH128_KEY]))
        if on_written is not None:
            on_written(item, entry)

    pieces, keep = _place(tree, items, with_manifests=after is not None)
    keep += sum(index_allowance(path) for path, _entry in index.root.walk())
    tape.locate(DATA_PARTITION, append_block(tape))
    state = _Progress(tape.block, index.generation)

    def pause() -> None:
        assert cancel is not None
        synced = _index_of_finished(index, tree, pieces, state)
        state.generation = synced.generation
        written = write_index(tape, synced, block_size, append_at=state.free)
        if on_pause is not None:
            on_pause(written, len(state.done))
        cancel.check()  # waits for resume; a cancel while paused raises here
        tape.locate(DATA_PARTITION, append_block(tape))
        state.free = tape.block

    data_bytes = data_files = 0
    try:
        _write(pieces, _EarlyWarning(tape, keep), block_size, cancel, on_bytes, state, written_file, pause)
        data_bytes, data_files = state.bytes, len(pieces)
        if after is not None:
            extra, _keep = _place(tree, after(), with_manifests=False)
            pieces += extra
            _write(extra, tape, block_size, cancel, on_bytes, state, None, pause)
    except (Cancelled, _Full) as stop:
        # What is complete stays: the half-written file leaves the tree and its records are overwritten by the
        # index, so the volume is clean and no index lists half a file.
        left = [piece.key for piece in pieces if id(piece.key) not in state.done]
        _drop_unwritten(index.root, {entry.uid for entry, _item in left})
        stopped = replace(index, generation=state.generation + 1, update_time=ltfs_time(), highest_uid=tree.uid)
        written = write_index(tape, stopped, block_size, append_at=state.free)
        if isinstance(stop, Cancelled):
            raise
        rest = sum(item.length for _entry, item in left)
        first = f" from {left[0][1].path!r} on" if left else ""
        raise CartridgeFull(f"the cartridge filled up before the write ended: its index (generation "
                            f"{written.generation}) lists the {len(state.done):,} files finished; {len(left):,} "
                            f"files ({rest:,} bytes){first} were not written", written, len(state.done),
                            [item for _entry, item in left]) from None
    new = replace(index, generation=state.generation + 1, update_time=ltfs_time(), highest_uid=tree.uid)
    return TapeWrite(write_index(tape, new, block_size), data_files, data_bytes, tuple(hashed))


@dataclass
class _Progress:
    free: int  # after the last complete file: where the index goes when the write stops early
    generation: int  # the volume's newest generation (a pause writes one)
    bytes: int = 0
    done: set[int] = field(default_factory=set)  # id() of the finished pieces' keys


def _index_of_finished(index: LtfsIndex, tree: _Tree, pieces: list[Piece], state: _Progress) -> LtfsIndex:
    """The next generation listing the files finished so far; the write's own tree stays whole."""
    root = copy.deepcopy(index.root)
    _drop_unwritten(root, {piece.key[0].uid for piece in pieces if id(piece.key) not in state.done})
    return replace(index, root=root, generation=state.generation + 1, update_time=ltfs_time(), highest_uid=tree.uid)


def _place(tree: _Tree, items: Iterable[TapeItem], with_manifests: bool) -> tuple[list[Piece], int]:
    """items into the tree; the pieces to write and the bytes their entries need kept free after the data."""
    pieces: list[Piece] = []
    keep = TAIL_KEEP
    for item in items:
        keep += metadata_allowance(item.path) if with_manifests else index_allowance(item.path)
        if item.kind == FOLDER:
            tree.folder(item.path)
            continue
        name = item.path.rpartition("/")[2]
        try:
            info = os.lstat(item.source)
        except OSError as exc:
            raise SourceChanged(f"{item.source}: {exc.strerror or exc} (it changed since the tape plan was made; "
                                "make the plan again)") from None
        if item.kind == SYMLINK:
            tree.add_file(item.path, FileEntry(name, tree.next_uid(), _times(info), symlink=item.target or ""))
            continue
        assert item.kind == FILE
        if not stat.S_ISREG(info.st_mode) or info.st_size != item.size:
            raise SourceChanged(f"{item.source} changed since the tape plan was made ({info.st_size:,} bytes, "
                                f"planned {item.size:,}); make the plan again")
        entry = FileEntry(name, tree.next_uid(), _times(info), item.length)
        if item.spanned:
            entry.xattrs[SPAN_OFFSET_KEY] = str(item.offset)
            entry.xattrs[SPAN_LENGTH_KEY] = str(item.size)
        tree.add_file(item.path, entry)
        pieces.append(Piece(item.source, item.offset, item.length, key=(entry, item), carry=item.span))
    return pieces, keep


def _write(pieces: list[Piece], sink: _EarlyWarning | SimulatedTape, block_size: int, cancel: CancelToken | None,
           on_bytes: Callable[[int], None] | None, state: _Progress,
           on_written: Callable[[TapeItem, FileEntry], None] | None, pause: Callable[[], None]) -> None:
    for written in write_pieces(pieces, sink, block_size, cancel, on_bytes, sha1=True, pause_between_records=False):
        entry, item = written.piece.key
        _finish(entry, item, written)
        if written.records:
            state.free = written.start_block + written.records
        state.done.add(id(written.piece.key))
        state.bytes += written.piece.length
        if on_written is not None:
            on_written(item, entry)
        if cancel is not None and cancel.paused:
            pause()


def _finish(entry: FileEntry, item: TapeItem, written: Written) -> None:
    if written.records:
        entry.extents = [Extent(0, DATA_PARTITION, written.start_block, 0, written.piece.length)]
    entry.xattrs[XXH128_KEY] = written.xxh128
    if written.sha1 is not None:
        entry.xattrs[SHA1_KEY] = written.sha1
    if item.spanned and item.last_part and item.span is not None:
        entry.xattrs[SPAN_XXH128_KEY] = item.span.hexdigest()


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


def _times(info: os.stat_result) -> Times:
    modified = ltfs_time(datetime.fromtimestamp(info.st_mtime, UTC))
    changed = ltfs_time(datetime.fromtimestamp(info.st_ctime, UTC))
    return Times(modified, changed, modified, ltfs_time(datetime.fromtimestamp(info.st_atime, UTC)), ltfs_time())
