"""Schema 10: content hashes are looked up through indexes (a page of tape files matched to the library, a spanned
file's whole digest), on both backends; a version 9 catalog upgrades to them and keeps its rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from peewee import SqliteDatabase

from app.catalog import migrations
from app.catalog.catalog import Catalog


def _index_names(catalog: Catalog) -> set[str]:
    if isinstance(catalog.db, SqliteDatabase):
        rows = catalog.db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
    else:
        rows = catalog.db.execute_sql("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'").fetchall()
    return {row[0] for row in rows}


@pytest.mark.both_backends
def test_content_hash_lookups_have_indexes(catalog: Catalog) -> None:
    assert {"media_file_content_hash", "tape_file_span_xxh128"} <= _index_names(catalog)


def test_a_version_9_catalog_upgrades_and_the_lookup_uses_the_index(tmp_path: Path) -> None:
    path = tmp_path / "v9.sqlite"
    db = SqliteDatabase(str(path))
    db.connect()
    with db.atomic():
        for step in migrations.STEPS[:9]:
            step.apply(db)
        db.execute_sql("PRAGMA user_version = 9")
    db.execute_sql("INSERT INTO tag (name) VALUES ('keep')")
    db.close()
    catalog = Catalog(path)
    try:
        assert migrations.schema_version(catalog.db) == migrations.HEAD >= 10
        assert catalog._sql("SELECT name FROM tag") == [("keep",)]
        plan = " ".join(str(row) for row in catalog._sql(
            "EXPLAIN QUERY PLAN SELECT id FROM media_file WHERE content_hash = ?", ("0" * 32,)))
        assert "media_file_content_hash" in plan
    finally:
        catalog.close()
    assert list(tmp_path.glob("v9.sqlite.v9-*.bak"))
