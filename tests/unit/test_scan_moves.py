"""Moved and renamed folders of files that share content: one record per file, user data on the right file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from app.catalog.catalog import Catalog
from app.catalog.moves import FileRecord, MoveMatcher
from app.ingest.scan import ScanResult, plan_scan, run_scan
from tests.media import make_audio

pytestmark = pytest.mark.both_backends

TAGS = {"title": "Nightcall", "artist": "Kavinsky", "album": "OutRun"}


def _scan(catalog: Catalog, root: Path | None = None) -> ScanResult:
    if root is not None:
        catalog.add_root(root)
    return run_scan(catalog, plan_scan(catalog))


def _song(folder: Path, name: str = "tagged.mp3", title: str = "Nightcall") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return make_audio(folder / name, tags={**TAGS, "title": title}, seconds=0.2)


def _copies(source: Path, folder: Path, names: list[str], mtime: float | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        target = folder / name
        shutil.copyfile(source, target)
        if mtime is not None:
            os.utime(target, (mtime, mtime))
        paths.append(target)
    return paths


def _files_on_disk(root: Path) -> set[str]:
    return {os.path.join(d, f) for d, _, files in os.walk(root) for f in files}


def _present(catalog: Catalog) -> set[str]:
    return {row["path"] for row in catalog.rows(catalog.query_ids()) if row["status"] != "missing"}


def test_copies_in_a_moved_folder_keep_one_record_each_and_their_ratings(catalog, tmp_path) -> None:
    source = _song(tmp_path / "src")
    library = tmp_path / "L"
    # one modification time for all: only the names can tell the copies apart
    _copies(source, library / "a", [f"s{i}.mp3" for i in range(1, 6)], mtime=1_600_000_000)
    _scan(catalog, library)
    ids = {i: catalog.id_for_path(library / "a" / f"s{i}.mp3") for i in range(1, 6)}
    catalog.set_rating([ids[3]], 4)
    catalog.add_tags([ids[3]], ["the third"])
    catalog.set_rating([ids[5]], 1)

    (library / "a").rename(library / "b")
    result = _scan(catalog)

    assert (result.new, result.moved, result.missing) == (5, 5, 5)
    assert catalog.count() == 5
    assert catalog.status_counts() == {"ok": 5}
    for i in range(1, 6):
        assert catalog.id_for_path(library / "b" / f"s{i}.mp3") == ids[i]
    s3 = catalog.info(ids[3])
    assert (s3["name"], s3["rating"], s3["tags"]) == ("s3.mp3", 4, ["the third"])
    assert catalog.info(ids[5])["rating"] == 1
    assert {catalog.info(ids[i])["rating"] for i in (1, 2, 4)} == {0}
    again = _scan(catalog)
    assert (again.new, again.moved, again.missing, again.unchanged) == (0, 0, 0, 5)
    assert catalog.count() == 5


def test_renamed_copies_are_told_apart_by_their_modification_time(catalog, tmp_path) -> None:
    source = _song(tmp_path / "src")
    library = tmp_path / "L"
    for i in range(1, 4):
        _copies(source, library, [f"s{i}.mp3"], mtime=1_600_000_000 + i)
    _scan(catalog, library)
    s2 = catalog.id_for_path(library / "s2.mp3")
    catalog.set_rating([s2], 5)
    for i in range(1, 4):
        (library / f"s{i}.mp3").rename(library / f"take {i}.mp3")  # a rename keeps the mtime
    result = _scan(catalog)
    assert result.moved == 3 and catalog.count() == 3
    assert catalog.id_for_path(library / "take 2.mp3") == s2
    assert catalog.info(s2)["rating"] == 5


def test_siblings_follow_the_folder_their_unique_file_came_from(catalog, tmp_path) -> None:
    shared = _song(tmp_path / "src", "shared.mp3")
    first_root, second_root = tmp_path / "L1", tmp_path / "L2"
    second_root.mkdir()
    stamp = 1_600_000_000
    # a and c hold the same names, the same shared content and the same mtimes; only x1 differs
    for folder, title in (("a", "Alpha"), ("c", "Charlie")):
        unique = _song(tmp_path / "src" / folder, "x1.mp3", title=title)
        _copies(unique, first_root / folder, ["x1.mp3"], mtime=stamp)
        _copies(shared, first_root / folder, ["x2.mp3", "x3.mp3"], mtime=stamp)
    catalog.add_root(second_root)
    _scan(catalog, first_root)
    ids = {folder: catalog.id_for_path(first_root / folder / "x2.mp3") for folder in ("a", "c")}
    low, high = sorted(ids, key=ids.get)
    ratings = {low: 2, high: 5}
    for folder, rating in ratings.items():
        catalog.set_rating([catalog.id_for_path(first_root / folder / name) for name in ("x2.mp3", "x3.mp3")], rating)
    # roots are walked in path order, so the folder from `high` gets the first new ids: picking the
    # lowest old id without regard to folders would hand it `low`'s records
    moved = {high: first_root / "new", low: second_root / "new"}
    for folder, target in moved.items():
        (first_root / folder).rename(target)
    _scan(catalog)
    assert catalog.count() == 6 and catalog.status_counts() == {"ok": 6}
    for old, target in moved.items():
        for name in ("x2.mp3", "x3.mp3"):
            assert catalog.info(catalog.id_for_path(target / name))["rating"] == ratings[old], (target, name)


def test_same_named_folders_moved_under_a_new_parent_keep_their_files(catalog, tmp_path) -> None:
    source = _song(tmp_path / "src")
    library = tmp_path / "L"
    for folder in ("a", "c"):
        _copies(source, library / folder, ["x1.mp3", "x2.mp3"], mtime=1_600_000_000)
    _scan(catalog, library)
    catalog.add_tags([catalog.id_for_path(library / "c" / "x1.mp3")], ["from c"])
    (library / "sorted").mkdir()
    (library / "c").rename(library / "sorted" / "c")
    (library / "a").rename(library / "sorted" / "a")
    _scan(catalog)
    assert catalog.count() == 4 and catalog.status_counts() == {"ok": 4}
    assert catalog.info(catalog.id_for_path(library / "sorted" / "c" / "x1.mp3"))["tags"] == ["from c"]


def test_new_copies_next_to_a_moved_file_are_new_rows(catalog, tmp_path) -> None:
    source = _song(tmp_path / "src")
    library = tmp_path / "L"
    (original,) = _copies(source, library / "a", ["song.mp3"])
    _scan(catalog, library)
    media_id = catalog.id_for_path(original)
    catalog.set_rating([media_id], 3)
    (library / "a").rename(library / "b")
    _copies(source, library / "b", ["copy 1.mp3", "copy 2.mp3"])
    result = _scan(catalog)
    assert (result.new, result.moved) == (3, 1)
    assert catalog.count() == 3 and catalog.status_counts() == {"ok": 3}
    assert catalog.id_for_path(library / "b" / "song.mp3") == media_id
    assert catalog.info(media_id)["rating"] == 3


def test_five_thousand_files_ten_folders_moved(catalog, tmp_path) -> None:
    sources = [_song(tmp_path / "src", f"t{k}.mp3", title=f"Track {k}") for k in range(5)]
    library = tmp_path / "L"
    folders = [f"f{n:02d}" for n in range(20)]
    for n, folder in enumerate(folders):
        for k, source in enumerate(sources):
            # every folder holds the same names and contents; a folder's files were copied together
            _copies(source, library / folder, [f"s{i:03d}.mp3" for i in range(k, 250, 5)], mtime=1_600_000_000 + n)
    first = _scan(catalog, library)
    assert first.new == 5000 and catalog.count() == 5000
    marked = {}
    for n, folder in enumerate(folders):
        media_id = catalog.id_for_path(library / folder / f"s{n * 7:03d}.mp3")
        catalog.add_tags([media_id], [f"{folder}-mark"])
        marked[folder] = media_id
    (library / "moved").mkdir()
    renamed = {folder: library / f"g{folder[1:]}" for folder in folders[:5]}
    renamed.update({folder: library / "moved" / folder for folder in folders[5:10]})
    for folder, target in renamed.items():
        (library / folder).rename(target)

    result = _scan(catalog)

    assert (result.new, result.moved, result.missing) == (2500, 2500, 2500)
    assert catalog.count() == 5000
    assert catalog.status_counts() == {"ok": 5000}
    assert _present(catalog) == _files_on_disk(library)
    for n, folder in enumerate(folders):
        where = renamed.get(folder, library / folder) / f"s{n * 7:03d}.mp3"
        assert catalog.id_for_path(where) == marked[folder]
        assert catalog.info(marked[folder])["tags"] == [f"{folder}-mark"]
    again = _scan(catalog)
    assert (again.new, again.moved, again.missing, again.unchanged) == (0, 0, 0, 5000)


def test_matcher_settles_unique_files_first() -> None:
    a_unique, a_shared = FileRecord(1, b"/L/a/x1", 10, 5.0), FileRecord(2, b"/L/a/x2", 20, 5.0)
    c_unique, c_shared = FileRecord(3, b"/L/c/x1", 11, 5.0), FileRecord(4, b"/L/c/x2", 20, 5.0)
    # c went to b, a went to d; the shared file of b arrives first (lowest id) but must wait for x1
    b_shared, b_unique = FileRecord(10, b"/L/b/x2", 20, 5.0), FileRecord(11, b"/L/b/x1", 11, 5.0)
    d_shared, d_unique = FileRecord(12, b"/L/d/x2", 20, 5.0), FileRecord(13, b"/L/d/x1", 10, 5.0)
    pairs = MoveMatcher().match([
        (b_shared, [a_shared, c_shared]), (b_unique, [c_unique]),
        (d_shared, [a_shared, c_shared]), (d_unique, [a_unique]),
    ])
    assert pairs == {11: 3, 13: 1, 10: 4, 12: 2}
