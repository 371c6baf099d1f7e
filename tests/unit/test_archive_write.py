"""Archives written for real: checked by the OCFL and ASC MHL reference tools, deduplicated by bytes on disk,
metadata and proxies embedded, unchanged files not read again."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from app.archive.jobs import CommitJob, CreateArchiveJob
from app.archive.layout import check_logical_path
from app.archive.model import CATALOG_JSON, ArchiveError
from app.archive.store import Archive
from app.core.job import JobContext, execute
from tests.archive_oracles import assert_archive_sound, commit, create_archive
from tests.media import make_clip
from tests.media.clips import decode_indexes, read_start_timecode


def _stored_bytes(archive: Path) -> int:
    return sum(f.stat().st_size for v in archive.glob("v*/content") for f in v.rglob("*") if f.is_file()
               and "ascmhl" not in f.parts and ".reelkeep" not in f.parts)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    src = tmp_path / "project"
    (src / "A001").mkdir(parents=True)
    make_clip(src / "A001" / "A001C001.mov", rate="24000/1001", frames=24, start_tc="01:00:00:00")
    make_clip(src / "A001" / "A001C002.mov", rate="25", frames=20, start_tc="10:00:00:00")
    (src / "docs").mkdir()
    (src / "docs" / "notes ünïcødé.txt").write_text("call sheet\n", encoding="utf-8")
    return src


def test_create_writes_an_ocfl_object_with_an_mhl_and_metadata(project: Path, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    result = create_archive(project, archive, proxies=["preview"], message="day 1")
    assert result.version is not None and result.version.name == "v1"
    assert_archive_sound(archive)
    opened = Archive.open(archive)
    assert [f.logical_path for f in opened.files()] == [
        "A001/A001C001.mov", "A001/A001C002.mov", "docs/notes ünïcødé.txt"]
    assert opened.file("A001/A001C001.mov").content_path == archive / "v1/content/A001/A001C001.mov"
    assert opened.version("v1").message == "day 1"
    assert opened.branches()["main"].head == "v1"
    meta = opened.metadata()
    clip = meta["A001/A001C002.mov"]
    assert clip["probe"]["frame_rate"] == "25/1" and clip["probe"]["frame_count"] == 20
    assert clip["probe"]["start_timecode"] == "10:00:00:00"
    proxy = opened.file(clip["proxies"]["preview"])
    assert decode_indexes(proxy.content_path) == list(range(20))  # frame-exact proxy, embedded
    assert read_start_timecode(proxy.content_path) == "10:00:00:00"
    assert opened.file(clip["poster"]).size > 0
    assert "docs/notes ünïcødé.txt" not in meta  # not media


def test_identical_content_is_stored_once(project: Path, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    create_archive(project, archive)
    before = _stored_bytes(archive)
    copy = tmp_path / "copy.mov"
    copy.write_bytes((project / "A001" / "A001C001.mov").read_bytes())
    result = commit(archive, [copy], to="selects")
    assert result.version is not None and result.version.name == "v2"
    assert _stored_bytes(archive) == before  # the same bytes under a new name cost nothing
    opened = Archive.open(archive)
    assert opened.file("selects/copy.mov").digest == opened.file("A001/A001C001.mov").digest
    assert_archive_sound(archive)


def test_unchanged_sources_are_not_read_again(project: Path, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    create_archive(project, archive)
    note = project / "docs" / "notes ünïcødé.txt"
    assert commit(archive, [project], contents_of_folders=True).version is None  # nothing changed
    # Same size, same inode, same mtime: the cache vouches for it and the bytes are not read (documented);
    # --rehash reads them and finds the change.
    st = note.stat()
    with open(note, "r+b") as handle:
        handle.write(b"CALL")
    os.utime(note, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert commit(archive, [project], contents_of_folders=True).version is None
    result = commit(archive, [project], contents_of_folders=True, rehash=True)
    assert result.version is not None
    assert Archive.open(archive).file("docs/notes ünïcødé.txt").content_path.read_bytes() == b"CALL sheet\n"
    assert_archive_sound(archive)


def test_a_touched_file_is_hashed_again(project: Path, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    create_archive(project, archive)
    note = project / "docs" / "notes ünïcødé.txt"
    note.write_text("new call sheet\n", encoding="utf-8")
    result = commit(archive, [project], contents_of_folders=True, message="notes")
    assert result.version is not None
    opened = Archive.open(archive)
    assert opened.file("docs/notes ünïcødé.txt", "v1").content_path.read_text(encoding="utf-8") == "call sheet\n"
    assert opened.file("docs/notes ünïcødé.txt").content_path.read_text(encoding="utf-8") == "new call sheet\n"
    assert opened.version("v2").parents == ("v1",)


def test_metadata_and_proxies_carry_over_without_new_encodes(project: Path, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    create_archive(project, archive, proxies=["thumbnail"])
    first = Archive.open(archive)
    proxy_digest = first.state()[first.metadata()["A001/A001C001.mov"]["proxies"]["thumbnail"]]
    extra = tmp_path / "extra.txt"
    extra.write_text("x")
    commit(archive, [extra], proxies=["thumbnail"])
    second = Archive.open(archive)
    assert second.metadata()["A001/A001C001.mov"] == first.metadata()["A001/A001C001.mov"]
    assert second.state()[second.metadata()["A001/A001C001.mov"]["proxies"]["thumbnail"]] == proxy_digest
    assert not list((archive / "v2" / "content").rglob("*.mp4"))  # nothing re-encoded or stored again
    catalog = json.loads(second.file(CATALOG_JSON, "v2").content_path.read_text(encoding="utf-8"))
    assert catalog["format"] == 1 and set(catalog["files"]) == {"A001/A001C001.mov", "A001/A001C002.mov"}


def test_bad_sources_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / os.fsdecode(b"bad-\xff.mov")).write_bytes(b"x")
    outcome = execute(CreateArchiveJob(src, tmp_path / "a"), JobContext())
    assert not outcome.ok and "not valid UTF-8" in outcome.message
    assert not (tmp_path / "a").exists()
    nested = execute(CreateArchiveJob(src, src / "inside"), JobContext())
    assert not nested.ok and "inside the folder it archives" in nested.message


def test_an_existing_folder_is_not_overwritten(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    outcome = execute(CreateArchiveJob(project, target), JobContext())
    assert not outcome.ok and "not empty" in outcome.message
    assert (target / "keep.txt").read_text() == "mine" and sorted(p.name for p in target.iterdir()) == ["keep.txt"]


def test_names_and_removals(project: Path, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    create_archive(project, archive)
    outcome = execute(CommitJob(archive, [], remove=["nope.txt"]), JobContext())
    assert not outcome.ok and "nothing to remove" in outcome.message
    result = commit(archive, [], remove=["docs/notes ünïcødé.txt"])
    assert result.version is not None
    assert "docs/notes ünïcødé.txt" not in {f.logical_path for f in Archive.open(archive).files()}
    with pytest.raises(ArchiveError, match="Reelkeep's own"):
        check_logical_path(".reelkeep/x")
    for bad in ("../x", "/abs", "a//b", "a/./b", "a\\b"):
        with pytest.raises(ArchiveError):
            check_logical_path(bad)
    assert check_logical_path("cafe\u0301.mov") == "caf\u00e9.mov"  # stored NFC
