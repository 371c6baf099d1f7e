"""Version 4: subclip links (an extracted file -> its source and frame range) and saved timeline relinks.

Frozen DDL: later changes go into new steps, never here.

A subclip keeps its row when its source is forgotten (source_id becomes NULL; source_path still names it),
and goes away with the extracted file itself. A relink is keyed by the timeline file's content hash and an
event number, so reopening the same file finds it wherever the file lies; it goes away with its media.
"""

from peewee import Database, SqliteDatabase

from app.catalog.migrations import postgres as pg

VERSION = 4

STATEMENTS = [
    """CREATE TABLE subclip (
        media_id INTEGER PRIMARY KEY REFERENCES media_file(id) ON DELETE CASCADE,
        source_id INTEGER REFERENCES media_file(id) ON DELETE SET NULL,
        source_path TEXT NOT NULL,
        first_frame INTEGER NOT NULL,
        last_frame INTEGER NOT NULL,
        in_frame INTEGER NOT NULL,
        out_frame INTEGER NOT NULL,
        handles INTEGER NOT NULL DEFAULT 0,
        first_tc TEXT,
        last_tc TEXT,
        event_number INTEGER,
        timeline TEXT,
        created_at REAL NOT NULL
    )""",
    "CREATE INDEX subclip_source ON subclip(source_id)",
    """CREATE TABLE timeline_relink (
        timeline_hash TEXT NOT NULL,
        event_number INTEGER NOT NULL,
        media_id INTEGER NOT NULL REFERENCES media_file(id) ON DELETE CASCADE,
        created_at REAL NOT NULL,
        PRIMARY KEY (timeline_hash, event_number)
    ) WITHOUT ROWID""",
    "CREATE INDEX timeline_relink_media ON timeline_relink(media_id)",
]


def apply(db: SqliteDatabase) -> None:
    for statement in STATEMENTS:
        db.execute_sql(statement)


def postgres(db: Database) -> None:
    pg.run_translated(db, STATEMENTS)
