"""Version 1: roots, media files with probe fields, tags, markers.

Frozen DDL: later changes go into new steps, never here, so that old catalogs upgrade the same way.
"""

from peewee import Database, SqliteDatabase

from app.catalog.migrations import postgres as pg

VERSION = 1

STATEMENTS = [
    """CREATE TABLE library_root (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        added_at REAL NOT NULL,
        last_scan_at REAL
    )""",
    """CREATE TABLE media_file (
        id INTEGER PRIMARY KEY,
        root_id INTEGER REFERENCES library_root(id) ON DELETE SET NULL,
        path TEXT NOT NULL,
        path_raw BLOB NOT NULL UNIQUE,
        name TEXT NOT NULL,
        size INTEGER NOT NULL DEFAULT 0,
        mtime REAL NOT NULL DEFAULT 0,
        identity_hash TEXT,
        kind TEXT NOT NULL DEFAULT 'unknown',
        container TEXT, duration REAL,
        video_codec TEXT, profile TEXT, width INTEGER, height INTEGER,
        fps_num INTEGER, fps_den INTEGER, frame_count INTEGER,
        start_tc TEXT, drop_frame INTEGER NOT NULL DEFAULT 0, pix_fmt TEXT,
        audio_codec TEXT, channels INTEGER, sample_rate INTEGER, bit_rate INTEGER,
        title TEXT, artist TEXT, album TEXT, album_artist TEXT,
        track INTEGER, disc INTEGER, year INTEGER, genre TEXT,
        has_cover INTEGER NOT NULL DEFAULT 0,
        added_at REAL NOT NULL, modified_at REAL NOT NULL, last_seen_at REAL NOT NULL, probed_at REAL,
        status TEXT NOT NULL DEFAULT 'pending', status_message TEXT,
        rating INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),
        favourite INTEGER NOT NULL DEFAULT 0,
        play_count INTEGER NOT NULL DEFAULT 0, last_played REAL, resume_seconds REAL
    )""",
    "CREATE INDEX media_file_root ON media_file(root_id)",
    "CREATE INDEX media_file_identity ON media_file(identity_hash)",
    "CREATE INDEX media_file_status ON media_file(status)",
    "CREATE INDEX media_file_kind ON media_file(kind)",
    "CREATE INDEX media_file_artist_album ON media_file(COALESCE(album_artist, artist), album)",
    """CREATE TABLE tag (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE
    )""",
    """CREATE TABLE media_tag (
        media_id INTEGER NOT NULL REFERENCES media_file(id) ON DELETE CASCADE,
        tag_id INTEGER NOT NULL REFERENCES tag(id) ON DELETE CASCADE,
        PRIMARY KEY (media_id, tag_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX media_tag_tag ON media_tag(tag_id)",
    """CREATE TABLE marker (
        id INTEGER PRIMARY KEY,
        media_id INTEGER NOT NULL REFERENCES media_file(id) ON DELETE CASCADE,
        frame INTEGER NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL
    )""",
    "CREATE INDEX marker_media ON marker(media_id, frame)",
]


def apply(db: SqliteDatabase) -> None:
    for statement in STATEMENTS:
        db.execute_sql(statement)


def postgres(db: Database) -> None:
    db.execute_sql("CREATE EXTENSION IF NOT EXISTS citext")  # tag names: case-insensitive like NOCASE
    pg.run_translated(db, STATEMENTS)
