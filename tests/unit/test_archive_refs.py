"""Branches without the inventory (app/archive/store.read_refs): creating a branch reads only the version folders
and branches.json, and still finishes a branch move that a killed writer left undone, as Archive.open does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.archive.layout import INVENTORY, branches_path
from app.archive.model import ArchiveError
from app.archive.store import Archive, read_refs
from app.versioning.branches import create_branch
from tests.archive_oracles import commit, create_archive


def test_refs_match_the_full_open_and_finish_an_interrupted_branch_move(tmp_path: Path) -> None:
    source = tmp_path / "project"
    source.mkdir()
    (source / "edit.xml").write_text("<edit/>")
    archive = tmp_path / "archive"
    create_archive(source, archive)
    create_branch(archive, "grade")
    (tmp_path / "grade.cdl").write_text("<cdl/>")
    commit(archive, [tmp_path / "grade.cdl"], branch="grade")  # v2 on grade
    # a writer killed after v2's commit point, before it moved the branch: grade still names v1
    listed = json.loads(branches_path(archive).read_text())
    listed["grade"]["head"] = "v1"
    branches_path(archive).write_text(json.dumps(listed))
    (archive / INVENTORY).rename(archive / "inventory.moved")  # the root inventory is not read at all
    refs = read_refs(archive, repair=False)
    assert refs.versions == ("v1", "v2") and refs.head == "v2"
    assert refs.branches["grade"].head == "v2" and refs.branches["main"].head == "v1"
    assert refs.resolve("grade") == "v2" and refs.resolve(None) == "v1" and refs.resolve("v1") == "v1"
    with pytest.raises(ArchiveError, match="no version or branch 'colour'"):
        refs.resolve("colour")
    assert json.loads(branches_path(archive).read_text())["grade"]["head"] == "v1"  # repair=False wrote nothing

    branch = create_branch(archive, "grade-v2", "grade")
    assert branch.head == "v2"
    assert json.loads(branches_path(archive).read_text())["grade"]["head"] == "v2"  # the move, finished
    (archive / "inventory.moved").rename(archive / INVENTORY)
    opened = Archive.open(archive)
    assert opened.branches() == read_refs(archive).branches
    with pytest.raises(ArchiveError, match="already exists"):
        create_branch(archive, "grade", "v1")


def test_a_folder_that_is_no_archive_gets_the_full_open_error(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(ArchiveError, match="is not an archive"):
        read_refs(tmp_path / "plain")
    with pytest.raises(ArchiveError, match="is not an archive"):
        create_branch(tmp_path / "plain", "grade")
