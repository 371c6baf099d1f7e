"""Catalog schema version 3: the proxy table, upgraded from a version 2 file with its data kept."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from peewee import SqliteDatabase

from app.catalog import migrations
from app.catalog.catalog import Catalog
from app.catalog.filters import LibraryFilter
from app.catalog.migrations import m0001_initial, m0002_search_and_content_hash

pytestmark = pytest.mark.both_backends


def _version_2_catalog(path: Path) -> None:
    db = SqliteDatabase(str(path))
    db.connect()
    with db.atomic():
        m0001_initial.apply(db)
        m0002_search_and_content_hash.apply(db)
        db.execute_sql("PRAGMA user_version = 2")
    now = time.time()
    db.execute_sql(
        "INSERT INTO media_file (id, path, path_raw, name, size, mtime, kind, fps_num, fps_den, start_tc,"
        " content_hash, added_at, modified_at, last_seen_at, status, rating)"
        " VALUES (3, '/m/Take 4.mov', ?, 'Take 4.mov', 99, 1.0, 'video', 25, 1, '10:00:00:00', 'abc', ?, ?, ?,"
        " 'ok', 5)",
        (b"/m/Take 4.mov", now, now, now),
    )
    db.execute_sql("INSERT INTO media_fts(rowid, name, path, title, artist, album, tags)"
                   " VALUES (3, 'Take 4.mov', '/m/Take 4.mov', NULL, '', NULL, NULL)")
    db.close()


def test_version_2_catalog_upgrades_to_proxies_keeping_data(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite"
    _version_2_catalog(path)
    catalog = Catalog(path)
    try:
        assert migrations.schema_version(catalog.db) == migrations.HEAD >= 3
        info = catalog.info(3)
        assert (info["name"], info["rating"], info["content_hash"], info["start_timecode"]) == (
            "Take 4.mov", 5, "abc", "10:00:00:00")
        assert info["proxies"] == []
        assert catalog.query_ids(LibraryFilter(text="take")) == [3]
        catalog.set_proxy(3, "preview", "/p/preview.mp4", "libx264", 960, 540, 1_500_000, 1000, 250)
        catalog.set_proxy(3, "preview", "/p/preview.mp4", "libx264", 960, 540, 1_400_000, 900, 250)  # replaces
        catalog.set_proxy(3, "thumbnail", "/p/thumbnail.mp4", "libx264", 320, 180, 300_000, 100, 250)
        assert [(p["preset"], p["size"], p["bit_rate"]) for p in catalog.info(3)["proxies"]] == [
            ("thumbnail", 100, 300_000), ("preview", 900, 1_400_000)]
        assert set(catalog.info(3)["proxies"][0]) == {"preset", "path", "codec", "width", "height", "size",
                                                      "bit_rate"}
        catalog.remove_media([3])  # the rows go with the file (ON DELETE CASCADE)
        assert catalog.db.execute_sql("SELECT COUNT(*) FROM proxy").fetchone()[0] == 0
    finally:
        catalog.close()
    assert list(tmp_path.glob("v2.sqlite.v2-*.bak"))
