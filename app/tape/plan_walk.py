"""What goes onto a tape, one item at a time, in tape order: folder by folder, each folder's files by name, then
its folders by name (the order a folder write and a tape plan both use, so a restore reads a folder in one pass).

The walk is a generator over one folder listing at a time: a plan of a million files never holds them all.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.tape.profiles import TapeError

FILE, FOLDER, SYMLINK = "file", "dir", "symlink"


@dataclass(frozen=True)
class TapeItem:
    """One folder, symlink or file (or the part of a file spanning tapes: `length` bytes at `offset` of a file of
    `size` bytes) to put on a tape at `path` ('/'-joined, NFC)."""

    kind: str  # file | dir | symlink
    path: str
    source: str = ""  # the path on disk (os.fsdecode: a non-UTF-8 name survives as surrogates)
    size: int = 0  # the whole file's length
    mtime_ns: int = 0
    offset: int = 0
    length: int = 0  # bytes of this piece (the whole file unless it spans tapes)
    target: str | None = None  # a symlink's target
    span: Any = None  # a part of a spanned file: the whole file's xxh3_128 state, fed by every part in order

    @property
    def spanned(self) -> bool:
        return self.kind == FILE and self.length != self.size

    @property
    def last_part(self) -> bool:
        return self.offset + self.length == self.size

    def row(self) -> list:
        """The item as one JSON-lines row of a plan (fields in a fixed order)."""
        return [self.kind, self.path, self.source, self.size, self.mtime_ns, self.offset, self.length, self.target]

    @staticmethod
    def from_row(row: list) -> TapeItem:
        kind, path, source, size, mtime_ns, offset, length, target = row
        return TapeItem(kind, path, source, size, mtime_ns, offset, length, target)


def tape_path(*parts: str) -> str:
    """'/'-joined NFC names (LTFS stores names in NFC), empty parts dropped."""
    names = [unicodedata.normalize("NFC", name) for part in parts for name in part.split("/") if name]
    return "/".join(names)


def walk_sources(sources: Sequence[Path], dest: str = "") -> Iterator[TapeItem]:
    """Every source folder (under `dest` on the tape, by its own name) as items in tape order."""
    for source in sources:
        source = Path(source)
        if not source.is_dir():
            raise TapeError(f"{source} is not a folder")
        yield from _walk(source, tape_path(dest, os.fsdecode(source.name or source.resolve().name)))


def _walk(folder: Path, path: str) -> Iterator[TapeItem]:
    try:
        info = os.stat(folder)
        with os.scandir(folder) as listing:
            children = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        raise TapeError(f"cannot read {folder}: {exc.strerror or exc}") from None
    yield TapeItem(FOLDER, path, os.fsdecode(folder), mtime_ns=info.st_mtime_ns)
    folders = []
    for child in children:
        name = tape_path(path, os.fsdecode(child.name))
        try:
            info = child.stat(follow_symlinks=False)
        except OSError as exc:
            raise TapeError(f"cannot read {child.path}: {exc.strerror or exc}") from None
        if stat.S_ISLNK(info.st_mode):
            yield TapeItem(SYMLINK, name, os.fsdecode(child.path), mtime_ns=info.st_mtime_ns,
                           target=os.fsdecode(os.readlink(child.path)))
        elif stat.S_ISREG(info.st_mode):
            yield TapeItem(FILE, name, os.fsdecode(child.path), info.st_size, info.st_mtime_ns, 0, info.st_size)
        elif stat.S_ISDIR(info.st_mode):
            folders.append((Path(child.path), name))
    for child_folder, name in folders:
        yield from _walk(child_folder, name)
