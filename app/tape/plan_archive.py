"""An archive version as a source of a tape plan (`ARCHIVE@v3`, `ARCHIVE@BRANCH`, `ARCHIVE@head`): every file of the
version, read where the archive stores it (no copy, no unpack), in tape order under `<archive name>/<vN>/`.

On the tape (docs/tape.md, "An archive version as a source"):
- `<name>/<vN>/<logical path>`: every file of the version, Reelkeep's own `.reelkeep/` files with it (catalog.json,
  embedded proxies and posters, and the archive's own ASC MHL generation of the version at `.reelkeep/mhl/vN/`,
  which describes only what that version stored in `vN/content`); a user's own top-level `ascmhl/` folder goes to
  `.reelkeep/user-ascmhl/ascmhl/`, as in the archive's content folder;
- `<name>/<vN>/ascmhl/`: an ASC MHL generation of the whole tree above, written into the plan folder from the
  xxh128 the archive recorded when it stored each file (no second read), so `ascmhl-debug verify` checks the
  version restored from tape on its own.

The version's state (logical path → digest) comes from the inventory, which the archive reads whole anyway; the
items are yielded folder by folder as they are placed, and the MHL's hash list is streamed from the same walk.
"""

from __future__ import annotations

import datetime
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import xxhash
from ascmhl import chain_xml_parser
from ascmhl.hashlist import MHLCreatorInfo, MHLHashEntry, MHLHashList, MHLMediaHash, MHLProcess, MHLTool
from ascmhl.history import MHLHistory
from ascmhl.ignore import MHLIgnoreSpec

from app import __version__
from app.archive.layout import NAMASTE, USER_ASCMHL
from app.archive.model import ArchiveError
from app.archive.store import Archive
from app.tape.plan_walk import FILE, FOLDER, TapeItem, tape_path
from app.tape.profiles import TapeError

HEAD = "head"  # ARCHIVE@head: the archive's newest version (a branch named "head" wins)
MHL_FOLDER = "ascmhl"
SOURCES_FOLDER = "sources"  # in the plan folder: files the plan made to put on tape (the MHL of each version)


@dataclass(frozen=True)
class ArchiveSource:
    """`FOLDER@REF` on the command line: one version of the archive at folder (REF: vN, a branch, or head)."""

    folder: Path
    ref: str

    def __str__(self) -> str:
        return f"{self.folder}@{self.ref}"


def parse_source(text: str) -> Path | ArchiveSource:
    """A SRC argument: a folder, or ARCHIVE_FOLDER@REF when the text is not itself a folder and the part before its
    last @ is one (a folder whose own name holds an @ stays a folder)."""
    if "@" not in text or os.path.isdir(text):
        return Path(text)
    folder, _at, ref = text.rpartition("@")
    if folder and ref and "/" not in ref and os.path.isdir(folder):
        return ArchiveSource(Path(folder), ref)
    return Path(text)


def check_source(source: ArchiveSource) -> str:
    """The version source names (vN); TapeError saying what the folder holds when it names none."""
    return _open(source)[1]


def _open(source: ArchiveSource) -> tuple[Archive, str]:
    if not (source.folder / NAMASTE).is_file():
        raise TapeError(f"{source}: {source.folder} is not an archive (no OCFL object declaration {NAMASTE}); "
                        "give ARCHIVE_FOLDER@vN for a version of a Reelkeep archive, or a plain folder")
    try:
        archive = Archive.open(source.folder, repair=False)  # a plan only reads the archive
    except ArchiveError as exc:
        raise TapeError(f"{source}: {exc}") from None
    if source.ref == HEAD and HEAD not in archive.branches():
        return archive, archive.head
    try:
        return archive, archive.resolve(source.ref)
    except ArchiveError as exc:
        raise TapeError(f"{source}: {exc}; or @{HEAD} for the newest version") from None


def archive_items(source: ArchiveSource, dest: str, sources_dir: Path) -> Iterator[TapeItem]:
    """The version's files in tape order under `dest/<archive name>/<vN>/`, with its `ascmhl/` folder: an MHL
    generation of the version written first under sources_dir (in the plan folder, which exists by then)."""
    archive, version = _open(source)
    name = os.fsdecode(archive.path.name)
    root = tape_path(dest, name, version)
    tree = _tree(archive, version)
    mhl_dir = sources_dir / name / version
    if (mhl_dir / MHL_FOLDER).exists():
        raise TapeError(f"{source}: {name}/{version} is already in this plan (a version given twice, or two "
                        "archives of the same name)")
    mhl_dir.mkdir(parents=True, exist_ok=True)
    hashes = _StreamedHashes(archive, tree)
    _write_generation(mhl_dir, hashes, f"reelkeep tape plan of {name} {version}")
    tree.folders.setdefault(MHL_FOLDER, _Folder()).files.update(
        {p.name: str(p) for p in sorted((mhl_dir / MHL_FOLDER).iterdir())})
    mtime = os.stat(archive.path).st_mtime_ns
    yield TapeItem(FOLDER, root.rsplit("/", 1)[0], os.fsdecode(archive.path), mtime_ns=mtime)  # <name>
    yield from _walk(tree, root, archive, mtime)


class _Folder:
    __slots__ = ("files", "folders")

    def __init__(self) -> None:
        self.files: dict[str, str] = {}  # name → digest (or, for the plan's own MHL files, their path)
        self.folders: dict[str, _Folder] = {}


def _tree(archive: Archive, version: str) -> _Folder:
    """The version's state as nested folders, each file at its path on tape."""
    top = _Folder()
    for logical, digest in archive.state(version).items():
        if logical == MHL_FOLDER or logical.startswith(MHL_FOLDER + "/"):
            logical = USER_ASCMHL + logical  # the tape's ascmhl/ is the version's MHL, as in the content folder
        *parents, leaf = logical.split("/")
        folder = top
        for part in parents:
            folder = folder.folders.setdefault(part, _Folder())
        folder.files[leaf] = digest
    return top


def _walk(folder: _Folder, path: str, archive: Archive, mtime: int) -> Iterator[TapeItem]:
    yield TapeItem(FOLDER, path, os.fsdecode(archive.path), mtime_ns=mtime)
    for name in sorted(folder.files):
        found = folder.files[name]
        location = found if os.path.isabs(found) else archive.content_location(found)
        info = _stat(location)
        yield TapeItem(FILE, tape_path(path, name), location, info.st_size, info.st_mtime_ns, 0, info.st_size)
    for name in sorted(folder.folders):
        yield from _walk(folder.folders[name], tape_path(path, name), archive, mtime)


def _stat(location: str) -> os.stat_result:
    try:
        return os.stat(location)
    except OSError as exc:
        raise TapeError(f"cannot read {location}: {exc.strerror or exc} (`reelkeep archive verify` checks the "
                        "archive)") from None


class _StreamedHashes:
    """The MHL's hash list, read from the version's tree each time the library iterates it."""

    def __init__(self, archive: Archive, tree: _Folder) -> None:
        self.archive, self.tree = archive, tree
        self.date = datetime.datetime.now(datetime.UTC)

    def _files(self, folder: _Folder, prefix: str) -> Iterator[tuple[str, str]]:
        for name in sorted(folder.files):
            yield prefix + name, folder.files[name]
        for name in sorted(folder.folders):
            yield from self._files(folder.folders[name], prefix + name + "/")

    def __iter__(self) -> Iterator[MHLMediaHash]:
        for path, digest in self._files(self.tree, ""):
            location = self.archive.content_location(digest)
            info = _stat(location)
            media = MHLMediaHash()
            media.path, media.file_size = path, info.st_size
            media.last_modification_date = datetime.datetime.fromtimestamp(info.st_mtime_ns / 1e9, datetime.UTC)
            media.append_hash_entry(MHLHashEntry("xxh128", self.archive.xxh128_of(digest) or _xxh128(location),
                                                 "original", self.date))
            yield media

    def __len__(self) -> int:
        return 1  # the library only asks whether there are any


def _xxh128(location: str) -> str:
    """A file the archive recorded no xxh128 for (an OCFL object another tool wrote), read once."""
    digest = xxhash.xxh3_128()
    try:
        with open(location, "rb") as handle:
            while chunk := handle.read(8 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise TapeError(f"cannot read {location}: {exc.strerror or exc}") from None
    return digest.hexdigest()


def _write_generation(folder: Path, hashes: _StreamedHashes, comment: str) -> None:
    history = MHLHistory.load_from_path(str(folder))
    hash_list = MHLHashList()
    hash_list.media_hashes = hashes  # type: ignore[assignment]
    creator = MHLCreatorInfo()
    creator.tool = MHLTool("reelkeep", __version__)
    creator.creation_date = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    creator.host_name = socket.gethostname() or "localhost"
    creator.comment = comment
    hash_list.creator_info = creator
    hash_list.process_info.process = MHLProcess("in-place")
    hash_list.process_info.ignore_spec = MHLIgnoreSpec()
    history.write_new_generation(hash_list)
    chain_xml_parser.write_chain(history.chain, hash_list)
