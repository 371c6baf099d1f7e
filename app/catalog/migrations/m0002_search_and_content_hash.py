"""Version 2: full-text search (FTS5) over names, paths, audio tags and tags; full-content hash column.

The FTS table is filled from existing rows in chunks, so a large catalog upgrades without one huge
transaction.
"""

from peewee import SqliteDatabase, TextField
from playhouse.migrate import SqliteMigrator, migrate

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
