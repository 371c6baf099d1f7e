"""Two machines on one catalog, each mounting the shared storage at its own place (issue 14: root mapping).

Machine A mounts the storage at tmp/raid and maps the catalog's /Volumes/RAID there; machine B mounts the same
storage at tmp/mnt/raid (a link to it: the same files at another path) and maps /Volumes/RAID there. The catalog
stores /Volumes/RAID/… whichever machine writes; each machine reads its own paths. Real scans of real files, on a
catalog file and on the PostgreSQL server.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from app.catalog.catalog import Catalog
from app.catalog.links import ArchiveLocation, SubclipLink
from app.core.facts import FileState
from app.core.job import JobContext, execute
from app.core.root_map import ROOT_MAP_ENV, RootMap
from app.ingest.scan import ScanJob
from tests.media import make_audio, make_clip

pytestmark = pytest.mark.both_backends

CATALOG_RAID = "/Volumes/RAID"
ODD = b"caf\xe9 \xff.wav"  # a Latin-1 name and a stray byte: not UTF-8


@pytest.fixture
def storage(tmp_path: Path) -> tuple[Path, Path]:
    """(A's mount, B's mount) of one shared storage holding a show: two clips, a song, a non-UTF-8 name."""
    raid = tmp_path / "raid"
    show = raid / "Show"
    (show / "day1").mkdir(parents=True)
    make_clip(show / "day1" / "A001C001.mov", rate="25", frames=12, start_tc="01:00:00:00")
    make_clip(show / "day1" / "A001C002.mov", rate="25", frames=13, start_tc="02:00:00:00")
    song = make_audio(show / "song.flac", tags={"title": "Teardrop"})
    shutil.copyfile(song, os.path.join(os.fsencode(show), ODD))
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    (mnt / "raid").symlink_to(raid, target_is_directory=True)
    return raid, mnt / "raid"


def _machine(catalog: Catalog, local: Path) -> Catalog:
    return Catalog(catalog.path, RootMap([(CATALOG_RAID, str(local))]))


def _scan(machine: Catalog, roots: list[int] | None = None):
    outcome = execute(ScanJob(machine, roots), JobContext())
    assert outcome.ok, outcome.message
    return outcome.value


def _stored(catalog: Catalog, sql: str, params: tuple = ()) -> list:
    return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
            for row in catalog.db.execute_sql(sql, params).fetchall()]


def test_two_machines_share_rows_ids_and_edits(catalog: Catalog, storage: tuple[Path, Path]) -> None:
    raid, mnt = storage
    a, b = _machine(catalog, raid), _machine(catalog, mnt)
    try:
        # A adds its folder: stored in the catalog's form
        root = a.add_root(raid / "Show")
        assert _stored(catalog, "SELECT path FROM library_root") == [(f"{CATALOG_RAID}/Show",)]
        assert a.roots() == [(root, str(raid / "Show"))]
        first = _scan(a)
        assert (first.new, first.errors) == (4, 0)
        ids = sorted(a.query_ids())
        stored = {raw for (raw,) in _stored(catalog, "SELECT path_raw FROM media_file")}
        assert stored == {f"{CATALOG_RAID}/Show/day1/A001C001.mov".encode(),
                          f"{CATALOG_RAID}/Show/day1/A001C002.mov".encode(),
                          f"{CATALOG_RAID}/Show/song.flac".encode(), f"{CATALOG_RAID}/Show/".encode() + ODD}
        odd_a = os.path.join(os.fsencode(raid / "Show"), ODD)
        odd_id = a.id_for_path(odd_a)
        assert odd_id is not None and a.raw_paths([odd_id]) == {odd_id: odd_a}
        clip = a.id_for_path(raid / "Show" / "day1" / "A001C001.mov")
        a.set_rating([clip], 4)
        a.add_tags([clip], ["select"])

        # B sees the same root and rows at its own paths, and its rescan changes nothing
        assert b.roots() == [(root, str(mnt / "Show"))]
        assert b.add_root(mnt / "Show") == root  # the same folder: no second root
        assert b.rows([clip])[0]["path"] == str(mnt / "Show" / "day1" / "A001C001.mov")
        odd_b = os.path.join(os.fsencode(mnt / "Show"), ODD)
        assert b.raw_paths([odd_id]) == {odd_id: odd_b}  # the identity, byte for byte
        assert b.id_for_path(odd_b) == odd_id and b.file_facts(odd_b)[0] == odd_id
        again = _scan(b)
        assert (again.new, again.changed, again.missing, again.moved, again.unchanged) == (0, 0, 0, 0, 4)
        assert sorted(b.query_ids()) == ids and b.count() == 4
        info = b.info(clip)
        assert (info["rating"], info["tags"], info["status"]) == (4, ["select"], "ok")
        assert info["path"] == str(mnt / "Show" / "day1" / "A001C001.mov") and info["root"] == str(mnt / "Show")
        assert sorted(b.ids_under(mnt / "Show")) == ids and sorted(b.ids_under(mnt)) == ids
        assert sorted(b.ids_under(mnt.parent)) == ids  # the folder holding B's mount
        assert b.ids_under(raid) == []  # A's place is no place of B's files
        assert b.known_files(root)[odd_b][0] == odd_id

        # a machine without the mapping reads the catalog's form
        assert catalog.info(clip)["path"] == f"{CATALOG_RAID}/Show/day1/A001C001.mov"
        assert catalog.ids_under(CATALOG_RAID) and catalog.ids_under(raid) == []
    finally:
        b.close()
        a.close()


def test_what_one_machine_records_the_other_finds_at_its_paths(catalog: Catalog, storage: tuple[Path, Path]) -> None:
    raid, mnt = storage
    a, b = _machine(catalog, raid), _machine(catalog, mnt)
    try:
        a.add_root(raid / "Show")
        _scan(a)
        clip = a.id_for_path(raid / "Show" / "day1" / "A001C001.mov")
        other = a.id_for_path(raid / "Show" / "day1" / "A001C002.mov")

        # a proxy B made next to the media: recorded in the catalog's form, found by A at A's path
        b.set_proxy(clip, "preview", mnt / "proxies" / "A001C001.mp4", "h264", 320, 180, 1000, 10, 12)
        assert _stored(catalog, "SELECT path FROM proxy") == [(f"{CATALOG_RAID}/proxies/A001C001.mp4",)]
        assert a.proxies(clip)[0]["path"] == str(raid / "proxies" / "A001C001.mp4")
        assert a.info(clip)["proxies"][0]["path"] == str(raid / "proxies" / "A001C001.mp4")
        assert a.selected_proxies([clip])[clip][0].path == str(raid / "proxies" / "A001C001.mp4")
        assert {f.path_raw for f in b.selected_files([clip, other])} == {
            os.fsencode(mnt / "Show" / "day1" / n) for n in ("A001C001.mov", "A001C002.mov")}

        # a subclip link and an archive location recorded by B
        b.link_subclip(other, SubclipLink(clip, str(mnt / "Show" / "day1" / "A001C001.mov"), 0, 5, 0, 6))
        assert a.subclip_source(other)["source_path"] == str(raid / "Show" / "day1" / "A001C001.mov")
        assert a.subclips_of(clip)[0]["path"] == str(raid / "Show" / "day1" / "A001C002.mov")
        assert _stored(catalog, "SELECT source_path FROM subclip") == [(f"{CATALOG_RAID}/Show/day1/A001C001.mov",)]
        b.set_archive_location(other, ArchiveLocation(str(mnt / "Archive"), "urn:x", "v1", "day1/A001C002.mov"))
        assert a.archive_folders() == [str(raid / "Archive")]
        assert a.info(other)["archive"]["archive"] == str(raid / "Archive")

        # content hashes read on B land on the row A sees
        path, size, mtime = b.hash_candidates([clip])[0][1:]
        assert path == os.fsencode(mnt / "Show" / "day1" / "A001C001.mov")
        assert b.record_content_hashes([(path, size, mtime, "ab" * 16)]) == [clip]
        assert a.info(clip)["content_hash"] == "ab" * 16

        # the watcher on B: a rename and a folder move follow the files; A's rescan finds them where they are
        os.rename(mnt / "Show" / "day1" / "A001C002.mov", mnt / "Show" / "day1" / "renamed.mov")
        assert b.move_path(mnt / "Show" / "day1" / "A001C002.mov", mnt / "Show" / "day1" / "renamed.mov") == other
        os.rename(mnt / "Show" / "day1", mnt / "Show" / "day 1")
        assert sorted(b.move_prefix(mnt / "Show" / "day1", mnt / "Show" / "day 1")) == sorted([clip, other])
        assert a.rows([other])[0]["path"] == str(raid / "Show" / "day 1" / "renamed.mov")
        assert (f"{CATALOG_RAID}/Show/day 1/renamed.mov".encode(),) in _stored(catalog, "SELECT path_raw FROM media_file")
        rescan = _scan(a)
        assert (rescan.new, rescan.missing, rescan.unchanged) == (0, 0, 4)
        # a deletion B's watcher reports
        os.remove(mnt / "Show" / "song.flac")
        song = b.ids_under(mnt / "Show" / "song.flac")
        b.mark_missing(song)
        assert a.info(song[0])["status"] == "missing" and a.count() == 4
    finally:
        b.close()
        a.close()


def test_only_whole_components_map(catalog: Catalog, tmp_path: Path) -> None:
    """/Volumes/RAID2 is another volume: a machine mapping /Volumes/RAID leaves its paths alone."""
    raid, raid2 = tmp_path / "raid", tmp_path / "raid2"
    raid.mkdir()
    raid2.mkdir()
    a = Catalog(catalog.path, RootMap([(CATALOG_RAID, str(raid)), (CATALOG_RAID + "2", str(raid2))]))
    b = Catalog(catalog.path, RootMap([(CATALOG_RAID, str(tmp_path / "b"))]))
    try:
        first, second = (FileState(os.path.join(os.fsencode(r), b"clip.mov"), 1, 1.0) for r in (raid, raid2))
        ids = a.add_discovered(None, [first, second])
        assert sorted(raw for (raw,) in _stored(catalog, "SELECT path_raw FROM media_file")) == [
            b"/Volumes/RAID/clip.mov", b"/Volumes/RAID2/clip.mov"]
        assert b.raw_paths(ids) == {ids[0]: os.fsencode(tmp_path / "b" / "clip.mov"),
                                    ids[1]: b"/Volumes/RAID2/clip.mov"}
        assert b.ids_under(tmp_path / "b") == [ids[0]]
    finally:
        b.close()
        a.close()


def test_a_catalog_opened_without_a_mapping_takes_the_one_handed_down(catalog: Catalog, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """What a program runs with reaches the catalogs it opens elsewhere (the streaming server's thread and processes
    open theirs from the path alone)."""
    handed = RootMap([(CATALOG_RAID, str(tmp_path / "raid"))])
    monkeypatch.setenv(ROOT_MAP_ENV, handed.to_json())
    opened = Catalog(catalog.path)
    try:
        assert opened.root_map == handed and opened.tapes.root_map == handed
    finally:
        opened.close()
    monkeypatch.delenv(ROOT_MAP_ENV)
    plain = Catalog(catalog.path)
    try:
        assert plain.root_map == RootMap()
    finally:
        plain.close()
