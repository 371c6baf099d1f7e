"""Numbered schema migrations. PRAGMA user_version holds the catalog's schema version (on PostgreSQL: the one
row of reelkeep_schema). Each step has apply(db) (its frozen SQLite DDL) and postgres(db) (see postgres.py)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from types import ModuleType

from peewee import Database

from app.catalog.dialect import is_postgres
from app.catalog.migrations import (
    m0001_initial,
    m0002_search_and_content_hash,
    m0003_proxies,
    m0004_subclips_and_relinks,
    m0005_video_slices,
    m0006_audio_streams,
    m0007_archive_locations,
    m0008_tapes,
    m0009_tape_order_index,
    m0010_content_hash_indexes,
)
from app.catalog.migrations import postgres as pg
from app.core.errors import CatalogError

# Listed explicitly (not discovered) so frozen builds carry every step.
STEPS: list[ModuleType] = [
    m0001_initial, m0002_search_and_content_hash, m0003_proxies, m0004_subclips_and_relinks, m0005_video_slices,
    m0006_audio_streams, m0007_archive_locations, m0008_tapes,
    m0009_tape_order_index, m0010_content_hash_indexes,
]
HEAD = STEPS[-1].VERSION


def schema_version(db: Database) -> int:
    if is_postgres(db):
        return pg.schema_version(db)
    return db.execute_sql("PRAGMA user_version").fetchone()[0]


def backup_catalog(path: Path, version: int) -> Path:
    """Copy the catalog (consistently, via SQLite's backup API) before changing its schema."""
    target = path.with_name(f"{path.name}.v{version}-{time.strftime('%Y%m%d-%H%M%S')}.bak")
    src = sqlite3.connect(path)
    try:
        dst = sqlite3.connect(target)
        with dst:
            src.backup(dst)
        dst.close()
    finally:
        src.close()
    return target


def upgrade(db: Database, path: Path | None, target: int = HEAD) -> list[int]:
    """Apply every step above the current version up to target; return the versions applied."""
    if not is_postgres(db):
        return _upgrade(db, path, target)
    # A server catalog is backed up by the server's own means (pg_dump); DDL there is transactional too.
    pg.lock(db)
    try:
        return _upgrade(db, None, target, label=pg.display_name(db))
    finally:
        pg.unlock(db)


def _upgrade(db: Database, path: Path | None, target: int, label: str | None = None) -> list[int]:
    current = schema_version(db)
    if current > HEAD:
        raise CatalogError(
            f"the catalog {label or path} has schema version {current}, newer than this Reelkeep knows ({HEAD}); "
            "update Reelkeep or open another catalog with --catalog"
        )
    pending = [step for step in STEPS if current < step.VERSION <= target]
    if pending and current > 0 and path is not None and path.exists():
        backup_catalog(path, current)
    applied = []
    for step in pending:
        # Each step and its version bump commit together: a crash leaves the old version intact. The
        # transaction holds the write lock from its start, so a second process opening the same catalog
        # waits here and then finds the step done (the version is read again inside the lock).
        with db.atomic():
            if schema_version(db) >= step.VERSION:
                continue
            if is_postgres(db):
                step.postgres(db)
                pg.set_schema_version(db, step.VERSION)
            else:
                step.apply(db)
                db.execute_sql(f"PRAGMA user_version = {int(step.VERSION)}")
        applied.append(step.VERSION)
    return applied


