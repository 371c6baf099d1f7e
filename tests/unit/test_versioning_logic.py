"""Diff and three-way merge on plain states: what a user sees listed, and that conflicts are never decided
silently."""

from __future__ import annotations

import pytest

from app.archive.model import ArchiveError
from app.versioning.branches import check_branch_name
from app.versioning.diff import diff_states
from app.versioning.merge import three_way


def test_diff_lists_added_removed_modified_and_renamed() -> None:
    old = {"a.mov": "1", "b.mov": "2", "c.wav": "3", "dir/x.txt": "4", ".reelkeep/catalog.json": "9"}
    new = {"a.mov": "1", "b.mov": "22", "moved/x.txt": "4", "renamed.wav": "3", "d.txt": "5",
           ".reelkeep/catalog.json": "10"}
    diff = diff_states(old, new)
    assert diff.added == ["d.txt"]
    assert diff.removed == []
    assert diff.modified == ["b.mov"]
    assert diff.renamed == [("c.wav", "renamed.wav"), ("dir/x.txt", "moved/x.txt")]
    assert diff_states(old, new, include_reserved=True).modified == [".reelkeep/catalog.json", "b.mov"]


def test_renames_pair_one_to_one_and_prefer_the_same_name() -> None:
    old = {"a/clip.mov": "1", "b/clip.mov": "1"}
    new = {"c/clip.mov": "1", "copy.mov": "1", "d/clip.mov": "1"}
    diff = diff_states(old, new)
    assert diff.renamed == [("a/clip.mov", "c/clip.mov"), ("b/clip.mov", "copy.mov")]
    assert diff.added == ["d/clip.mov"] and diff.removed == []


def test_clean_three_way_merge_takes_each_sides_change() -> None:
    base = {"keep": "k", "ours-edit": "1", "theirs-edit": "2", "ours-rm": "3", "theirs-rm": "4", "same": "5"}
    ours = {"keep": "k", "ours-edit": "1b", "theirs-edit": "2", "theirs-rm": "4", "same": "5x", "new-ours": "o"}
    theirs = {"keep": "k", "ours-edit": "1", "theirs-edit": "2b", "ours-rm": "3", "same": "5x", "new-theirs": "t"}
    result = three_way(base, ours, theirs)
    assert result.conflicts == []
    assert result.state == {"keep": "k", "ours-edit": "1b", "theirs-edit": "2b", "same": "5x", "new-ours": "o",
                            "new-theirs": "t"}


def test_conflicts_are_listed_and_resolved_only_when_asked() -> None:
    base = {"grade.cdl": "1", "edit.xml": "2"}
    ours = {"grade.cdl": "1a", "new.txt": "x"}
    theirs = {"grade.cdl": "1b", "edit.xml": "2b", "new.txt": "y"}
    result = three_way(base, ours, theirs)
    assert [(c.path, c.kind) for c in result.conflicts] == [
        ("edit.xml", "modified on one side, removed on the other"),
        ("grade.cdl", "modified on both sides"),
        ("new.txt", "added on both sides with different content")]
    assert "grade.cdl" not in result.state
    resolved = three_way(base, ours, theirs, take={"grade.cdl": "theirs"}, prefer="ours")
    assert resolved.conflicts == []
    assert resolved.state == {"grade.cdl": "1b", "new.txt": "x"}  # edit.xml: ours removed it
    assert resolved.resolved == {"grade.cdl": "theirs", "edit.xml": "ours", "new.txt": "ours"}
    with pytest.raises(ArchiveError, match="not in conflict"):
        three_way(base, ours, theirs, take={"nope": "ours"}, prefer="ours")


@pytest.mark.parametrize("name", ["color-grade-v2", "feature/vfx_01", "v2.1"])
def test_good_branch_names(name: str) -> None:
    assert check_branch_name(name) == name


@pytest.mark.parametrize("name", ["", "-x", "a..b", "v3", "a b", "x.lock", "a//b", "ä"])
def test_bad_branch_names(name: str) -> None:
    with pytest.raises(ArchiveError):
        check_branch_name(name)
