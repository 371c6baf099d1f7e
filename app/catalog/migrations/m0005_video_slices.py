"""Version 5: slices per coded frame of a video (H.264/HEVC), so the player can pick the decoder threading
that seeks fastest. Files cataloged before stay NULL (unknown) until they are probed again.

Frozen DDL: later changes go into new steps, never here.
"""

from peewee import Database, SqliteDatabase

from app.catalog.migrations import postgres as pg

VERSION = 5

STATEMENTS = [
    "ALTER TABLE media_file ADD COLUMN video_slices INTEGER",
]


def apply(db: SqliteDatabase) -> None:
    for statement in STATEMENTS:
        db.execute_sql(statement)


def postgres(db: Database) -> None:
    pg.run_translated(db, STATEMENTS)
