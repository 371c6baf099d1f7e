"""The catalog: migrations from an old file, FTS kept in sync, edits, robustness of paths."""

from __future__ import annotations

import os
import sqlite3
import time
from fractions import Fraction
from pathlib import Path

import pytest
from peewee import SqliteDatabase

from app.catalog import migrations
from app.catalog.catalog import Catalog
from app.catalog.filters import LibraryFilter
from app.catalog.migrations import m0001_initial
from app.core.errors import CatalogError
from app.core.facts import FileState, MediaFacts, ProbeOutcome

pytestmark = pytest.mark.both_backends


def _version_1_catalog(path: Path) -> None:
    """A catalog file exactly as schema version 1 left it, with user data in it."""
    db = SqliteDatabase(str(path))
    db.connect()
    with db.atomic():
        m0001_initial.apply(db)
        db.execute_sql("PRAGMA user_version = 1")
    now = time.time()
    db.execute_sql("INSERT INTO library_root (id, path, added_at) VALUES (1, '/old/root', ?)", (now,))
    db.execute_sql(
        "INSERT INTO media_file (id, root_id, path, path_raw, name, size, mtime, kind, fps_num, fps_den,"
        " start_tc, title, artist, added_at, modified_at, last_seen_at, status, rating, favourite)"
        " VALUES (7, 1, '/old/root/Take 12.mov', ?, 'Take 12.mov', 1234, 1.5, 'video', 24000, 1001,"
        " '01:00:00:00', 'Sunset take', 'Crew', ?, ?, ?, 'ok', 4, 1)",
        (b"/old/root/Take 12.mov", now, now, now),
    )
    db.execute_sql("INSERT INTO tag (id, name) VALUES (1, 'selects')")
    db.execute_sql("INSERT INTO media_tag (media_id, tag_id) VALUES (7, 1)")
    db.execute_sql("INSERT INTO marker (media_id, frame, name, created_at) VALUES (7, 240, 'slate', ?)", (now,))
    db.close()


def test_version_1_catalog_upgrades_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _version_1_catalog(path)

    catalog = Catalog(path)
    try:
        assert migrations.schema_version(catalog.db) == migrations.HEAD
        info = catalog.info(7)
        assert info["name"] == "Take 12.mov"
        assert info["frame_rate"] == "24000/1001"
        assert info["start_timecode"] == "01:00:00:00"
        assert info["rating"] == 4 and info["favourite"] is True
        assert info["tags"] == ["selects"]
        assert info["markers"] == [{"frame": 240, "name": "slate"}]
        assert info["content_hash"] is None  # the column version 2 added
        # the data migration indexed the old rows for full-text search
        assert catalog.query_ids(LibraryFilter(text="sunset")) == [7]
        assert catalog.query_ids(LibraryFilter(text="selec")) == [7]
    finally:
        catalog.close()
    backups = list(tmp_path.glob("old.sqlite.v1-*.bak"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as backup:
        assert backup.execute("PRAGMA user_version").fetchone()[0] == 1
        assert backup.execute("SELECT name FROM media_file").fetchall() == [("Take 12.mov",)]


def test_newer_catalog_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {migrations.HEAD + 1}")
    with pytest.raises(CatalogError, match="newer than this Reelkeep knows"):
        Catalog(path)


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "garbage.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CatalogError, match="cannot open the catalog"):
        Catalog(path)


@pytest.mark.sqlite_only
def test_pragmas_wal_and_foreign_keys(catalog: Catalog) -> None:
    assert catalog.db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert catalog.db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1


def _add(catalog: Catalog, root: Path, name: bytes | str, **facts) -> int:
    raw = os.fsencode(root) + b"/" + (name if isinstance(name, bytes) else name.encode())
    [media_id] = catalog.add_discovered(catalog.add_root(root), [FileState(raw, 10, 1.0)])
    if facts:
        catalog.apply_probes([ProbeOutcome(media_id, f"h-{media_id}", MediaFacts(**facts))])
    return media_id


def test_search_tags_ratings_and_filters(catalog: Catalog, tmp_path: Path) -> None:
    song = _add(catalog, tmp_path, "01 Night.flac", kind="audio", title="Nightcall", artist="Kavinsky",
                album="OutRun", track=1)
    clip = _add(catalog, tmp_path, "A001C003.mov", kind="video", frame_rate=Fraction(25))
    catalog.add_tags([clip], ["Day 1", "selects"])
    catalog.set_rating([song], 5)
    catalog.set_favourite([clip], True)

    assert catalog.query_ids(LibraryFilter(text="kavin")) == [song]
    assert catalog.query_ids(LibraryFilter(text="outrun night")) == [song]
    assert catalog.query_ids(LibraryFilter(text="a001c003")) == [clip]
    assert catalog.query_ids(LibraryFilter(text="day")) == [clip]
    assert catalog.query_ids(LibraryFilter(kinds=frozenset({"audio"}))) == [song]
    assert catalog.query_ids(LibraryFilter(min_rating=4)) == [song]
    assert catalog.query_ids(LibraryFilter(favourites_only=True)) == [clip]
    assert catalog.query_ids(LibraryFilter(tag="selects")) == [clip]
    assert catalog.query_ids(LibraryFilter(artist="Kavinsky", album="OutRun")) == [song]
    assert catalog.tag_counts() == [("Day 1", 1), ("selects", 1)]
    assert catalog.artists_albums() == [("Kavinsky", "OutRun", 1)]

    catalog.remove_tags([clip], ["selects"])
    assert catalog.query_ids(LibraryFilter(text="selects")) == []
    assert catalog.tag_counts() == [("Day 1", 1)]
    with pytest.raises(CatalogError):
        catalog.set_rating([song], 6)


def test_flags_written_through_the_models_are_0_or_1(catalog: Catalog, tmp_path: Path) -> None:
    from app.catalog.models import MediaFile

    media_id = _add(catalog, tmp_path, "A001C001.mov", kind="video")
    MediaFile.update(favourite=True, has_cover=True).where(MediaFile.id == media_id).execute()
    assert MediaFile.get_by_id(media_id).favourite is True
    assert catalog.query_ids(LibraryFilter(favourites_only=True)) == [media_id]
    assert catalog.info(media_id)["has_cover"] is True
    assert catalog.db.execute_sql("SELECT favourite FROM media_file WHERE id = ?", (media_id,)).fetchone()[0] == 1


def test_search_ignores_fts_syntax_in_user_input(catalog: Catalog, tmp_path: Path) -> None:
    media_id = _add(catalog, tmp_path, 'weird "name" (NEAR) OR.mp4', kind="video")
    assert catalog.query_ids(LibraryFilter(text='"name" NEAR(')) == [media_id]
    assert catalog.query_ids(LibraryFilter(text="***")) == [media_id]  # no words: no text filter


def test_non_utf8_and_unicode_paths_round_trip(catalog: Catalog, tmp_path: Path) -> None:
    odd = _add(catalog, tmp_path, b"clip\xff\xfe.mov", kind="video")
    uni = _add(catalog, tmp_path, "Ünïcødé 日本語 🎬.mov", kind="video")
    assert catalog.id_for_path(os.fsencode(tmp_path) + b"/clip\xff\xfe.mov") == odd
    assert catalog.info(odd)["name"] == "clip\\xff\\xfe.mov"
    assert catalog.id_for_path(tmp_path / "Ünïcødé 日本語 🎬.mov") == uni
    assert catalog.query_ids(LibraryFilter(text="日本語")) == [uni]


def test_remove_media_never_touches_disk(catalog: Catalog, tmp_path: Path) -> None:
    (tmp_path / "keep.mp4").write_bytes(b"x")
    media_id = _add(catalog, tmp_path, "keep.mp4", kind="video")
    catalog.add_tags([media_id], ["x"])
    catalog.remove_media([media_id])
    assert catalog.count() == 0
    assert catalog.tag_counts() == []
    assert (tmp_path / "keep.mp4").exists()


def test_concurrent_reader_while_writer_commits(catalog: Catalog, tmp_path: Path) -> None:
    """WAL: a second thread reads while the first writes, without 'database is locked'."""
    import threading

    errors: list[BaseException] = []
    root = catalog.add_root(tmp_path)

    def writer() -> None:
        try:
            for batch in range(20):
                states = [FileState(f"/w/{batch}-{i}.mp4".encode(), i, 1.0) for i in range(200)]
                catalog.add_discovered(root, states)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    counts = []
    while thread.is_alive():
        counts.append(len(catalog.query_ids(LibraryFilter(text="mp4"))))
    thread.join()
    assert not errors
    assert catalog.count() == 4000
    assert counts == sorted(counts)
