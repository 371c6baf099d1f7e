"""SQL for the audio_stream table: every audio stream of a file (schema version 6)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from peewee import Database

from app.catalog.db import CatalogDatabase
from app.core.facts import AudioStreamFacts

COLUMNS = ("position", "stream_index", "codec", "channels", "layout", "sample_rate", "bit_rate", "language",
           "title")


def replace(db: CatalogDatabase, tracks: Mapping[int, Sequence[AudioStreamFacts]]) -> None:
    """Set each file's audio streams (and their count) to exactly these; call inside a transaction."""
    if not tracks:
        return
    ids = list(tracks)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        db.execute_sql(f"DELETE FROM audio_stream WHERE media_id IN ({','.join('?' * len(chunk))})", chunk)
    rows = [
        (media_id, t.index, t.stream_index, t.codec, t.channels, t.layout, t.sample_rate, t.bit_rate, t.language,
         t.title)
        for media_id, found in tracks.items() for t in found
    ]
    if rows:
        db.executemany(
            f"INSERT INTO audio_stream (media_id, {', '.join(COLUMNS)}) VALUES ({','.join('?' * 10)})", rows
        )
    db.executemany("UPDATE media_file SET audio_track_count = ? WHERE id = ?",
                            [(len(found), media_id) for media_id, found in tracks.items()])


def read(db: Database, media_id: int) -> list[dict[str, Any]] | None:
    """A file's audio streams in order (the keys of `info`'s audio_tracks), or None while not read yet."""
    count = db.execute_sql("SELECT audio_track_count FROM media_file WHERE id = ?", (media_id,)).fetchone()
    if count is None or count[0] is None:
        return None
    cursor = db.execute_sql(
        f"SELECT {', '.join(COLUMNS)} FROM audio_stream WHERE media_id = ? ORDER BY position", (media_id,)
    )
    return [
        {"index": r[0], "stream_index": r[1], "codec": r[2], "channels": r[3], "layout": r[4],
         "sample_rate": r[5], "bit_rate": r[6], "language": r[7], "title": r[8]}
        for r in cursor.fetchall()
    ]


def unread_ids(db: Database, root_id: int) -> list[int]:
    """Readable audio and video files under a root whose streams were never read (cataloged before version 6)."""
    rows = db.execute_sql(
        "SELECT id FROM media_file WHERE root_id = ? AND audio_track_count IS NULL AND status = 'ok'"
        " AND kind IN ('audio', 'video')",
        (root_id,),
    ).fetchall()
    return [r[0] for r in rows]
