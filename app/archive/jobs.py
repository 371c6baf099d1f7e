"""Archive jobs (plan, then run; the CLI and the GUI run the same ones): create, add/commit, verify."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import xxhash

from app.archive.layout import check_logical_name, check_logical_path
from app.archive.metadata import CatalogFacts, Describer, recorded_facts
from app.archive.model import DEFAULT_BRANCH, ArchiveError, VersionInfo
from app.archive.store import Archive, branch_listed
from app.archive.unchanged import already_committed
from app.archive.write import SourceFile, VersionRequest, write_version
from app.core.job import JobContext
from app.core.kinds import kind_for_name


@dataclass
class SourcePlan:
    sources: list[SourceFile]
    skipped: list[str] = field(default_factory=list)  # special files (FIFOs, sockets, devices), with why
    total_bytes: int = 0


def _logical(parts: Sequence[str | bytes]) -> str:
    # names that are not UTF-8 keep their surrogate escapes here; check_logical_path refuses them with advice
    return "/".join(os.fsdecode(part) if isinstance(part, bytes) else part for part in parts)


def plan_sources(paths: Sequence[Path], to: str = "", contents_of_folders: bool = False) -> SourcePlan:
    """Files to store and their logical paths. A folder contributes its tree under `to`/<folder name> (or under
    `to` itself with contents_of_folders, as create does); a file goes to `to`/<name>."""
    prefix = check_logical_path(to.strip("/"), reserved_ok=False) + "/" if to.strip("/") else ""
    plan = SourcePlan([], [], 0)
    for path in paths:
        path = Path(path).absolute()
        try:
            info = path.stat()
        except OSError as exc:
            raise ArchiveError(f"{path}: {exc.strerror or exc}") from None
        if stat.S_ISREG(info.st_mode):
            plan.sources.append(SourceFile(path, check_logical_path(prefix + _logical([path.name])), stat=info))
            plan.total_bytes += info.st_size
            continue
        if not stat.S_ISDIR(info.st_mode):
            raise ArchiveError(f"{path} is not a regular file or folder (a FIFO, socket or device cannot be stored)")
        top = prefix if contents_of_folders else check_logical_path(prefix + _logical([path.name])) + "/"
        _walk(os.fsencode(path), top, plan)
    return plan


def _walk(root: bytes, logical_root: str, plan: SourcePlan) -> None:
    """Every regular file below root into plan, in os.walk's order (a folder's files by name, then its folders by
    name, depth first); symbolic links to folders are not followed, as os.walk does not. One stat per file."""
    pending = [(root, logical_root)]
    while pending:
        folder, logical = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            raise ArchiveError(f"{os.fsdecode(folder)}: {exc.strerror or exc}") from None
        folders = []
        for entry in entries:
            try:
                if entry.is_dir():
                    if not entry.is_symlink():
                        folders.append(entry)
                    continue
                info = entry.stat()
            except OSError as exc:
                raise ArchiveError(f"{os.fsdecode(entry.path)}: {exc.strerror or exc}") from None
            if not stat.S_ISREG(info.st_mode):
                plan.skipped.append(f"{os.fsdecode(entry.path)}: not a regular file")
                continue
            # names that are not UTF-8 keep their surrogate escapes here; the check refuses them with advice
            name = check_logical_name(logical, os.fsdecode(entry.name))
            plan.sources.append(SourceFile(os.fsdecode(entry.path), name, stat=info))
            plan.total_bytes += info.st_size
        for entry in reversed(folders):
            pending.append((entry.path, check_logical_name(logical, os.fsdecode(entry.name)) + "/"))


def tree_signature(sources: Sequence[SourceFile], proxies: Sequence[str] = (),
                   catalog_facts: CatalogFacts | None = None) -> str:
    """What a commit was given, as one digest (app/archive/unchanged.py): every source's logical path, path, size,
    mtime and inode, the proxies asked for, and the catalog facts a version would record of its media files."""
    digest = xxhash.xxh3_128(json.dumps(sorted(proxies)).encode())
    for source in sources:
        st = source.stat if source.stat is not None else os.stat(source.path)
        part = "" if source.part is None else f"{source.part.offset}+{source.part.length}:{source.crc32}"
        digest.update(f"{source.logical_path}\0{source.path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\0"
                      f"{part}\n".encode("utf-8", "surrogateescape"))
        if catalog_facts is not None and kind_for_name(source.logical_path) is not None:
            facts = recorded_facts(catalog_facts(Path(source.path)))
            digest.update(json.dumps(facts, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _raise(error: OSError) -> None:
    raise ArchiveError(f"{error.filename}: {error.strerror or error}")


@dataclass(frozen=True)
class WriteResult:
    version: VersionInfo | None  # None: nothing changed
    files: int
    skipped: list[str]


class CreateArchiveJob:
    """`archive create`: SRC_DIR's contents become v1 on branch main."""

    lane = "archive"

    def __init__(self, source: Path, archive: Path, proxies: Sequence[str] = (), message: str = "",
                 catalog_facts: CatalogFacts | None = None) -> None:
        self.source, self.archive = Path(source), Path(archive)
        self.proxies, self.message, self.catalog_facts = tuple(proxies), message, catalog_facts
        self.title = f"Create archive {self.archive.name}"

    def plan(self) -> SourcePlan:
        if not self.source.is_dir():
            raise ArchiveError(f"{self.source} is not a folder")
        if Path(self.archive).absolute().is_relative_to(self.source.absolute()):
            raise ArchiveError("the archive cannot be inside the folder it archives")
        return plan_sources([self.source], contents_of_folders=True)

    def run(self, plan: SourcePlan, ctx: JobContext) -> WriteResult:
        request = VersionRequest(sources=plan.sources, message=self.message or "created", write_empty=True,
                                 signature=tree_signature(plan.sources, self.proxies, self.catalog_facts))
        info = write_version(self.archive, request, ctx, create=True,
                             describe=Describer(self.proxies, self.catalog_facts))
        return WriteResult(info, len(plan.sources), plan.skipped)


class CommitJob:
    """`archive add` / `archive commit`: files into a branch's tree as a new version on that branch."""

    lane = "archive"

    def __init__(self, archive: Path, paths: Sequence[Path], to: str = "", branch: str = DEFAULT_BRANCH,
                 message: str = "", remove: Sequence[str] = (), proxies: Sequence[str] = (), rehash: bool = False,
                 contents_of_folders: bool = False, catalog_facts: CatalogFacts | None = None) -> None:
        self.archive, self.paths, self.to, self.branch = Path(archive), [Path(p) for p in paths], to, branch
        self.message, self.remove, self.proxies, self.rehash = message, list(remove), tuple(proxies), rehash
        self.contents_of_folders, self.catalog_facts = contents_of_folders, catalog_facts
        self.title = f"Commit to {self.archive.name} ({branch})"

    def plan(self) -> SourcePlan:
        archive_path = self.archive.absolute()
        if not branch_listed(archive_path, self.branch):
            archive = Archive.open(self.archive)  # the full check: says what is wrong, repairs what it can
            if self.branch not in archive.branches():
                raise ArchiveError(f"{self.archive}: no branch {self.branch!r} (create it with `reelkeep archive "
                                   "branch`)")
        inside = [p for p in self.paths if Path(p).absolute().is_relative_to(archive_path)]
        if inside:
            raise ArchiveError(f"{inside[0]} is inside the archive itself; add files from outside it")
        return plan_sources(self.paths, self.to, self.contents_of_folders)

    def run(self, plan: SourcePlan, ctx: JobContext) -> WriteResult:
        signature = None
        if not self.remove and not self.rehash:
            signature = tree_signature(plan.sources, self.proxies, self.catalog_facts)
            if already_committed(self.archive.absolute(), self.branch, signature):
                return WriteResult(None, len(plan.sources), plan.skipped)
        request = VersionRequest(sources=plan.sources, remove=self.remove, branch=self.branch, message=self.message,
                                 rehash=self.rehash, on_branch_head=True, signature=signature)
        info = write_version(self.archive, request, ctx, describe=Describer(self.proxies, self.catalog_facts))
        return WriteResult(info, len(plan.sources), plan.skipped)
