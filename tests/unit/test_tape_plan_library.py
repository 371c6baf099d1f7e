"""A library selection as a source of a tape plan: a real catalog of scanned PyAV clips in two library roots that
share a folder name and a file added on its own, planned with its proxies and posters; names on tape, roots told
apart, tape order; files missing or changed since they were cataloged stop the plan (or are left out, and said)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.catalog.catalog import Catalog
from app.core.job import JobContext, execute
from app.ingest.add_files import AddFilesJob
from app.ingest.proxies import ProxyJob
from app.ingest.scan import ScanJob
from app.ingest.thumbs import CACHE_ENV, ThumbnailJob
from app.tape.plan import TapePlan
from app.tape.plan_library import LibrarySource, MissingFiles, PlanLibraryJob, library_totals, root_names
from app.tape.plan_walk import FILE, FOLDER
from app.tape.profiles import LTO9, TapeError
from tests.media.clips import make_clip

pytestmark = pytest.mark.both_backends


def _run(job):  # noqa: ANN001, ANN202 - any job; its value
    outcome = execute(job, JobContext())
    assert outcome.ok, outcome.message
    return outcome.value


@pytest.fixture
def library(tmp_path: Path, monkeypatch, catalog: Catalog) -> dict[str, int]:
    """Two roots named Footage (on card-a and card-b), a clip added on its own; ids by file name."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    a, b = tmp_path / "card-a" / "Footage", tmp_path / "card-b" / "Footage"
    for folder in (a / "Day 1", b, tmp_path / "loose"):
        folder.mkdir(parents=True)
    make_clip(a / "Day 1" / "A001C001.mov", rate="25", frames=12, size=(160, 90))
    make_clip(a / "A002C001.mov", rate="25", frames=12, size=(160, 90), audio=False)
    make_clip(b / "B001C001.mov", rate="24", frames=12, size=(160, 90), audio=False)
    loose = make_clip(tmp_path / "loose" / "extra.mov", rate="25", frames=6, size=(160, 90), audio=False)
    _run(ScanJob(catalog, [catalog.add_root(a), catalog.add_root(b)], workers=1))
    _run(AddFilesJob(catalog, [str(loose)]))
    ids = {Path(row["path"]).name: row["id"] for row in catalog.rows(catalog.query_ids())}
    assert len(ids) == 4
    return ids


def _plan(catalog: Catalog, source: LibrarySource, out: Path, dest: str = "") -> tuple[PlanLibraryJob, TapePlan]:
    job = PlanLibraryJob(catalog, source, [], out, LTO9, capacity=50 << 20, block_size=64 << 10, dest=dest)
    return job, _run(job)


def test_root_names_tell_roots_of_one_name_apart_the_same_way_every_time() -> None:
    roots = [(1, "/mnt/card-a/Footage"), (2, "/mnt/card-b/Footage"), (3, "/srv/Music"), (4, "/x/y/.reelkeep"),
             (5, "/one/a/Scans"), (6, "/two/a/Scans"), (7, "/")]
    names = root_names(roots)
    assert names == {1: "Footage (card-a)", 2: "Footage (card-b)", 3: "Music", 4: ".reelkeep (y)",
                     5: "Scans (one-a)", 6: "Scans (two-a)", 7: "root"}
    assert root_names(list(reversed(roots))) == names


def test_a_selection_is_planned_at_its_library_places_with_proxies_and_posters(
        tmp_path: Path, catalog: Catalog, library: dict[str, int]) -> None:
    clip = library["A001C001.mov"]
    _run(ProxyJob(catalog, [clip], ["thumbnail"], root=tmp_path / "proxies"))
    _run(ThumbnailJob(catalog, [clip]))
    files, size = library_totals(catalog, list(library.values()))
    assert files == 4 and size == sum(r["size"] for r in catalog.rows(list(library.values())))

    job, plan = _plan(catalog, LibrarySource(tuple(library.values()), with_proxies=True, label="picked"),
                      tmp_path / "plan", dest="Backup")
    items = list(plan.items(1))
    loose = (tmp_path / "loose" / "extra.mov").as_posix().lstrip("/")
    assert [(i.kind, i.path) for i in items] == [
        (FOLDER, "Backup/.reelkeep"),
        (FOLDER, "Backup/.reelkeep/posters"),
        (FOLDER, "Backup/.reelkeep/posters/Footage (card-a)"),
        (FOLDER, "Backup/.reelkeep/posters/Footage (card-a)/Day 1"),
        (FILE, "Backup/.reelkeep/posters/Footage (card-a)/Day 1/A001C001.mov.jpg"),
        (FOLDER, "Backup/.reelkeep/proxies"),
        (FOLDER, "Backup/.reelkeep/proxies/thumbnail"),
        (FOLDER, "Backup/.reelkeep/proxies/thumbnail/Footage (card-a)"),
        (FOLDER, "Backup/.reelkeep/proxies/thumbnail/Footage (card-a)/Day 1"),
        (FILE, "Backup/.reelkeep/proxies/thumbnail/Footage (card-a)/Day 1/A001C001.mov.mp4"),
        (FOLDER, "Backup/Footage (card-a)"),
        (FILE, "Backup/Footage (card-a)/A002C001.mov"),
        (FOLDER, "Backup/Footage (card-a)/Day 1"),
        (FILE, "Backup/Footage (card-a)/Day 1/A001C001.mov"),
        (FOLDER, "Backup/Footage (card-b)"),
        (FILE, "Backup/Footage (card-b)/B001C001.mov"),
        (FOLDER, "Backup/Other files"),
        *[(FOLDER, "Backup/Other files/" + "/".join(loose.split("/")[:n])) for n in range(1, loose.count("/") + 1)],
        (FILE, f"Backup/Other files/{loose}"),
    ]
    by_path = {i.path: i for i in items if i.kind == FILE}
    original = by_path["Backup/Footage (card-a)/Day 1/A001C001.mov"]
    assert original.source == str(tmp_path / "card-a" / "Footage" / "Day 1" / "A001C001.mov")
    assert original.size == original.length == Path(original.source).stat().st_size
    proxy = by_path["Backup/.reelkeep/proxies/thumbnail/Footage (card-a)/Day 1/A001C001.mov.mp4"]
    assert proxy.source == catalog.proxies(clip)[0]["path"]
    assert Path(by_path["Backup/.reelkeep/posters/Footage (card-a)/Day 1/A001C001.mov.jpg"].source).is_relative_to(
        tmp_path / "cache")
    assert plan.sources == ["picked (4 files)"] and not job.skipped

    # without proxies: the originals alone
    _job, bare = _plan(catalog, LibrarySource((clip, library["B001C001.mov"])), tmp_path / "bare")
    assert [i.path for i in bare.items(1) if i.kind == FILE] == ["Footage (card-a)/Day 1/A001C001.mov",
                                                                 "Footage (card-b)/B001C001.mov"]


def test_missing_or_changed_files_stop_the_plan_before_anything_or_are_left_out_and_said(
        tmp_path: Path, catalog: Catalog, library: dict[str, int]) -> None:
    gone = tmp_path / "card-a" / "Footage" / "A002C001.mov"
    grown = tmp_path / "card-b" / "Footage" / "B001C001.mov"
    gone.unlink()
    with open(grown, "ab") as tail:
        tail.write(b"more")
    every = LibrarySource(tuple(library.values()))
    job = PlanLibraryJob(catalog, every, [], tmp_path / "plan", LTO9, capacity=50 << 20)
    outcome = execute(job, JobContext())
    assert not outcome.ok and not (tmp_path / "plan").exists()  # nothing planned, no folder left
    assert "2 file(s) of the library selection are missing on disk or changed" in outcome.message
    assert f"{gone}: missing (No such file or directory)" in outcome.message
    assert f"{grown}: changed since it was cataloged" in outcome.message and "--skip-missing" in outcome.message
    with pytest.raises(MissingFiles) as caught:
        list(job._items())
    assert len(caught.value.problems) == 2

    job, plan = _plan(catalog, LibrarySource(tuple(library.values()), skip_missing=True), tmp_path / "skipped")
    assert [p.split(": ")[0] for p in job.skipped] == [str(gone), str(grown)]
    assert {i.path.rsplit("/", 1)[-1] for i in plan.items(1) if i.kind == FILE} == {"A001C001.mov", "extra.mov"}

    only_gone = LibrarySource((library["A002C001.mov"],), skip_missing=True)
    left = execute(PlanLibraryJob(catalog, only_gone, [], tmp_path / "none", LTO9), JobContext())
    assert not left.ok and "no file of the library selection is left to plan" in left.message
    empty = execute(PlanLibraryJob(catalog, LibrarySource(()), [], tmp_path / "empty", LTO9), JobContext())
    assert not empty.ok and "the library selection is empty" in empty.message


def test_a_folder_given_beside_the_selection_cannot_take_a_library_folder_name(
        tmp_path: Path, catalog: Catalog, library: dict[str, int]) -> None:
    other = tmp_path / "elsewhere" / "Footage (card-b)"
    other.mkdir(parents=True)
    (other / "note.txt").write_text("x")
    job = PlanLibraryJob(catalog, LibrarySource(tuple(library.values())), [other], tmp_path / "plan", LTO9)
    outcome = execute(job, JobContext())
    assert not outcome.ok and "a folder given and a library folder would both be Footage (card-b)" in outcome.message
    with pytest.raises(TapeError):
        list(job._items())
