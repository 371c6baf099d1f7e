"""Version 2: full-text search (FTS5) over names, paths, audio tags and tags; full-content hash column.

The FTS table is filled from existing rows in chunks, so a large catalog upgrades without one huge
transaction.
"""

from peewee import Database, SqliteDatabase, TextField
from playhouse.migrate import SqliteMigrator, migrate

from app.catalog.dialect import TS_CONFIG, ts_document
from app.catalog.migrations import postgres as pg

VERSION = 2
CHUNK = 5000

FTS_DDL = """CREATE VIRTUAL TABLE media_fts USING fts5(
    name, path, title, artist, album, tags,
    tokenize = 'unicode61 remove_diacritics 2'
)"""

# The one definition of what is searchable; the access layer reuses it to keep the index in sync.
FTS_SELECT = """SELECT m.id, m.name, m.path, m.title,
        TRIM(COALESCE(m.artist, '') || ' ' || COALESCE(m.album_artist, '')), m.album,
        (SELECT group_concat(t.name, ' ') FROM media_tag mt JOIN tag t ON t.id = mt.tag_id
          WHERE mt.media_id = m.id)
    FROM media_file m"""


def apply(db: SqliteDatabase) -> None:
    migrator = SqliteMigrator(db)
    migrate(migrator.add_column("media_file", "content_hash", TextField(null=True)))
    db.execute_sql(FTS_DDL)
    last_id = 0
    while True:
        with db.atomic():
            rows = db.execute_sql(
                f"{FTS_SELECT} WHERE m.id > ? ORDER BY m.id LIMIT ?", (last_id, CHUNK)
            ).fetchall()
            if not rows:
                break
            db.cursor().executemany(
                "INSERT INTO media_fts(rowid, name, path, title, artist, album, tags) VALUES (?,?,?,?,?,?,?)",
                rows,
            )
        last_id = rows[-1][0]


# The same rows on PostgreSQL: string_agg for group_concat, tags in the order SQLite's scan of media_tag gives.
FTS_SELECT_POSTGRES = FTS_SELECT.replace("group_concat(t.name, ' ')", "string_agg(t.name::text, ' ' ORDER BY t.id)")

# media_fts as a plain table with a generated tsvector and a GIN index; the access layer fills and empties it
# exactly as it does the FTS5 table (rowid is the media id).
POSTGRES_STATEMENTS = [
    "ALTER TABLE media_file ADD COLUMN content_hash TEXT",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    f"CREATE TEXT SEARCH CONFIGURATION {TS_CONFIG} (COPY = simple)",
    f"""ALTER TEXT SEARCH CONFIGURATION {TS_CONFIG} ALTER MAPPING FOR word, hword, hword_part, numword, numhword,
        hword_numpart WITH unaccent, simple""",
    f"""CREATE TABLE media_fts (
        rowid BIGINT PRIMARY KEY REFERENCES media_file(id) ON DELETE CASCADE,
        name TEXT, path TEXT, title TEXT, artist TEXT, album TEXT, tags TEXT,
        document TSVECTOR GENERATED ALWAYS AS ({ts_document("name", "path", "title", "artist", "album", "tags")}) STORED
    )""",
    "CREATE INDEX media_fts_document ON media_fts USING GIN (document)",
]


def postgres(db: Database) -> None:
    pg.run(db, POSTGRES_STATEMENTS)
    db.execute_sql(f"INSERT INTO media_fts (rowid, name, path, title, artist, album, tags) {FTS_SELECT_POSTGRES}")
