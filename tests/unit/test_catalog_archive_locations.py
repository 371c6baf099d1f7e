"""Migration 7: files cataloged from a project archive keep their archive location; older catalogs upgrade."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest
from peewee import SqliteDatabase

from app.catalog import migrations
from app.catalog.catalog import Catalog
from app.catalog.links import ArchiveLocation
from app.catalog.migrations import (
    m0001_initial,
    m0002_search_and_content_hash,
    m0003_proxies,
    m0004_subclips_and_relinks,
    m0005_video_slices,
    m0006_audio_streams,
)
from tests.integration.test_cli import reelkeep

pytestmark = pytest.mark.both_backends


def _version_6_catalog(path: Path, clip: Path) -> None:
    db = SqliteDatabase(str(path))
    db.connect()
    with db.atomic():
        for step in (m0001_initial, m0002_search_and_content_hash, m0003_proxies, m0004_subclips_and_relinks,
                     m0005_video_slices, m0006_audio_streams):
            step.apply(db)
        db.execute_sql("PRAGMA user_version = 6")
    now = time.time()
    db.execute_sql(
        "INSERT INTO media_file (id, root_id, path, path_raw, name, size, mtime, kind, rating, added_at,"
        " modified_at, last_seen_at, status) VALUES (1, NULL, ?, ?, ?, 4, ?, 'video', 3, ?, ?, ?, 'ok')",
        (str(clip), os.fsencode(clip), clip.name, now, now, now, now),
    )
    db.close()


def test_version_6_catalog_upgrades_and_records_archive_locations(tmp_path: Path) -> None:
    stored = tmp_path / "Archive" / "v1" / "content" / "A001" / "A001C003.mov"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"clip")
    path = tmp_path / "v6.sqlite"
    _version_6_catalog(path, stored)
    catalog = Catalog(path)
    try:
        assert migrations.schema_version(catalog.db) == migrations.HEAD >= 7
        assert catalog.info(1)["archive"] is None and catalog.info(1)["rating"] == 3  # kept through the upgrade
        location = ArchiveLocation(str(tmp_path / "Archive"), "urn:uuid:1", "v1", "A001/A001C003.mov")
        catalog.set_archive_location(1, location)
        assert catalog.info(1)["archive"] == {"archive": str(tmp_path / "Archive"), "archive_id": "urn:uuid:1",
                                              "version": "v1", "logical_path": "A001/A001C003.mov"}
        catalog.set_archive_location(1, ArchiveLocation(location.archive, location.archive_id, "v2",
                                                        location.logical_path))
        assert catalog.info(1)["archive"]["version"] == "v2"  # replaced, not duplicated
    finally:
        catalog.close()
    text = reelkeep("info", str(stored), catalog=path).stdout
    assert f"stored in archive {tmp_path / 'Archive'}, v2: A001/A001C003.mov" in text
    catalog = Catalog(path)
    try:
        catalog.remove_media([1])
        assert catalog.db.execute_sql("SELECT COUNT(*) FROM archive_location").fetchone()[0] == 0
    finally:
        catalog.close()
    backups = list(tmp_path.glob("v6.sqlite.v6-*.bak"))
    assert backups
    with sqlite3.connect(backups[0]) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 6
