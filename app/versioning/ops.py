"""Merge and garbage collection as jobs (branch creation and checkout are in their own modules; commits are
archive.jobs.CommitJob on a branch)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.archive.layout import staging_dir, version_meta_path
from app.archive.model import ArchiveError, VersionInfo
from app.archive.store import Archive
from app.archive.write import VersionRequest, archive_lock, remove_stale_staging, write_version
from app.core.job import JobContext
from app.versioning.branches import move_branch
from app.versioning.graph import is_ancestor, merge_base
from app.versioning.merge import Conflict, MergeDescriber, MergeResult, three_way


class MergeConflicts(ArchiveError):
    """Both sides changed paths differently and no side was chosen for them."""

    def __init__(self, source: str, target: str, conflicts: list[Conflict]) -> None:
        lines = "\n".join(f"  CONFLICT {c.path}: {c.kind}" for c in conflicts)
        super().__init__(f"merging {source} into {target}: {len(conflicts)} conflict(s); nothing was written\n"
                         f"{lines}\nchoose a side per path with --take PATH=ours|theirs, or --prefer ours|theirs")
        self.conflicts = conflicts


@dataclass(frozen=True)
class MergePlan:
    source: str  # the version merged in
    target_branch: str
    target: str  # its head
    base: str | None
    fast_forward: bool
    up_to_date: bool
    result: MergeResult | None = None


@dataclass(frozen=True)
class MergeOutcome:
    plan: MergePlan
    version: VersionInfo | None = None


class MergeJob:
    lane = "archive"

    def __init__(self, archive: Path, source: str, into: str, take: Mapping[str, str] | None = None,
                 prefer: str | None = None, message: str = "", no_ff: bool = False) -> None:
        self.archive, self.source, self.into = Path(archive), source, into
        self.take, self.prefer, self.message, self.no_ff = dict(take or {}), prefer, message, no_ff
        self.title = f"Merge {source} into {into}"

    def plan(self) -> MergePlan:
        archive = Archive.open(self.archive)
        if self.into not in archive.branches():
            raise ArchiveError(f"{self.into!r} is not a branch; merge --into names the branch that receives the merge")
        source, target = archive.resolve(self.source), archive.branches()[self.into].head
        base = merge_base(archive, source, target)
        if is_ancestor(archive, source, target):
            return MergePlan(source, self.into, target, base, False, True)
        if is_ancestor(archive, target, source) and not self.no_ff:
            return MergePlan(source, self.into, target, base, True, False)
        result = three_way(archive.state(base) if base else {}, archive.state(target), archive.state(source),
                           self.take, self.prefer)
        if result.conflicts:
            raise MergeConflicts(self.source, self.into, result.conflicts)
        return MergePlan(source, self.into, target, base, False, False, result)

    def run(self, plan: MergePlan, ctx: JobContext) -> MergeOutcome:
        if plan.up_to_date:
            return MergeOutcome(plan)
        if plan.fast_forward:
            move_branch(self.archive, plan.target_branch, plan.source)
            return MergeOutcome(plan)
        assert plan.result is not None
        archive = Archive.open(self.archive)
        if archive.branches()[plan.target_branch].head != plan.target:
            raise ArchiveError(f"branch {plan.target_branch} moved while merging; run the merge again")
        request = VersionRequest(base=plan.target, state=plan.result.state, parents=(plan.target, plan.source),
                                 branch=plan.target_branch,
                                 message=self.message or f"merge {self.source} into {plan.target_branch}")
        info = write_version(self.archive, request, ctx,
                             describe=MergeDescriber(archive, plan.target, plan.source, plan.result.state))
        return MergeOutcome(plan, info)


@dataclass
class GcReport:
    removed: list[str] = field(default_factory=list)
    bytes: int = 0


def collect_garbage(archive_path: Path, dry_run: bool, ctx: JobContext) -> GcReport:
    """Remove what no version references: staging folders of dead writers, content files an interrupted write
    left outside the manifest, version folders and records beyond the head. Versions themselves are immutable in
    OCFL, so content a version still lists is never removed. Memory: the manifest's paths, nothing per file."""
    report = GcReport()
    with archive_lock(Path(archive_path)):
        archive = Archive.open(archive_path)
        head = int(archive.head[1:])
        known = {path for paths in archive.inventory["manifest"].values() for path in paths}
        if not dry_run:
            remove_stale_staging(archive.path)
        elif staging_dir(archive.path).is_dir():
            report.removed.extend(str(p.relative_to(archive.path)) for p in staging_dir(archive.path).iterdir())
        for entry in sorted(archive.path.iterdir()):
            ctx.cancel.check()
            if not (entry.is_dir() and entry.name[:1] == "v" and entry.name[1:].isdigit()):
                continue
            if int(entry.name[1:]) > head:
                _remove(entry, archive.path, dry_run, report)
                continue
            for root, _dirs, files in os.walk(entry / "content"):
                for name in files:
                    path = Path(root) / name
                    if str(path.relative_to(archive.path)) not in known:
                        _remove(path, archive.path, dry_run, report)
        records = version_meta_path(archive.path, "v1").parent
        for record in sorted(records.glob("v*.json")) if records.is_dir() else []:
            if record.stem[1:].isdigit() and int(record.stem[1:]) > head:
                _remove(record, archive.path, dry_run, report)
    return report


def _remove(path: Path, root: Path, dry_run: bool, report: GcReport) -> None:
    report.removed.append(str(path.relative_to(root)))
    if path.is_dir():
        report.bytes += sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        if not dry_run:
            shutil.rmtree(path)
    else:
        report.bytes += path.stat().st_size
        if not dry_run:
            path.unlink()


class GcJob:
    lane = "archive"

    def __init__(self, archive: Path, dry_run: bool = False) -> None:
        self.archive, self.dry_run = Path(archive), dry_run
        self.title = f"Clean up {self.archive.name}"

    def plan(self) -> Path:
        return self.archive

    def run(self, plan: Path, ctx: JobContext) -> GcReport:
        return collect_garbage(plan, self.dry_run, ctx)
