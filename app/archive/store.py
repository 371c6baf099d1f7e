"""Reading an archive: its versions, branches and files, after recovering from an interrupted write.

The commit point of a version is the rename of its staging folder to `vN/` (app/archive/write.py). Everything
after it — the root inventory copy, the branch pointer — is redone here when a writer was killed before it:
the root inventory rolls forward to the highest complete `vN/`, and a branch whose head is the first parent of
a later version recorded on that branch moves to it. Any OCFL 1.1 object opens, also one Reelkeep did not write:
its versions then form one line on `main`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.archive.layout import (
    CONTENT,
    DIGEST,
    INVENTORY,
    NAMASTE,
    NAMASTE_TEXT,
    SIDECAR,
    branches_path,
    read_json,
    sidecar_text,
    version_meta_path,
    write_atomic,
    write_json_atomic,
)
from app.archive.model import (
    CATALOG_JSON,
    DEFAULT_BRANCH,
    RESERVED_PREFIX,
    ArchiveError,
    ArchiveFile,
    VersionInfo,
)

_VERSION_DIR = re.compile(r"v([1-9][0-9]*)")


@dataclass(frozen=True)
class BranchInfo:
    name: str
    head: str
    description: str = ""
    created: str = ""


def _valid_inventory(folder: Path, known: tuple[bytes, dict[str, Any]] | None = None
                     ) -> tuple[bytes, dict[str, Any]] | None:
    """The inventory of folder when it parses and matches its sidecar digest, else None. `known`: an inventory
    already parsed, reused when folder holds the same bytes (the root copy of the head: at 100,000 files a parse
    costs a third of a second)."""
    try:
        data = (folder / INVENTORY).read_bytes()
        recorded = (folder / SIDECAR).read_text(encoding="utf-8").split()[0]
        if hashlib.sha256(data).hexdigest() != recorded.lower():
            return None
        inventory = known[1] if known is not None and known[0] == data else json.loads(data)
    except (OSError, ValueError, IndexError):
        return None
    if not isinstance(inventory, dict):
        return None
    return data, inventory


def _version_dirs(path: Path) -> list[int]:
    found = []
    with os.scandir(path) as entries:
        for entry in entries:
            match = _VERSION_DIR.fullmatch(entry.name)
            if match and entry.is_dir(follow_symlinks=False):
                found.append(int(match.group(1)))
    return sorted(found)


def _load_inventory(path: Path, repair: bool) -> dict[str, Any]:
    numbers = _version_dirs(path)
    head_inventory = None
    for number in reversed(numbers):
        found = _valid_inventory(path / f"v{number}")
        if found is not None and found[1].get("head") == f"v{number}":
            head_inventory = found
            break
    root = _valid_inventory(path, head_inventory)
    has_namaste = (path / NAMASTE).is_file()
    if head_inventory is None:
        if root is not None and has_namaste:
            return root[1]
        if not has_namaste and not (path / INVENTORY).exists():
            raise ArchiveError(f"{path} is not an archive (no OCFL object declaration {NAMASTE}, no inventory); "
                               "if `archive create` was interrupted there, remove the folder and create it again")
        raise ArchiveError(f"{path}: the archive's inventory is damaged (inventory.json does not match its "
                           f"{SIDECAR} digest, and no version folder holds a complete copy)")
    data, inventory = head_inventory
    if root is not None and root[1].get("head") == inventory["head"] and root[0] != data:
        raise ArchiveError(f"{path}: inventory.json differs from {inventory['head']}/inventory.json although both "
                           "name the same head; the archive has been changed outside Reelkeep")
    stale = root is None or root[0] != data or not has_namaste
    if stale and root is not None and _version_number(root[1].get("head")) > _version_number(inventory["head"]):
        raise ArchiveError(f"{path}: inventory.json names {root[1]['head']} but that version folder is damaged")
    if stale and repair:
        # A writer was killed between its commit point (the vN rename) and the root copy: finish its work.
        try:
            write_atomic(path / INVENTORY, data)
            write_atomic(path / SIDECAR, sidecar_text(data).encode())
            if not has_namaste:
                write_atomic(path / NAMASTE, NAMASTE_TEXT.encode())
        except OSError:
            pass  # read-only media: the in-memory inventory is right; verify reports the stale root
    return inventory


def _version_number(name: Any) -> int:
    match = _VERSION_DIR.fullmatch(str(name or ""))
    return int(match.group(1)) if match else 0


class Archive:
    """An archive opened for reading (see module docstring for the recovery it does on open)."""

    def __init__(self, path: Path, inventory: dict[str, Any], metas: dict[str, dict[str, Any]],
                 branches: dict[str, BranchInfo]) -> None:
        self.path = path
        self._path_prefix = os.path.join(str(path), "")  # with its separator: content paths are appended
        self.inventory = inventory
        self._metas = metas
        self._branches = branches
        self._content_by_digest: dict[str, str] = {d: paths[0] for d, paths in inventory["manifest"].items()}
        self._sizes: dict[str, int] = {}
        self._xxh: dict[str, str] = {}
        for meta in metas.values():
            self._sizes.update(meta.get("sizes", {}))
            self._xxh.update(meta.get("xxh128", {}))

    @classmethod
    def open(cls, path: str | Path, *, repair: bool = True) -> Archive:
        """Open the archive at path; ArchiveError says what is wrong when it cannot be read."""
        path = Path(path).absolute()
        if not path.is_dir():
            raise ArchiveError(f"{path} is not an archive folder" + ("" if path.exists() else " (it does not exist)"))
        inventory = _load_inventory(path, repair)
        if inventory.get("digestAlgorithm") not in ("sha256", "sha512"):
            raise ArchiveError(f"{path}: digest algorithm {inventory.get('digestAlgorithm')!r} is not supported")
        if inventory.get("digestAlgorithm") != DIGEST:
            raise ArchiveError(f"{path}: this OCFL object uses {inventory['digestAlgorithm']}; Reelkeep reads and "
                               "writes sha256 objects")
        metas = {name: _read_meta(path, name) for name in inventory["versions"]}
        branches = _read_branches(path, list(inventory["versions"]), inventory["head"],
                                  lambda name: metas.get(name, {}), repair)
        return cls(path, inventory, metas, branches)

    # ---- versions and branches
    @property
    def head(self) -> str:
        return self.inventory["head"]

    @property
    def id(self) -> str:
        return self.inventory["id"]

    def versions(self) -> list[VersionInfo]:
        return [self.version(name) for name in sorted(self.inventory["versions"], key=_version_number)]

    def version(self, name: str) -> VersionInfo:
        block = self.inventory["versions"].get(name)
        if block is None:
            raise ArchiveError(f"{self.path}: no version {name!r} (versions are v1…{self.head})")
        meta = self._metas.get(name, {})
        number = _version_number(name)
        parents = tuple(meta.get("parents", [f"v{number - 1}"] if number > 1 else []))
        user = block.get("user", {}).get("name", "")
        return VersionInfo(name, block.get("created", ""), block.get("message", ""), user, parents,
                           meta.get("branch", DEFAULT_BRANCH if not self._metas.get(name) else None),
                           {k: v for k, v in meta.items() if k not in ("sizes", "xxh128")})

    def branches(self) -> dict[str, BranchInfo]:
        return dict(self._branches)

    def resolve(self, ref: str | None) -> str:
        """A version name for a version ('v3') or a branch name; None → head of main (else the last version)."""
        return _resolve(self.path, ref, self._branches, self.inventory["versions"], self.head)

    # ---- files
    def state(self, version: str | None = None) -> dict[str, str]:
        """logical path → digest of every file of a version (Reelkeep's own .reelkeep/ files included)."""
        block = self.inventory["versions"][self.resolve(version)]
        return {logical: digest for digest, paths in block["state"].items() for logical in paths}

    def files(self, version: str | None = None, *, include_reserved: bool = False) -> list[ArchiveFile]:
        state = self.state(version)
        return [self._entry(logical, digest) for logical, digest in sorted(state.items())
                if include_reserved or not logical.startswith(RESERVED_PREFIX)]

    def file(self, logical_path: str, version: str | None = None) -> ArchiveFile:
        digest = self.state(version).get(logical_path)
        if digest is None:
            raise ArchiveError(f"{self.path}: {logical_path!r} is not in version {self.resolve(version)}")
        return self._entry(logical_path, digest)

    def has_digest(self, digest: str) -> bool:
        return digest in self._content_by_digest

    def content_file(self, digest: str) -> Path:
        return self.path / self._content_by_digest[digest]

    def content_location(self, digest: str) -> str:
        """content_file as a plain string: a commit of 100,000 unchanged files builds no Path objects."""
        return self._path_prefix + self._content_by_digest[digest]

    def size_of(self, digest: str) -> int:
        content = self._content_by_digest[digest]
        size = self._sizes.get(content)
        if size is None:
            size = self._sizes[content] = (self.path / content).stat().st_size
        return size

    def xxh128_of(self, digest: str) -> str | None:
        return self._xxh.get(self._content_by_digest[digest])

    def recorded_size(self, content_path: str) -> int | None:
        return self._sizes.get(content_path)

    def recorded_xxh128(self, content_path: str) -> str | None:
        return self._xxh.get(content_path)

    def _entry(self, logical: str, digest: str) -> ArchiveFile:
        content = self._content_by_digest[digest]
        size = self._sizes.get(content)
        if size is None:
            try:
                size = (self.path / content).stat().st_size
            except OSError:
                size = -1  # missing: verify names it
        return ArchiveFile(logical, digest, size, self.path / content, self._xxh.get(content))

    def metadata(self, version: str | None = None) -> dict[str, dict[str, Any]]:
        """The catalog metadata (.reelkeep/catalog.json "files") of a version; {} when it has none."""
        digest = self.state(version).get(CATALOG_JSON)
        if digest is None:
            return {}
        return read_json(self.content_file(digest), f"the catalog metadata of {self.resolve(version)}").get("files", {})

    def content_dir(self, version: str) -> Path:
        return self.path / version / CONTENT


def _read_meta(path: Path, version: str) -> dict[str, Any]:
    meta_path = version_meta_path(path, version)
    if not meta_path.exists():
        return {}
    return read_json(meta_path, f"the version record of {version}")


def branch_listed(path: Path, name: str) -> bool:
    """Whether path is an archive whose branch list names `name`, read without the inventory (a quick check before
    a commit's plan walks the source tree; the write itself opens the archive fully, under its lock)."""
    try:
        return (path / NAMASTE).is_file() and name in read_json(branches_path(path), "the branch list")
    except ArchiveError:
        return False


def _resolve(path: Path, ref: str | None, branches: dict[str, BranchInfo], versions: Any, head: str) -> str:
    if ref is None:
        return branches[DEFAULT_BRANCH].head if DEFAULT_BRANCH in branches else head
    if ref in branches:
        return branches[ref].head
    if ref in versions:
        return ref
    raise ArchiveError(f"{path}: no version or branch {ref!r} (branches: {', '.join(sorted(branches))};"
                       f" versions v1…{head})")


@dataclass(frozen=True)
class ArchiveRefs:
    """An archive's versions and branches, read without its inventory: all that creating a branch needs, in the
    same time at 100,000 files as at ten (see read_refs)."""

    path: Path
    versions: tuple[str, ...]
    branches: dict[str, BranchInfo]

    @property
    def head(self) -> str:
        return self.versions[-1]

    def resolve(self, ref: str | None) -> str:
        return _resolve(self.path, ref, self.branches, self.versions, self.head)


def read_refs(path: str | Path, *, repair: bool = True) -> ArchiveRefs:
    """The versions (each a `vN/` folder with its inventory: the folder's rename is a version's commit point) and
    the branches, with the same recovery of an interrupted branch move as Archive.open; anything that is not a
    readable archive is opened fully, so the error is Archive.open's."""
    path = Path(path).absolute()
    try:
        numbers = [n for n in _version_dirs(path) if (path / f"v{n}" / INVENTORY).is_file()]
    except OSError:
        numbers = []
    if not numbers or not (path / NAMASTE).is_file():
        archive = Archive.open(path, repair=repair)
        return ArchiveRefs(archive.path, tuple(v.name for v in archive.versions()), archive.branches())
    versions = tuple(f"v{n}" for n in numbers)
    branches = _read_branches(path, list(versions), versions[-1], lambda name: _read_meta(path, name), repair)
    return ArchiveRefs(path, versions, branches)


def _read_branches(path: Path, versions: list[str], head: str, meta_of: Any, repair: bool) -> dict[str, BranchInfo]:
    """branches.json, with a branch moved on to a version recorded on it whose first parent is its head (a writer
    killed between the version's commit point and the branch move). meta_of(version) reads a version's record;
    only versions newer than the oldest branch head can need the move, so only those are read."""
    file = branches_path(path)
    raw = read_json(file, "the branch list") if file.exists() else {}
    known = set(versions)
    branches = {name: BranchInfo(name, entry["head"], entry.get("description", ""), entry.get("created", ""))
                for name, entry in raw.items() if entry.get("head") in known}
    if DEFAULT_BRANCH not in branches and not raw:
        branches[DEFAULT_BRANCH] = BranchInfo(DEFAULT_BRANCH, head)
    oldest_head = min((_version_number(b.head) for b in branches.values()), default=0)
    moved = False
    for name in sorted(versions, key=_version_number):
        if _version_number(name) <= oldest_head:
            continue
        meta = meta_of(name)
        branch = branches.get(meta.get("branch", ""))
        parents = meta.get("parents", [])
        if branch is not None and parents and branch.head == parents[0]:
            # the writer was killed after the version's commit point, before it moved the branch
            branches[branch.name] = BranchInfo(branch.name, name, branch.description, branch.created)
            moved = True
    if moved and repair:
        with contextlib.suppress(OSError):
            write_json_atomic(file, {b.name: {"head": b.head, "description": b.description, "created": b.created}
                                     for b in branches.values()})
    return branches
