"""Version 3: proxies (smaller renditions of a file, one per preset), made by the proxy job.

Frozen DDL: later changes go into new steps, never here.
"""

from peewee import Database, SqliteDatabase

from app.catalog.migrations import postgres as pg

VERSION = 3

STATEMENTS = [
    """CREATE TABLE proxy (
        id INTEGER PRIMARY KEY,
        media_id INTEGER NOT NULL REFERENCES media_file(id) ON DELETE CASCADE,
        preset TEXT NOT NULL,
        path TEXT NOT NULL,
        codec TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        bit_rate INTEGER,
        size INTEGER NOT NULL,
        frame_count INTEGER NOT NULL,
        created_at REAL NOT NULL,
        UNIQUE (media_id, preset)
    )""",
]


def apply(db: SqliteDatabase) -> None:
    for statement in STATEMENTS:
        db.execute_sql(statement)


def postgres(db: Database) -> None:
    pg.run_translated(db, STATEMENTS)
