"""Opening the catalog file: location, pragmas, migrations."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from peewee import SqliteDatabase

from app.catalog import migrations
from app.catalog.models import database
from app.core.errors import CatalogError

CATALOG_ENV = "REELKEEP_CATALOG"
PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",  # safe with WAL: a crash loses at most the last transactions, never integrity
    "cache_size": -64 * 1024,
    "temp_store": "memory",
}


def default_catalog_path() -> Path:
    """--catalog beats REELKEEP_CATALOG beats the platform data dir."""
    env = os.environ.get(CATALOG_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("reelkeep", appauthor=False)) / "catalog.sqlite"


def open_database(path: Path | str) -> SqliteDatabase:
    """Open (creating and migrating as needed) and bind the models; ':memory:' is allowed for tests."""
    in_memory = str(path) == ":memory:"
    file_path = None if in_memory else Path(path)
    if file_path is not None:
        try:
            file_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CatalogError(f"cannot create the catalog folder {file_path.parent}: {exc.strerror}") from exc
    # check_same_thread=False: peewee keeps one connection per thread anyway; WAL + busy timeout let the
    # GUI thread read while a worker writes.
    db = SqliteDatabase(
        str(path), pragmas=PRAGMAS, timeout=15, check_same_thread=False, autoconnect=True
    )
    try:
        db.connect(reuse_if_open=True)
        migrations.upgrade(db, file_path)
    except CatalogError:
        db.close()
        raise
    except Exception as exc:  # sqlite3.DatabaseError: not a database, locked, read-only…
        db.close()
        raise CatalogError(f"cannot open the catalog {path}: {exc}") from exc
    database.initialize(db)
    return db
