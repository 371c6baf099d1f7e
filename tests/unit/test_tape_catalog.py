"""The offline catalog of tapes: indexes imported from simulated cartridges and from index XML files, searched,
listed in tape order and matched to files by digest, all with no tape loaded."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest
import xxhash
from peewee import SqliteDatabase

from app.catalog import migrations
from app.catalog.catalog import Catalog
from app.catalog.tapes import TapeFacts, TapeFileRow
from app.core.errors import CatalogError
from app.tape.offline import import_index_file, import_volume
from app.tape.profiles import LTO8, LTO9
from app.tape.simulated import SimulatedTape
from app.tape.volume import format_volume, read_volume
from app.tape.write_files import write_folder

pytestmark = pytest.mark.both_backends

RECORD = 64 << 10


def _project(root: Path) -> Path:
    project = root / "Day 01"
    (project / "A001" / "empty folder").mkdir(parents=True)
    (project / "A001" / "A001C003.mov").write_bytes(os.urandom(RECORD * 3 + 17))
    (project / "A001" / "A001C004.mov").write_bytes(os.urandom(RECORD + 1))
    (project / "A001" / "empty.txt").write_bytes(b"")
    (project / "sound:roll.wav").write_bytes(os.urandom(1000))
    (project / "cafe\u0301 notes.txt").write_text("décomposé")
    (project / "latest").symlink_to("A001/A001C003.mov")
    return project


def _tape(tmp_path: Path, barcode: str, generation=LTO9) -> SimulatedTape:
    tape = SimulatedTape.create(tmp_path / barcode, generation)
    format_volume(tape, barcode, block_size=RECORD)
    return tape


def test_a_written_tape_is_searchable_and_listed_in_tape_order_without_the_tape(tmp_path: Path,
                                                                               catalog: Catalog) -> None:
    project = _project(tmp_path / "src")
    tape = _tape(tmp_path, "RK0001L9")
    write_folder(tape, project)
    outcome = import_volume(catalog, SimulatedTape.open(tmp_path / "RK0001L9"))
    assert (outcome.files, outcome.replaced) == (5, False)  # the symlink is not a file

    [row] = catalog.tapes.all()
    assert row["barcode"] == "RK0001L9" and row["generation"] == "LTO9" and row["capacity"] == LTO9.native_capacity
    assert row["files"] == 5 and row["used"] == RECORD * 3 + 17 + RECORD + 1 + 1000 + len("décomposé".encode())
    assert row["index_generation"] == 2 and row["last_verify"] is None

    listed = catalog.tapes.files(row["id"])
    data = [r for r in listed if r["kind"] == "file" and r["length"]]
    assert [r["start_block"] for r in data] == sorted(r["start_block"] for r in data)  # tape order
    by_path = {r["path"]: r for r in listed}
    clip = by_path["Day 01/A001/A001C003.mov"]
    content = (project / "A001" / "A001C003.mov").read_bytes()
    assert clip["xxh128"] == xxhash.xxh3_128(content).hexdigest() and clip["partition"] == 1
    assert by_path["Day 01/latest"]["kind"] == "symlink" and by_path["Day 01/latest"]["symlink"] == "A001/A001C003.mov"
    assert by_path["Day 01/A001/empty folder"]["kind"] == "folder"
    assert by_path["Day 01/A001/empty.txt"]["length"] == 0
    assert "Day 01/café notes.txt" in by_path  # NFC, as on the tape
    assert [r["path"] for r in catalog.tapes.files(row["id"], under="Day 01/A001/")][-2:] == [
        "Day 01/A001/A001C003.mov", "Day 01/A001/A001C004.mov"]

    assert [r["path"] for r in catalog.tapes.find_files("a001c00")] == [
        "Day 01/A001/A001C003.mov", "Day 01/A001/A001C004.mov"]
    assert catalog.tapes.find_files("day a001")[0]["path"] == "Day 01/A001"  # folders are found too
    assert [r["path"] for r in catalog.tapes.find_files("cafe")] == ["Day 01/café notes.txt"]  # diacritics folded
    assert [r["barcode"] for r in catalog.tapes.find_files("sound roll")] == ["RK0001L9"]
    assert catalog.tapes.find_files("   ") == []

    holders = catalog.tapes.files_with_digest(xxhash.xxh3_128(content).hexdigest())
    assert [(r["barcode"], r["path"]) for r in holders] == [("RK0001L9", "Day 01/A001/A001C003.mov")]
    assert [r["path"] for r in catalog.tapes.files_named("A001C004.mov", RECORD + 1)] == ["Day 01/A001/A001C004.mov"]
    assert catalog.tapes.files_named("A001C004.mov", RECORD) == []


def test_a_newer_index_replaces_the_tape_entry_and_an_older_one_is_refused(tmp_path: Path, catalog: Catalog) -> None:
    tape = _tape(tmp_path, "RK0002L8", LTO8)
    first = tmp_path / "first"
    first.mkdir()
    (first / "one.mov").write_bytes(b"1" * 100)
    write_folder(tape, first)
    generation_2 = read_volume(tape).index.xml()
    import_volume(catalog, tape)
    second = tmp_path / "second"
    second.mkdir()
    (second / "two.mov").write_bytes(b"2" * 100)
    write_folder(tape, second)
    outcome = import_volume(catalog, tape)
    assert outcome.replaced and outcome.files == 2
    assert sorted(r["path"] for r in catalog.tapes.find_files("mov")) == ["first/one.mov", "second/two.mov"]
    assert len(catalog.tapes.find_files("one")) == 1  # the replaced rows left the search index too

    old = tmp_path / "gen2.xml"
    old.write_bytes(generation_2)
    with pytest.raises(CatalogError, match="already has index generation 3 of RK0002L8"):
        import_index_file(catalog, old)
    assert catalog.tapes.by_barcode("RK0002L8")["index_generation"] == 3
    assert len(catalog.tapes.find_files("mov")) == 2


def test_an_index_xml_from_other_software_imports_with_its_barcode(tmp_path: Path, catalog: Catalog) -> None:
    xml = tmp_path / "index.xml"
    xml.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<ltfsindex version="2.4.0">
  <creator>Other LTFS 9.1 - Linux</creator>
  <volumeuuid>30a91a08-daae-48d1-ae75-69804e61d2ea</volumeuuid>
  <generationnumber>7</generationnumber>
  <updatetime>2025-01-02T03:04:05.123456789Z</updatetime>
  <location><partition>a</partition><startblock>6</startblock></location>
  <allowpolicyupdate>true</allowpolicyupdate>
  <volumelockstate>unlocked</volumelockstate>
  <highestfileuid>4</highestfileuid>
  <futureelement><nested>kept out</nested></futureelement>
  <directory>
    <name>tape</name><readonly>false</readonly>
    <creationtime>2025-01-02T03:04:05.000000000Z</creationtime><changetime>2025-01-02T03:04:05.000000000Z</changetime>
    <modifytime>2025-01-02T03:04:05.000000000Z</modifytime><accesstime>2025-01-02T03:04:05.000000000Z</accesstime>
    <backuptime>2025-01-02T03:04:05.000000000Z</backuptime><fileuid>1</fileuid>
    <contents>
      <directory>
        <name percentencoded="true">Reel%3A1</name><readonly>false</readonly>
        <creationtime>2025-01-02T03:04:05.000000000Z</creationtime><changetime>2025-01-02T03:04:05.000000000Z</changetime>
        <modifytime>2025-01-02T03:04:05.000000000Z</modifytime><accesstime>2025-01-02T03:04:05.000000000Z</accesstime>
        <backuptime>2025-01-02T03:04:05.000000000Z</backuptime><fileuid>2</fileuid>
        <contents>
          <file>
            <name>B002C001.mxf</name><length>2000000</length><readonly>false</readonly>
            <creationtime>2025-01-02T03:04:05.000000000Z</creationtime><changetime>2025-01-02T03:04:05.000000000Z</changetime>
            <modifytime>2025-01-02T03:04:05.000000000Z</modifytime><accesstime>2025-01-02T03:04:05.000000000Z</accesstime>
            <backuptime>2025-01-02T03:04:05.000000000Z</backuptime><fileuid>3</fileuid>
            <extendedattributes><xattr><key>user.reel</key><value>B002</value></xattr></extendedattributes>
            <extentinfo>
              <extent><fileoffset>0</fileoffset><partition>b</partition><startblock>40</startblock>
                <byteoffset>0</byteoffset><bytecount>1000000</bytecount></extent>
              <extent><fileoffset>1000000</fileoffset><partition>b</partition><startblock>90</startblock>
                <byteoffset>0</byteoffset><bytecount>1000000</bytecount></extent>
            </extentinfo>
            <unknownfileelement>x</unknownfileelement>
          </file>
        </contents>
      </directory>
    </contents>
  </directory>
</ltfsindex>
""")
    with pytest.raises(CatalogError, match="give its barcode with --barcode"):
        import_index_file(catalog, xml)
    outcome = import_index_file(catalog, xml, "ab1234l8")
    assert outcome.files == 1
    tape = catalog.tapes.by_barcode("AB1234L8")
    assert (tape["generation"], tape["index_generation"], tape["creator"]) == ("LTO8", 7, "Other LTFS 9.1 - Linux")
    [clip] = catalog.tapes.find_files("B002C001")
    assert clip["path"] == "Reel:1/B002C001.mxf" and clip["start_block"] == 40 and clip["length"] == 2000000
    assert clip["extents"] == "[[0, 1, 40, 0, 1000000], [1000000, 1, 90, 0, 1000000]]"
    assert clip["xattrs"] == '{"user.reel": "B002"}' and clip["xxh128"] is None
    assert import_index_file(catalog, xml).replaced  # found again by its volume UUID


def test_the_same_volume_under_another_barcode_is_refused(tmp_path: Path, catalog: Catalog) -> None:
    tape = _tape(tmp_path, "RK0005L9")
    import_volume(catalog, tape)
    xml = tmp_path / "index.xml"
    xml.write_bytes(read_volume(tape).index.xml())
    with pytest.raises(CatalogError, match="cataloged as tape RK0005L9"):
        import_index_file(catalog, xml, "RK0006L9")


def test_a_reformatted_tape_loses_its_old_files_and_verifications(tmp_path: Path, catalog: Catalog) -> None:
    tape = _tape(tmp_path, "RK0007L9")
    source = tmp_path / "s"
    source.mkdir()
    (source / "a.mov").write_bytes(b"a")
    write_folder(tape, source)
    tape_id = import_volume(catalog, tape).tape_id
    catalog.tapes.record_verification(tape_id, time.time(), 2, 1, 1, 0, True)
    assert catalog.tapes.all()[0]["last_verify"] == "ok"
    format_volume(tape, "RK0007L9", block_size=RECORD)
    outcome = import_volume(catalog, tape)
    assert outcome.replaced and outcome.files == 0 and outcome.tape_id == tape_id
    assert catalog.tapes.all()[0]["last_verify"] is None and catalog.tapes.find_files("a") == []


def test_reverification_falls_due_from_the_last_clean_pass(catalog: Catalog) -> None:
    facts = TapeFacts("RK0010L9", "uuid-10", 2, "2026-01-01T00:00:00.000000000Z")
    tape_id = catalog.tapes.import_tape(facts, []).tape_id
    imported = catalog.tapes.all()[0]["imported_at"]
    assert catalog.tapes.all(reverify_days=180)[0]["due_at"] == imported  # never verified: due now
    catalog.tapes.record_verification(tape_id, 1000.0, 2, 5, 50, 0, True)
    clean = catalog.tapes.all(reverify_days=180)[0]
    assert clean["due_at"] == pytest.approx(clean["last_verified_at"] + 180 * 86400)
    catalog.tapes.record_verification(tape_id, 2000.0, 2, 5, 50, 1, True)
    damaged = catalog.tapes.all(reverify_days=180)[0]
    assert damaged["last_verify"] == "damaged" and damaged["due_at"] == imported


def test_the_parts_of_a_spanned_file_are_found_by_the_whole_files_digest(catalog: Catalog) -> None:
    whole = "f" * 32
    for number, (offset, extra) in enumerate([(0, {}), (1 << 30, {"span_xxh128": whole})], start=1):
        facts = TapeFacts(f"RK000{number}L9", f"uuid-{number}", 2, "2026-01-01T00:00:00.000000000Z",
                          tape_set="Feature", copy="A")
        part = TapeFileRow("Day 01/huge.mxf", "file", 1 << 30, 1, 10, xxh128=f"{number}" * 32, span_offset=offset,
                           span_length=2 << 30, **extra)
        catalog.tapes.import_tape(facts, [part])
    catalog.tapes.import_tape(TapeFacts("RK0009L9", "uuid-9", 2, "x", tape_set="Feature", copy="B"),
                              [TapeFileRow("Day 01/huge.mxf", "file", 1 << 30, 1, 10, span_offset=0,
                                           span_length=2 << 30)])
    parts = catalog.tapes.files_with_digest(whole)
    assert [(p["barcode"], p["span_offset"]) for p in parts] == [("RK0001L9", 0), ("RK0002L9", 1 << 30)]


def _version_7_catalog(path: Path) -> None:
    db = SqliteDatabase(str(path))
    db.connect()
    with db.atomic():
        for step in migrations.STEPS[:7]:
            step.apply(db)
        db.execute_sql("PRAGMA user_version = 7")
    db.execute_sql("INSERT INTO tag (name) VALUES ('keep')")
    db.close()


def test_a_version_7_catalog_upgrades_to_the_tape_tables(tmp_path: Path) -> None:
    path = tmp_path / "v7.sqlite"
    _version_7_catalog(path)
    catalog = Catalog(path)
    try:
        assert migrations.schema_version(catalog.db) == migrations.HEAD >= 9
        assert catalog._sql("SELECT name FROM tag") == [("keep",)]
        catalog.tapes.import_tape(TapeFacts("RK0001L9", "u", 1, "t"), [TapeFileRow("a.mov", "file", 1)])
        assert catalog.tapes.find_files("a")[0]["path"] == "a.mov"
    finally:
        catalog.close()
    assert list(tmp_path.glob("v7.sqlite.v7-*.bak"))
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM tape_fts").fetchone() == (1,)


def test_the_streamed_index_gives_the_same_rows_as_the_whole_one(tmp_path: Path) -> None:
    import io

    from app.tape.ltfs_index import iter_index_entries, read_index_header
    from app.tape.offline import entry_rows, index_rows

    project = _project(tmp_path / "src")
    (project / "A001" / "deeper" / "deepest").mkdir(parents=True)
    (project / "A001" / "deeper" / "deepest" / "x.wav").write_bytes(b"x" * 10)
    tape = _tape(tmp_path, "RK0011L9")
    write_folder(tape, project)
    index = read_volume(tape).index
    data = index.xml()
    streamed = list(entry_rows(iter_index_entries(io.BytesIO(data))))
    assert sorted(streamed, key=lambda r: r.path) == sorted(index_rows(index), key=lambda r: r.path)
    assert read_index_header(io.BytesIO(data)).generation == 2
    # a folder written without <contents> (allowed for an empty one) is still a folder
    bare = data.replace(b"<contents /></directory>", b"</directory>", 1)
    assert bare != data
    assert {r.path for r in entry_rows(iter_index_entries(io.BytesIO(bare)))} == {r.path for r in streamed}


def test_a_library_file_knows_which_tapes_hold_it(tmp_path: Path, catalog: Catalog) -> None:
    from app.core.facts import FileState
    from app.media.hashing import content_hash

    project = _project(tmp_path / "src")
    tape = _tape(tmp_path, "RK0012L9")
    write_folder(tape, project)
    import_volume(catalog, tape)
    clip = project / "A001" / "A001C003.mov"
    [media_id] = catalog.add_discovered(None, [FileState(os.fsencode(clip), clip.stat().st_size, 1.0)])
    likely = catalog.info(media_id)["tapes"]
    assert [(t["barcode"], t["path"], t["exact"]) for t in likely] == [
        ("RK0012L9", "Day 01/A001/A001C003.mov", False)]  # no content hash yet: name and size
    catalog.db.execute_sql("UPDATE media_file SET content_hash = ? WHERE id = ?", (content_hash(clip), media_id))
    assert catalog.info(media_id)["tapes"][0]["exact"] is True
    catalog.db.execute_sql("UPDATE media_file SET content_hash = ? WHERE id = ?", ("0" * 32, media_id))
    assert catalog.info(media_id)["tapes"][0]["exact"] is False  # another file's bytes: only a likely match


def test_a_truncated_index_xml_is_refused_and_the_catalog_keeps_what_it_had(tmp_path: Path, catalog: Catalog) -> None:
    from app.tape.profiles import TapeError

    project = _project(tmp_path / "src")
    tape = _tape(tmp_path, "RK0013L9")
    write_folder(tape, project)
    import_volume(catalog, tape)
    before = catalog.tapes.by_barcode("RK0013L9")
    rows_before = catalog.tapes.files(before["id"])
    newer = tmp_path / "second"
    newer.mkdir()
    (newer / "more.mov").write_bytes(b"m" * 10)
    write_folder(tape, newer)
    data = read_volume(tape).index.xml()
    cut = tmp_path / "cut.xml"
    cut.write_bytes(data[: len(data) * 2 // 3])  # a copy that stopped part way
    with pytest.raises(TapeError, match="the LTFS index cannot be read"):
        import_index_file(catalog, cut)
    assert catalog.tapes.by_barcode("RK0013L9") == before  # nothing half imported
    assert catalog.tapes.files(before["id"]) == rows_before
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    with pytest.raises(TapeError, match="cannot be read"):
        import_index_file(catalog, empty)
