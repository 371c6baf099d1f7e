"""Version 8: the offline catalog of LTFS tapes. Every tape's newest index is kept here — its files with their
place on the tape (partition, first block, extents), digests and spanned-file parts — so a search, "which tape
holds this" and a restore plan need no tape loaded. Verification passes are kept per tape for the re-verify due
list and the reports.

Frozen DDL: later changes go into new steps, never here.
"""

from peewee import Database, SqliteDatabase

from app.catalog.dialect import ts_document
from app.catalog.migrations import postgres as pg

VERSION = 8

STATEMENTS = [
    """CREATE TABLE tape (
        id INTEGER PRIMARY KEY,
        barcode TEXT NOT NULL UNIQUE,
        volume_uuid TEXT NOT NULL,
        generation TEXT,
        capacity INTEGER,
        used INTEGER NOT NULL DEFAULT 0,
        files INTEGER NOT NULL DEFAULT 0,
        index_generation INTEGER NOT NULL,
        index_updated TEXT NOT NULL,
        creator TEXT NOT NULL DEFAULT '',
        tape_set TEXT,
        copy TEXT,
        location TEXT,
        imported_at REAL NOT NULL
    )""",
    """CREATE TABLE tape_file (
        id INTEGER PRIMARY KEY,
        tape_id INTEGER NOT NULL REFERENCES tape(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        kind TEXT NOT NULL,
        length INTEGER NOT NULL DEFAULT 0,
        partition INTEGER,
        start_block INTEGER,
        extents TEXT,
        xxh128 TEXT,
        sha1 TEXT,
        symlink TEXT,
        modified TEXT,
        span_offset INTEGER,
        span_length INTEGER,
        span_xxh128 TEXT,
        xattrs TEXT,
        UNIQUE (tape_id, path)
    )""",
    "CREATE INDEX tape_file_xxh128 ON tape_file(xxh128)",
    "CREATE INDEX tape_file_path ON tape_file(path)",
    """CREATE VIRTUAL TABLE tape_fts USING fts5(path, tokenize = 'unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER tape_file_indexed AFTER INSERT ON tape_file BEGIN
        INSERT INTO tape_fts(rowid, path) VALUES (new.id, new.path);
    END""",
    """CREATE TRIGGER tape_file_unindexed AFTER DELETE ON tape_file BEGIN
        DELETE FROM tape_fts WHERE rowid = old.id;
    END""",
    """CREATE TABLE tape_verification (
        id INTEGER PRIMARY KEY,
        tape_id INTEGER NOT NULL REFERENCES tape(id) ON DELETE CASCADE,
        started_at REAL NOT NULL,
        finished_at REAL NOT NULL,
        index_generation INTEGER NOT NULL,
        files INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        damaged INTEGER NOT NULL,
        complete INTEGER NOT NULL,
        report TEXT
    )""",
    "CREATE INDEX tape_verification_tape ON tape_verification(tape_id, finished_at)",
]


def apply(db: SqliteDatabase) -> None:
    for statement in STATEMENTS:
        db.execute_sql(statement)


# tape_fts as a table with a generated tsvector (GIN), filled by a trigger as the FTS5 table is; rows go with
# their tape_file row by the foreign key (the SQLite delete trigger's work).
POSTGRES_FTS = [
    f"""CREATE TABLE tape_fts (
        rowid BIGINT PRIMARY KEY REFERENCES tape_file(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        document TSVECTOR GENERATED ALWAYS AS ({ts_document("path")}) STORED
    )""",
    "CREATE INDEX tape_fts_document ON tape_fts USING GIN (document)",
    """CREATE FUNCTION tape_file_indexed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO tape_fts (rowid, path) VALUES (NEW.id, NEW.path);
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER tape_file_indexed AFTER INSERT ON tape_file FOR EACH ROW EXECUTE FUNCTION tape_file_indexed()",
]


def postgres(db: Database) -> None:
    for statement in STATEMENTS:
        if statement.startswith("CREATE VIRTUAL TABLE tape_fts"):
            pg.run(db, POSTGRES_FTS)
        elif not statement.startswith("CREATE TRIGGER"):  # the SQLite triggers: in POSTGRES_FTS and the key
            db.execute_sql(pg.translate(statement))
