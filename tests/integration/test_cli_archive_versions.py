"""Branches, commits, log, diff, merge, checkout and gc on real archives, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.archive.store import Archive
from tests.archive_oracles import assert_archive_sound
from tests.integration.test_cli import reelkeep
from tests.media import make_clip


def _archive_files(archive: Path) -> dict[str, int]:
    return {str(p.relative_to(archive)): p.stat().st_size for p in archive.rglob("*") if p.is_file()}


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    src = tmp_path / "project"
    (src / "A001").mkdir(parents=True)
    make_clip(src / "A001" / "A001C001.mov", rate="24000/1001", frames=24, start_tc="01:00:00:00")
    (src / "grade.cdl").write_text("<cdl>base</cdl>\n")
    (src / "edit.xml").write_text("<edit/>\n")
    target = tmp_path / "archive"
    reelkeep("archive", "create", str(src), str(target), "-m", "ingest", catalog=tmp_path / "c.db")
    return target


def run(archive: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return reelkeep("archive", *args, catalog=archive.parent / "c.db", check=check)


def _file(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_branch_is_a_pointer_and_copies_nothing(archive: Path) -> None:
    before = _archive_files(archive)
    out = run(archive, "branch", str(archive), "color-grade-v2", "--description", "second grade pass").stdout
    assert "branch color-grade-v2 created at v1" in out
    after = _archive_files(archive)
    changed = {p for p in after if before.get(p) != after[p]}
    assert changed == {"extensions/reelkeep/branches.json"}  # a few bytes of metadata, no content
    listing = run(archive, "branch", str(archive), "--list").stdout
    assert "color-grade-v2" in listing and "second grade pass" in listing
    duplicate = run(archive, "branch", str(archive), "color-grade-v2", check=False)
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    unknown = run(archive, "branch", str(archive), "x", "--from", "v9", check=False)
    assert unknown.returncode == 1 and "no version or branch 'v9'" in unknown.stderr


def test_commit_log_diff_and_a_clean_merge(archive: Path, tmp_path: Path) -> None:
    run(archive, "branch", str(archive), "grade")
    grade = _file(tmp_path / "work", "grade.cdl", "<cdl>warmer</cdl>\n")
    run(archive, "commit", str(archive), "--branch", "grade", str(grade), "-m", "warmer grade")
    vfx = _file(tmp_path / "work2", "shot010.exr", "pixels")
    run(archive, "commit", str(archive), "--branch", "main", str(vfx), "--to", "vfx", "-m", "vfx")
    log = json.loads(run(archive, "log", str(archive), "--branch", "grade", "--json").stdout)
    assert [(r["version"], r["message"]) for r in log] == [("v2", "warmer grade"), ("v1", "ingest")]
    diff = json.loads(run(archive, "diff", str(archive), "main", "grade", "--json").stdout)
    assert diff["modified"] == ["grade.cdl"] and diff["removed"] == ["vfx/shot010.exr"] and diff["added"] == []
    merged = run(archive, "merge", str(archive), "grade", "--into", "main").stdout
    assert "as v4 (parents v3 + v2, common ancestor v1)" in merged
    opened = Archive.open(archive)
    assert opened.version("v4").parents == ("v3", "v2")
    state = opened.state("main")
    assert opened.content_file(state["grade.cdl"]).read_text() == "<cdl>warmer</cdl>\n"
    assert "vfx/shot010.exr" in state
    assert opened.metadata("main")["A001/A001C001.mov"]["probe"]["frame_count"] == 24  # metadata merged too
    assert not (archive / "v4" / "content").exists()  # the merge stored no bytes
    assert "already contains" in run(archive, "merge", str(archive), "grade", "--into", "main").stdout
    assert_archive_sound(archive)


def test_conflicts_are_listed_and_nothing_is_written_until_resolved(archive: Path, tmp_path: Path) -> None:
    run(archive, "branch", str(archive), "grade")
    run(archive, "commit", str(archive), "--branch", "grade", str(_file(tmp_path / "g", "grade.cdl", "<cdl>g</cdl>")))
    run(archive, "commit", str(archive), "--branch", "main", str(_file(tmp_path / "m", "grade.cdl", "<cdl>m</cdl>")))
    removed = run(archive, "remove", str(archive), "edit.xml", "--branch", "main")
    assert "1 removed;" in removed.stdout
    run(archive, "commit", str(archive), "--branch", "grade", str(_file(tmp_path / "e", "edit.xml", "<edit v2/>")))
    before = _archive_files(archive)
    refused = run(archive, "merge", str(archive), "grade", "--into", "main", check=False)
    assert refused.returncode == 1
    assert "CONFLICT grade.cdl: modified on both sides" in refused.stderr
    assert "CONFLICT edit.xml: modified on one side, removed on the other" in refused.stderr
    assert _archive_files(archive) == before
    resolved = run(archive, "merge", str(archive), "grade", "--into", "main", "--take", "grade.cdl=theirs",
                   "--prefer", "ours").stdout
    assert "resolved grade.cdl: took theirs" in resolved and "resolved edit.xml: took ours" in resolved
    opened = Archive.open(archive)
    state = opened.state("main")
    assert opened.content_file(state["grade.cdl"]).read_text() == "<cdl>g</cdl>" and "edit.xml" not in state
    assert_archive_sound(archive)


def test_fast_forward_and_renames_in_diff(archive: Path) -> None:
    run(archive, "branch", str(archive), "tidy")
    moved = archive.parent / "moved"
    moved.mkdir()
    (moved / "edit.xml").write_bytes((archive / "v1/content/edit.xml").read_bytes())
    run(archive, "commit", str(archive), "--branch", "tidy", str(moved / "edit.xml"), "--to", "editorial",
        "--remove", "edit.xml")
    diff = run(archive, "diff", str(archive), "main", "tidy").stdout
    assert "R  edit.xml -> editorial/edit.xml" in diff
    out = run(archive, "merge", str(archive), "tidy", "--into", "main").stdout
    assert "fast-forward: main moved from v1 to v2" in out
    assert Archive.open(archive).branches()["main"].head == "v2"


def test_checkout_copies_and_verifies_on_its_own(archive: Path, tmp_path: Path) -> None:
    dest = tmp_path / "checkout"
    out = run(archive, "checkout", str(archive), "--branch", "main", str(dest)).stdout
    assert "3 files" in out
    assert sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file() and "ascmhl" not in p.parts) == [
        "A001/A001C001.mov", "edit.xml", "grade.cdl"]
    assert os.stat(dest / "grade.cdl").st_ino != os.stat(archive / "v1/content/grade.cdl").st_ino  # no hard link
    from tests.archive_oracles import assert_mhl_verifies

    assert_mhl_verifies(dest)
    again = run(archive, "checkout", str(archive), "--version", "v1", str(dest), check=False)
    assert again.returncode == 1 and "not an empty folder" in again.stderr


@pytest.fixture
def xfs(tmp_path: Path) -> Iterator[Path]:
    """A real XFS filesystem with reflink (a loop-mounted image; the suite runs as root)."""
    image, mount = tmp_path / "xfs.img", tmp_path / "xfs"
    mount.mkdir()
    with open(image, "wb") as handle:
        handle.truncate(320 << 20)
    subprocess.run(["mkfs.xfs", "-q", "-m", "reflink=1", str(image)], check=True)
    mounted = subprocess.run(["mount", "-o", "loop", str(image), str(mount)], capture_output=True, text=True)
    assert mounted.returncode == 0, f"this test loop-mounts an XFS image and needs root: {mounted.stderr}"
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def test_checkout_on_xfs_shares_extents(tmp_path: Path, xfs: Path) -> None:
    src = tmp_path / "big"
    src.mkdir()
    (src / "plate.dpx").write_bytes(os.urandom(8 << 20))
    archive = xfs / "archive"
    reelkeep("archive", "create", str(src), str(archive), catalog=tmp_path / "c.db")
    out = reelkeep("archive", "checkout", str(archive), "--version", "v1", str(xfs / "co"),
                   catalog=tmp_path / "c.db").stdout
    assert "1 as copy-on-write clones" in out
    frag = subprocess.run(["filefrag", "-v", str(xfs / "co" / "plate.dpx")], capture_output=True, text=True).stdout
    assert "shared" in frag
    with open(xfs / "co" / "plate.dpx", "r+b") as handle:  # an edit of the checkout never reaches the archive
        handle.write(b"EDITED")
    assert (archive / "v1/content/plate.dpx").read_bytes()[:6] != b"EDITED"
    assert_archive_sound(archive)


def test_gc_removes_leftovers_only(archive: Path) -> None:
    orphan = archive / "v1" / "content" / "orphan.bin"
    orphan.write_bytes(b"left by an interrupted tool")
    stale = archive / "extensions/reelkeep/staging/v2.999999"
    stale.mkdir(parents=True)
    (stale / "x").write_bytes(b"x")
    dry = run(archive, "gc", str(archive), "--dry-run").stdout
    assert "would remove v1/content/orphan.bin" in dry and orphan.exists()
    out = run(archive, "gc", str(archive)).stdout
    assert "removed v1/content/orphan.bin" in out and not orphan.exists() and not stale.exists()
    assert_archive_sound(archive)
