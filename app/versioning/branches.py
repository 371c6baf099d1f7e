"""Branches are named pointers to versions in extensions/reelkeep/branches.json: creating one writes that small
file and copies no content, whatever the size of the project."""

from __future__ import annotations

import re
from pathlib import Path

from app.archive.layout import branches_path, utc_now, write_json_atomic
from app.archive.lock import archive_lock
from app.archive.model import ArchiveError
from app.archive.store import Archive, BranchInfo, read_refs

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*")


def check_branch_name(name: str) -> str:
    """Names as git allows them, minus what would be ambiguous here (a name like v3 reads as a version)."""
    if not _NAME.fullmatch(name) or ".." in name or name.endswith((".", ".lock", "/")) or len(name) > 100:
        raise ArchiveError(f"{name!r} is not a usable branch name: letters, digits, '.', '_', '-' and '/' "
                           "between parts, starting with a letter or digit, at most 100 characters")
    if re.fullmatch(r"v[0-9]+", name):
        raise ArchiveError(f"{name!r} would read as a version number; choose another branch name")
    return name


def save_branches(archive_path: Path, branches: dict[str, BranchInfo]) -> None:
    write_json_atomic(branches_path(archive_path), {
        b.name: {"head": b.head, "description": b.description, "created": b.created}
        for b in sorted(branches.values(), key=lambda b: b.name)})


def create_branch(archive_path: Path, name: str, start: str | None = None, description: str = "") -> BranchInfo:
    """A new branch at `start` (a version or branch; default: head of main)."""
    check_branch_name(name)
    with archive_lock(Path(archive_path)):
        refs = read_refs(archive_path)  # no inventory read: the same time whatever the archive holds
        branches = dict(refs.branches)
        if name in branches:
            raise ArchiveError(f"branch {name!r} already exists (at {branches[name].head})")
        branch = BranchInfo(name, refs.resolve(start), description, utc_now())
        branches[name] = branch
        save_branches(refs.path, branches)
        return branch


def move_branch(archive_path: Path, name: str, version: str) -> None:
    """Point a branch at another version (a fast-forward merge)."""
    with archive_lock(Path(archive_path)):
        archive = Archive.open(archive_path)
        branches = archive.branches()
        old = branches[name]
        branches[name] = BranchInfo(name, version, old.description, old.created)
        save_branches(archive.path, branches)
