"""Version 6: every audio stream of a file (codec, channels, layout, rate, language, title), not only the first.

media_file keeps audio_codec/channels/sample_rate as the first stream's summary (list columns and sorting
use them) and gains audio_track_count: how many audio streams the file has, NULL while unknown. Files
cataloged before this step have NULL and no audio_stream rows until they are read again (a scan does that).

Frozen DDL: later changes go into new steps, never here.
"""

from peewee import Database, SqliteDatabase

from app.catalog.migrations import postgres as pg

VERSION = 6

STATEMENTS = [
    """CREATE TABLE audio_stream (
        media_id INTEGER NOT NULL REFERENCES media_file(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        stream_index INTEGER,
        codec TEXT,
        channels INTEGER,
        layout TEXT,
        sample_rate INTEGER,
        bit_rate INTEGER,
        language TEXT,
        title TEXT,
        PRIMARY KEY (media_id, position)
    ) WITHOUT ROWID""",
    "ALTER TABLE media_file ADD COLUMN audio_track_count INTEGER",
]


def apply(db: SqliteDatabase) -> None:
    for statement in STATEMENTS:
        db.execute_sql(statement)


def postgres(db: Database) -> None:
    pg.run_translated(db, STATEMENTS)
