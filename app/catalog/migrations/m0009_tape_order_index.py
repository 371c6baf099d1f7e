"""Version 9: a tape's files listed in tape order (partition, block) page by page without sorting the whole tape
each time — a 1,000,000-file tape in the Tape panel.

Frozen DDL: later changes go into new steps, never here.
"""

from peewee import Database, SqliteDatabase

from app.catalog.migrations import postgres as pg

VERSION = 9

STATEMENTS = [
    "CREATE INDEX tape_file_order ON tape_file(tape_id, partition, start_block, path)",
]


def apply(db: SqliteDatabase) -> None:
    for statement in STATEMENTS:
        db.execute_sql(statement)


def postgres(db: Database) -> None:
    # Tape order puts entries without a place (NULL partition and block) first, as SQLite sorts NULLs; the
    # access layer asks for NULLS FIRST on PostgreSQL, so the index is built that way to serve it.
    pg.run(db, ["CREATE INDEX tape_file_order ON tape_file"
                "(tape_id, partition NULLS FIRST, start_block NULLS FIRST, path)"])
