"""Version 7: files cataloged from a project archive keep where they live in it (the archive folder, the version
and the logical path), so the library shows 'in archive X, v3, A001/clip.mov' instead of an OCFL content path and
the file is found again by its archive location. The media_file row points at the stored file itself: no copy.

Frozen DDL: later changes go into new steps, never here.
"""

from peewee import Database, SqliteDatabase

from app.catalog.migrations import postgres as pg

VERSION = 7

STATEMENTS = [
    """CREATE TABLE archive_location (
        media_id INTEGER PRIMARY KEY REFERENCES media_file(id) ON DELETE CASCADE,
        archive TEXT NOT NULL,
        archive_id TEXT NOT NULL,
        version TEXT NOT NULL,
        logical_path TEXT NOT NULL,
        created_at REAL NOT NULL
    )""",
    "CREATE INDEX archive_location_archive ON archive_location(archive_id, version)",
]


def apply(db: SqliteDatabase) -> None:
    for statement in STATEMENTS:
        db.execute_sql(statement)


def postgres(db: Database) -> None:
    pg.run_translated(db, STATEMENTS)
