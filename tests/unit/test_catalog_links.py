"""Catalog schema version 4: subclip links and saved relinks, upgraded from a version 3 file with its data kept."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from peewee import SqliteDatabase

from app.catalog import migrations
from app.catalog.catalog import Catalog
from app.catalog.links import SubclipLink
from app.catalog.migrations import m0001_initial, m0002_search_and_content_hash, m0003_proxies
from app.core.errors import CatalogError

pytestmark = pytest.mark.both_backends


def _version_3_catalog(path: Path) -> None:
    db = SqliteDatabase(str(path))
    db.connect()
    with db.atomic():
        for step in (m0001_initial, m0002_search_and_content_hash, m0003_proxies):
            step.apply(db)
        db.execute_sql("PRAGMA user_version = 3")
    now = time.time()
    for media_id, name, tc in ((1, "A001C003.mov", "01:00:00:00"), (2, "001_A001C003.mov", "01:00:00:20"),
                               (3, "other.mov", None)):
        db.execute_sql(
            "INSERT INTO media_file (id, path, path_raw, name, size, mtime, kind, fps_num, fps_den, start_tc,"
            " added_at, modified_at, last_seen_at, status) VALUES (?, ?, ?, ?, 9, 1.0, 'video', 25, 1, ?, ?, ?, ?,"
            " 'ok')",
            (media_id, f"/m/{name}", f"/m/{name}".encode(), name, tc, now, now, now),
        )
    db.execute_sql("INSERT INTO proxy (media_id, preset, path, codec, width, height, size, frame_count, created_at)"
                   " VALUES (1, 'preview', '/p/1.mp4', 'libx264', 320, 180, 10, 75, 0)")
    db.close()


def _link(source_id: int = 1, event: int | None = 7) -> SubclipLink:
    return SubclipLink(source_id, "/m/A001C003.mov", 20, 54, 25, 50, 5, "01:00:00:20", "01:00:02:04", event,
                       "cut.edl" if event else None)


def test_version_3_catalog_upgrades_to_links_keeping_data(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite"
    _version_3_catalog(path)
    catalog = Catalog(path)
    try:
        assert migrations.schema_version(catalog.db) == migrations.HEAD >= 4
        info = catalog.info(1)
        assert (info["name"], info["start_timecode"], [p["preset"] for p in info["proxies"]]) == (
            "A001C003.mov", "01:00:00:00", ["preview"])
        assert (info["subclip_of"], info["subclips"]) == (None, [])
        catalog.link_subclip(2, _link())
        source = catalog.subclip_source(2)
        assert source is not None
        assert {k: source[k] for k in ("source_id", "source_path", "source_status", "first_frame", "last_frame",
                                       "in_frame", "out_frame", "handles", "first_tc", "last_tc",
                                       "event_number", "timeline", "path")} == {
            "source_id": 1, "source_path": "/m/A001C003.mov", "source_status": "ok", "first_frame": 20,
            "last_frame": 54, "in_frame": 25, "out_frame": 50, "handles": 5, "first_tc": "01:00:00:20",
            "last_tc": "01:00:02:04", "event_number": 7, "timeline": "cut.edl", "path": "/m/001_A001C003.mov"}
        assert [s["path"] for s in catalog.subclips_of(1)] == ["/m/001_A001C003.mov"]
        assert catalog.info(1)["subclips"][0]["media_id"] == 2
        assert catalog.info(2)["subclip_of"]["source_id"] == 1
        catalog.link_subclip(2, _link(event=None))  # extracting to the same file again replaces the link
        assert catalog.subclip_source(2)["event_number"] is None
        assert catalog.db.execute_sql("SELECT COUNT(*) FROM subclip").fetchone()[0] == 1
    finally:
        catalog.close()
    backups = list(tmp_path.glob("v3.sqlite.v3-*.bak"))
    assert backups
    with sqlite3.connect(backups[0]) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 3


def test_a_missing_or_forgotten_source_keeps_the_subclip(catalog: Catalog, tmp_path: Path) -> None:
    _three_files(catalog)
    catalog.link_subclip(2, _link())
    catalog.mark_missing([1])
    assert catalog.subclip_source(2)["source_status"] == "missing"
    catalog.remove_media([1])  # ON DELETE SET NULL: the subclip keeps its frames and the source's last path
    source = catalog.subclip_source(2)
    assert (source["source_id"], source["source_path"], source["source_status"]) == (
        None, "/m/A001C003.mov", "forgotten")
    assert catalog.subclips_of(1) == []
    catalog.remove_media([2])  # the link goes with the subclip itself
    assert catalog.db.execute_sql("SELECT COUNT(*) FROM subclip").fetchone()[0] == 0


def test_links_to_unknown_files_are_refused(catalog: Catalog) -> None:
    _three_files(catalog)
    with pytest.raises(CatalogError, match="not both in the catalog"):
        catalog.link_subclip(2, _link(source_id=99))
    with pytest.raises(CatalogError, match="not in the catalog"):
        catalog.save_relink("abc", 3, 99)


def test_saved_relinks_by_timeline_hash(catalog: Catalog) -> None:
    _three_files(catalog)
    catalog.save_relink("hash-a", 3, 1)
    catalog.save_relink("hash-a", 3, 2)  # relinking again replaces
    catalog.save_relink("hash-a", 4, 3)
    catalog.save_relink("hash-b", 3, 1)
    assert catalog.relinks("hash-a") == {3: 2, 4: 3}
    assert catalog.forget_relink("hash-a", 4) and not catalog.forget_relink("hash-a", 4)
    catalog.remove_media([2])  # a relink to a forgotten file goes with it
    assert catalog.relinks("hash-a") == {} and catalog.relinks("hash-b") == {3: 1}


def _three_files(catalog: Catalog) -> None:
    now = time.time()
    for media_id, name in ((1, "A001C003.mov"), (2, "001_A001C003.mov"), (3, "other.mov")):
        catalog.db.execute_sql(
            "INSERT INTO media_file (id, path, path_raw, name, kind, added_at, modified_at, last_seen_at, status)"
            " VALUES (?, ?, ?, ?, 'video', ?, ?, ?, 'ok')", (media_id, f"/m/{name}", f"/m/{name}".encode(), name,
                                                           now, now, now))
