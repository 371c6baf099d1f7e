"""An archive version as a source of a tape plan: a real archive of two versions with an embedded proxy, v2 planned
onto small simulated cartridges (a file spanning two), written, restored from the catalog, and compared byte for
byte with the version unpacked by the archive; the version's ASC MHL on tape checked by ascmhl-debug."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from app.archive.jobs import CommitJob, CreateArchiveJob
from app.archive.store import Archive
from app.catalog.catalog import Catalog
from app.core.job import JobContext, execute
from app.tape.jobs import PlanTapesJob, WritePlanJob
from app.tape.offline import import_volume
from app.tape.plan_archive import ArchiveSource, archive_items, parse_source
from app.tape.plan_walk import FILE, FOLDER
from app.tape.profiles import LTO9, TapeError
from app.tape.recall import RecallJob
from app.tape.simulated import SimulatedTape
from tests.archive_oracles import ASCMHL_DEBUG
from tests.media.clips import make_clip

BLOCK = 64 << 10
CAPACITY = 3_000_000


def two_versions(tmp_path: Path) -> Path:
    """v1: a clip with a thumbnail proxy, a large file and a grade; v2: the grade changed and a VFX folder."""
    src = tmp_path / "project"
    (src / "A001").mkdir(parents=True)
    make_clip(src / "A001" / "A001C001.mov", rate="24000/1001", frames=24, start_tc="01:00:00:00")
    (src / "A001" / "A001C002.bin").write_bytes(os.urandom(2_200_000))  # spans two cartridges
    (src / "grade.cdl").write_text("<cdl>base</cdl>\n")
    archive = tmp_path / "Show Archive"
    created = execute(CreateArchiveJob(src, archive, proxies=["thumbnail"], message="ingest"), JobContext())
    assert created.ok, created.message
    (src / "grade.cdl").write_text("<cdl>second pass</cdl>\n")
    (src / "vfx").mkdir()
    (src / "vfx" / "sh010.exr").write_bytes(os.urandom(30_000))
    committed = execute(CommitJob(archive, [src], contents_of_folders=True, message="grade",
                                     proxies=["thumbnail"]), JobContext())
    assert committed.ok, committed.message
    return archive


def test_a_version_is_planned_in_tape_order_from_where_the_archive_stores_it(tmp_path: Path) -> None:
    archive_path = two_versions(tmp_path)
    archive = Archive.open(archive_path)
    state = archive.state("v2")
    assert ".reelkeep/proxies/thumbnail/A001/A001C001.mov.mp4" in state
    items = list(archive_items(ArchiveSource(archive_path, "main"), "", tmp_path / "sources"))
    assert items[0].path == "Show Archive" and items[1].path == "Show Archive/v2"
    files = {i.path.removeprefix("Show Archive/v2/"): i for i in items if i.kind == FILE}
    for logical, digest in state.items():  # every file of the version, read where it is stored
        assert files[logical].source == str(archive.content_file(digest))
        assert files[logical].size == archive.size_of(digest)
    assert files["grade.cdl"].source.startswith(str(archive_path / "v2" / "content"))
    assert files["A001/A001C001.mov"].source.startswith(str(archive_path / "v1" / "content"))
    assert {p for p in files if p.startswith("ascmhl/")} >= {"ascmhl/ascmhl_chain.xml"}
    assert all(files[p].source.startswith(str(tmp_path / "sources")) for p in files if p.startswith("ascmhl/"))
    # tape order: each folder's files by name right after it, then its folders by name
    folders = [i.path for i in items if i.kind == FOLDER]
    current = ""
    for item in items:
        if item.kind == FOLDER:
            current = item.path
        else:
            assert item.path.rpartition("/")[0] == current, item.path
    for folder in folders:
        children = [p for p in folders if p.rpartition("/")[0] == folder]
        assert children == sorted(children)
    assert [p.rpartition("/")[2] for p in folders if p.count("/") == 2] == [".reelkeep", "A001", "ascmhl", "vfx"]


def test_sources_that_name_no_version_say_what_exists(tmp_path: Path) -> None:
    archive = two_versions(tmp_path)
    assert parse_source(f"{archive}@v2") == ArchiveSource(archive, "v2")
    odd = tmp_path / "cards@2"
    odd.mkdir()
    assert parse_source(str(odd)) == odd  # a folder whose name holds an @ stays a folder
    for source, expected in ((ArchiveSource(archive, "v9"), "no version or branch 'v9' (branches: main; versions "
                                                            "v1…v2)"),
                             (ArchiveSource(odd, "v1"), "is not an archive")):
        job = PlanTapesJob([source], tmp_path / "plan", LTO9, CAPACITY, block_size=BLOCK)
        with pytest.raises(TapeError, match=expected.replace("(", r"\(").replace(")", r"\)")):
            job.plan()


def test_a_version_planned_written_and_restored_equals_the_version(tmp_path: Path) -> None:
    archive_path = two_versions(tmp_path)
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "notes.txt").write_text("beside the archive\n")
    job = PlanTapesJob([ArchiveSource(archive_path, "v2"), folder], tmp_path / "plan", LTO9, CAPACITY,
                       block_size=BLOCK)
    planned = execute(job, JobContext())
    assert planned.ok, planned.message
    plan = planned.value
    assert len(plan.tapes) == 2 and sum(t.spanned for t in plan.tapes) == 2
    shelf = tmp_path / "shelf"
    written = execute(WritePlanJob(plan.folder, f"file:{shelf}/{{barcode}}"), JobContext())
    assert written.ok, written.message

    catalog = Catalog(tmp_path / "c.db")
    try:
        for tape in plan.tapes:
            import_volume(catalog, SimulatedTape.open(shelf / plan.barcode("A", tape.number)))
        back = tmp_path / "back"
        restored = execute(RecallJob(catalog, ["Show Archive/v2", "plain"], back, f"file:{shelf}/{{barcode}}"),
                           JobContext())
        assert restored.ok, restored.message
        assert not restored.value.problems
    finally:
        catalog.close()
    version = back / "Show Archive" / "v2"
    archive = Archive.open(archive_path)
    for item in archive.files("v2", include_reserved=True):  # the version's logical files, byte for byte
        assert (version / item.logical_path).read_bytes() == item.content_path.read_bytes(), item.logical_path
    on_disk = {str(p.relative_to(version)) for p in version.rglob("*") if p.is_file()}
    assert {p for p in on_disk if not p.startswith("ascmhl/")} == set(archive.state("v2"))
    assert (back / "plain" / "notes.txt").read_text() == "beside the archive\n"

    checked = subprocess.run([ASCMHL_DEBUG, "verify", str(version)], capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    damaged = version / "A001" / "A001C002.bin"  # the file that spanned two tapes
    data = bytearray(damaged.read_bytes())
    data[-1] ^= 1
    damaged.write_bytes(bytes(data))
    checked = subprocess.run([ASCMHL_DEBUG, "verify", str(version)], capture_output=True, text=True, timeout=120)
    assert checked.returncode != 0 and "A001C002.bin" in checked.stdout + checked.stderr
