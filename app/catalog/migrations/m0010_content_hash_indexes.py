"""Version 10: the content hash is looked up — a page of tape files matched to the library (825 ms for 1,000 tape
files against a 1,000,000-file library without an index, 15 ms with one) and "which tape holds this" for a
spanned file by its whole-file digest (17 ms per catalog info call with a 100,000-file tape cataloged).

Frozen DDL: later changes go into new steps, never here.
"""

from peewee import Database, SqliteDatabase

from app.catalog.migrations import postgres as pg

VERSION = 10

STATEMENTS = [
    "CREATE INDEX media_file_content_hash ON media_file(content_hash)",
    "CREATE INDEX tape_file_span_xxh128 ON tape_file(span_xxh128)",
]


def apply(db: SqliteDatabase) -> None:
    for statement in STATEMENTS:
        db.execute_sql(statement)


def postgres(db: Database) -> None:
    pg.run(db, STATEMENTS)
