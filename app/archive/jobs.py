"""Archive jobs (plan, then run; the CLI and the GUI run the same ones): create, add/commit, verify."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.archive.layout import check_logical_path
from app.archive.metadata import CatalogFacts, Describer
from app.archive.model import DEFAULT_BRANCH, ArchiveError, VersionInfo
from app.archive.store import Archive, branch_listed
from app.archive.write import SourceFile, VersionRequest, write_version
from app.core.job import JobContext


@dataclass(frozen=True)
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
    sources: list[SourceFile] = []
    skipped: list[str] = []
    total = 0
    for path in paths:
        path = Path(path).absolute()
        try:
            info = path.stat()
        except OSError as exc:
            raise ArchiveError(f"{path}: {exc.strerror or exc}") from None
        if stat.S_ISREG(info.st_mode):
            sources.append(SourceFile(path, check_logical_path(prefix + _logical([path.name])), stat=info))
            total += info.st_size
            continue
        if not stat.S_ISDIR(info.st_mode):
            raise ArchiveError(f"{path} is not a regular file or folder (a FIFO, socket or device cannot be stored)")
        top = [] if contents_of_folders else [path.name]
        for root, dirs, files in os.walk(os.fsencode(path), onerror=_raise):
            dirs.sort()
            relative = os.path.relpath(root, os.fsencode(path))
            parts = [] if relative == b"." else relative.split(b"/")
            for name in sorted(files):
                full = os.path.join(root, name)
                try:
                    entry = os.stat(full)
                except OSError as exc:
                    raise ArchiveError(f"{os.fsdecode(full)}: {exc.strerror or exc}") from None
                if not stat.S_ISREG(entry.st_mode):
                    skipped.append(f"{os.fsdecode(full)}: not a regular file")
                    continue
                logical = check_logical_path(prefix + _logical([*top, *parts, name]))
                sources.append(SourceFile(os.fsdecode(full), logical, stat=entry))
                total += entry.st_size
    return SourcePlan(sources, skipped, total)


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
        request = VersionRequest(sources=plan.sources, message=self.message or "created", write_empty=True)
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
        request = VersionRequest(sources=plan.sources, remove=self.remove, branch=self.branch, message=self.message,
                                 rehash=self.rehash, on_branch_head=True)
        info = write_version(self.archive, request, ctx, describe=Describer(self.proxies, self.catalog_facts))
        return WriteResult(info, len(plan.sources), plan.skipped)
