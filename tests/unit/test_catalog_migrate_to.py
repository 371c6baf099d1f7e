"""`reelkeep catalog migrate-to postgresql://…`: a catalog file copied onto the tests' real PostgreSQL server,
checked by counts and checksums; the copy answers every question as the file does."""

from __future__ import annotations

import io
import os
from fractions import Fraction
from pathlib import Path

import pytest

from app.catalog.catalog import Catalog
from app.catalog.filters import LibraryFilter
from app.catalog.links import ArchiveLocation, SubclipLink
from app.catalog.tapes import TapeFacts, TapeFileRow
from app.catalog.transfer import DERIVED, TABLES, checksum
from app.cli import main
from app.core.errors import CatalogError
from app.core.facts import AudioStreamFacts, FileState, MediaFacts, ProbeOutcome


def _library(path: Path, root: Path) -> list[int]:
    """A catalog file with some of everything the schema holds."""
    catalog = Catalog(path)
    try:
        root_id = catalog.add_root(root)
        raws = [os.fsencode(root) + name for name in (b"/A001C003.mov", b"/b\xffad name.wav", "/Ünïcødé.mov".encode())]
        ids = catalog.add_discovered(root_id, [FileState(raw, 1000 + i, 1.5 + i) for i, raw in enumerate(raws)])
        tracks = (AudioStreamFacts(index=0, stream_index=1, codec="pcm_s24le", channels=2, layout="stereo",
                                   sample_rate=48000, language="eng"),)
        catalog.apply_probes([
            ProbeOutcome(ids[0], "h0", MediaFacts(kind="video", frame_rate=Fraction(24000, 1001), width=1920,
                                                  height=1080, start_tc="01:00:00:00", drop_frame=False,
                                                  audio_tracks=tracks, title="Harbour at dusk")),
            ProbeOutcome(ids[1], "h1", MediaFacts(kind="audio", artist="Crew", album="Day 2", has_cover=True)),
            ProbeOutcome(ids[2], None, None, error="truncated"),
        ])
        catalog.add_tags(ids[:2], ["Selects", "day 2"])
        catalog.set_rating([ids[0]], 4)
        catalog.set_favourite([ids[1]], True)
        catalog.add_marker(ids[0], 240, "slate")
        catalog.set_proxy(ids[0], "preview", root / "p.mp4", "h264", 640, 360, None, 5000, 48)
        catalog.link_subclip(ids[2], SubclipLink(ids[0], "/old/A001C003.mov", 10, 20, 12, 18, handles=2))
        catalog.save_relink("f" * 64, 3, ids[0])
        catalog.set_archive_location(ids[1], ArchiveLocation("/arch/P1", "urn:x", "v3", "A001/clip.mov"))
        catalog.record_content_hashes([(raws[0], 1000, 1.5, "ab" * 16)])
        outcome = catalog.tapes.import_tape(
            TapeFacts("RK0001L9", "uuid-1", 2, "2026-01-01T00:00:00Z", generation="LTO9", copy="A"),
            [TapeFileRow("Day 01", "folder"), TapeFileRow("Day 01/A001C003.mov", "file", 1000, 1, 40, xxh128="ab" * 16),
             TapeFileRow("Day 01/sound roll.wav", "file", 10, 1, 60, span_offset=0, span_length=20)])
        catalog.tapes.record_verification(outcome.tape_id, 1.0, 2, 2, 1010, 0, True, "ok")
        return ids
    finally:
        catalog.close()


def _migrate(source: Path, url: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--catalog", str(source), "catalog", "migrate-to", url], out)
    return code, out.getvalue()


def test_a_catalog_file_is_copied_onto_the_server_and_answers_alike(tmp_path: Path, postgres_url: str) -> None:
    source = tmp_path / "catalog.sqlite"
    ids = _library(source, tmp_path)
    code, said = _migrate(source, postgres_url)
    assert code == 0, said
    assert "verified: 13 tables" in said and "media_file: 3 rows, sha256 " in said

    file, server = Catalog(source), Catalog(postgres_url)
    try:
        for media_id in ids:
            assert server.info(media_id) == file.info(media_id)
        for flt in (LibraryFilter(), LibraryFilter(text="harb"), LibraryFilter(tag="SELECTS"),
                    LibraryFilter(sort="name", descending=True), LibraryFilter(favourites_only=True)):
            assert server.query_ids(flt) == file.query_ids(flt)
        assert server.rows(ids) == file.rows(ids)
        assert server.tag_counts() == file.tag_counts()
        assert server.tapes.all() == file.tapes.all()
        assert server.tapes.find_files("sound") == file.tapes.find_files("sound")
        # the server hands out new ids after the copied ones
        [new_id] = server.add_discovered(None, [FileState(b"/later.mov", 1, 1.0)])
        assert new_id > max(ids)
    finally:
        file.close()
        server.close()


def test_a_catalog_with_data_is_never_a_target(tmp_path: Path, postgres_url: str) -> None:
    source = tmp_path / "catalog.sqlite"
    _library(source, tmp_path)
    assert _migrate(source, postgres_url)[0] == 0
    code, _ = _migrate(source, postgres_url)
    assert code == 1  # the error goes to stderr: not empty
    server = Catalog(postgres_url)
    try:
        assert server.count() == 3
    finally:
        server.close()


def test_a_value_the_server_refuses_leaves_the_server_catalog_empty(tmp_path: Path, postgres_url: str) -> None:
    source = tmp_path / "catalog.sqlite"
    _library(source, tmp_path)
    file = Catalog(source)
    try:
        # SQLite's loose typing keeps text in an INTEGER column; a BIGINT column on the server refuses it
        file.db.execute_sql("UPDATE media_file SET year = 'nineteen ninety' WHERE kind = 'audio'")
        with pytest.raises(CatalogError, match="media_file: a row cannot be stored on the server"):
            from app.catalog.transfer import migrate_to

            migrate_to(file, postgres_url)
    finally:
        file.close()
    server = Catalog(postgres_url)
    try:
        assert server.count() == 0 and server.roots() == []
    finally:
        server.close()


def test_the_copied_tables_are_every_table_of_the_schema(postgres_url: str) -> None:
    server = Catalog(postgres_url)
    try:
        tables = {r[0] for r in server.db.execute_sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'").fetchall()}
    finally:
        server.close()
    assert tables == {t for t, _ in TABLES} | {d for d, _ in DERIVED} | {"reelkeep_schema"}


def test_checksums_tell_types_and_row_borders_apart() -> None:
    assert checksum(iter([(1,)]))[1] != checksum(iter([(1.0,)]))[1] != checksum(iter([("1",)]))[1]
    assert checksum(iter([("a", "b")]))[1] != checksum(iter([("a",), ("b",)]))[1]
    assert checksum(iter([(b"\x00",)]))[1] != checksum(iter([("00",)]))[1]
    assert checksum(iter([(None,)])) != checksum(iter([]))
