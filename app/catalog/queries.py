"""Read queries: filtered id lists, pages of rows, one file's full record, browser facets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from peewee import Database

from app.catalog import audio_streams, links
from app.catalog.dialect import SqliteDialect, dialect_of
from app.catalog.filters import CASELESS_SORTS, SORT_COLUMNS, LibraryFilter
from app.catalog.tapes import TapeCatalog
from app.core.errors import CatalogError
from app.core.paths import display_path
from app.core.root_map import NO_MAPPING, RootMap

ROW_COLUMNS = (
    "id", "name", "path", "kind", "duration", "width", "height", "fps_num", "fps_den", "video_codec",
    "audio_codec", "start_tc", "rating", "favourite", "size", "added_at", "status", "status_message",
    "title", "artist", "album_artist", "album", "track", "disc",
)


def _where(flt: LibraryFilter, dialect: SqliteDialect) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    matching = dialect.fts_ids("media_fts", flt.text) if flt.text else None
    if matching:
        clauses.append(f"m.id IN ({matching[0]})")
        params.append(matching[1])
    if flt.kinds:
        clauses.append(f"m.kind IN ({','.join('?' * len(flt.kinds))})")
        params.extend(sorted(flt.kinds))
    if flt.tag:
        clauses.append(
            "EXISTS (SELECT 1 FROM media_tag mt JOIN tag t ON t.id = mt.tag_id"
            " WHERE mt.media_id = m.id AND t.name = ?)"
        )
        params.append(flt.tag)
    if flt.min_rating:
        clauses.append("m.rating >= ?")
        params.append(flt.min_rating)
    if flt.favourites_only:
        clauses.append("m.favourite = 1")
    if flt.status:
        clauses.append("m.status = ?")
        params.append(flt.status)
    if flt.artist is not None:
        clauses.append("COALESCE(m.album_artist, m.artist) = ?")
        params.append(flt.artist)
    if flt.album is not None:
        clauses.append("m.album = ?")
        params.append(flt.album)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def query_ids(db: Database, flt: LibraryFilter) -> list[int]:
    """Ids of every matching file in display order. A whole 100k-id list is cheap and lets views page by id."""
    if flt.sort not in SORT_COLUMNS:
        raise CatalogError(f"unknown sort key {flt.sort!r}; one of {', '.join(sorted(SORT_COLUMNS))}")
    dialect = dialect_of(db)
    where, params = _where(flt, dialect)
    key = SORT_COLUMNS[flt.sort]
    key = dialect.nocase(key) if flt.sort in CASELESS_SORTS else key
    order = f"{dialect.order(key, flt.descending)}, {dialect.order('m.id', flt.descending)}"
    sql = f"SELECT m.id FROM media_file m{where} ORDER BY {order}"
    return [r[0] for r in db.execute_sql(sql, params).fetchall()]


def rows(db: Database, ids: Sequence[int], root_map: RootMap = NO_MAPPING) -> list[dict[str, Any]]:
    """Display rows for ids, in the order given, each with its tags joined by ', '; paths as root_map maps them."""
    if not ids:
        return []
    raw = ", m.path_raw" if root_map else ""
    tags = dialect_of(db).group_concat("t.name", ", ", "t.id")
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        cursor = db.execute_sql(
            f"SELECT {', '.join('m.' + c for c in ROW_COLUMNS)},"
            f" (SELECT {tags} FROM media_tag mt JOIN tag t ON t.id = mt.tag_id"
            f"  WHERE mt.media_id = m.id) AS tags{raw}"
            f" FROM media_file m WHERE m.id IN ({marks})",
            chunk,
        )
        names = [d[0] for d in cursor.description]
        for row in cursor.fetchall():
            record = dict(zip(names, row, strict=True))
            if root_map:
                record["path"] = local_display(record.pop("path_raw"), root_map)
            found[row[0]] = record
    return [found[i] for i in ids if i in found]


def local_display(path_raw: bytes | memoryview, root_map: RootMap) -> str:
    """The display form (media_file.path) of a catalog path as this machine sees it."""
    return display_path(root_map.raw_to_local(bytes(path_raw)))


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def info(db: Database, media_id: int, root_map: RootMap = NO_MAPPING) -> dict[str, Any]:
    """Everything the catalog knows about one file. Keys are documented in docs/cli.md and stable."""
    cursor = db.execute_sql(
        "SELECT m.*, r.path AS root_path FROM media_file m LEFT JOIN library_root r ON r.id = m.root_id"
        " WHERE m.id = ?",
        (media_id,),
    )
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    if row is None:
        raise CatalogError(f"no file with id {media_id} in the catalog")
    m = dict(zip(names, row, strict=True))
    tags = [r[0] for r in db.execute_sql(
        "SELECT t.name FROM media_tag mt JOIN tag t ON t.id = mt.tag_id WHERE mt.media_id = ? ORDER BY t.name",
        (media_id,),
    ).fetchall()]
    markers = [
        {"frame": frame, "name": name}
        for frame, name in db.execute_sql(
            "SELECT frame, name FROM marker WHERE media_id = ? ORDER BY frame", (media_id,)
        ).fetchall()
    ]
    rate = f"{m['fps_num']}/{m['fps_den']}" if m["fps_num"] else None
    if root_map:
        m["path"], m["root_path"] = local_display(m["path_raw"], root_map), root_map.to_local(m["root_path"])
    archive = links.archive_location(db, media_id, root_map)
    return {
        "id": m["id"], "path": m["path"], "name": m["name"], "root": m["root_path"],
        "size": m["size"], "mtime": _iso(m["mtime"]), "kind": m["kind"],
        "status": m["status"], "status_message": m["status_message"],
        "container": m["container"], "duration": m["duration"],
        "video_codec": m["video_codec"], "profile": m["profile"], "width": m["width"], "height": m["height"],
        "frame_rate": rate, "frame_count": m["frame_count"],
        "start_timecode": m["start_tc"], "drop_frame": bool(m["drop_frame"]), "pix_fmt": m["pix_fmt"],
        "video_slices": m["video_slices"],
        "audio_codec": m["audio_codec"], "channels": m["channels"], "sample_rate": m["sample_rate"],
        "audio_tracks": audio_streams.read(db, media_id),
        "bit_rate": m["bit_rate"],
        "title": m["title"], "artist": m["artist"], "album": m["album"], "album_artist": m["album_artist"],
        "track": m["track"], "disc": m["disc"], "year": m["year"], "genre": m["genre"],
        "has_cover": bool(m["has_cover"]),
        "identity_hash": m["identity_hash"], "content_hash": m["content_hash"],
        "rating": m["rating"], "favourite": bool(m["favourite"]), "tags": tags,
        "play_count": m["play_count"], "last_played": _iso(m["last_played"]),
        "resume_seconds": m["resume_seconds"], "markers": markers,
        "added_at": _iso(m["added_at"]), "modified_at": _iso(m["modified_at"]),
        "last_seen_at": _iso(m["last_seen_at"]), "probed_at": _iso(m["probed_at"]),
        "proxies": [
            {k: p[k] for k in ("preset", "path", "codec", "width", "height", "size", "bit_rate")}
            for p in proxies(db, media_id, root_map)
        ],
        "subclip_of": _link_record(links.subclip_source(db, media_id, root_map)),
        "subclips": [_link_record(r) for r in links.subclips_of(db, media_id, root_map)],
        "archive": archive,
        "tapes": [
            {"barcode": t["barcode"], "copy": t["copy"], "path": t["path"], "span_offset": t["span_offset"],
             "exact": t["exact"]}
            for t in TapeCatalog(db).holding(m["content_hash"], m["name"], m["size"])
        ],
    }


def _link_record(record: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if record is None else {**record, "created_at": _iso(record["created_at"])}


PROXY_COLUMNS = ("preset", "path", "codec", "width", "height", "bit_rate", "size", "frame_count", "created_at")


def proxies(db: Database, media_id: int, root_map: RootMap = NO_MAPPING) -> list[dict[str, Any]]:
    """A file's proxies, smallest picture first (paths as root_map maps them)."""
    cursor = db.execute_sql(
        f"SELECT {', '.join(PROXY_COLUMNS)} FROM proxy WHERE media_id = ? ORDER BY width * height, preset",
        (media_id,),
    )
    found = [dict(zip(PROXY_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    for proxy in found:
        proxy["path"] = root_map.to_local(proxy["path"])
    return found


def tag_counts(db: Database) -> list[tuple[str, int]]:
    dialect = dialect_of(db)
    return [tuple(r) for r in db.execute_sql(
        "SELECT t.name, COUNT(mt.media_id) FROM tag t JOIN media_tag mt ON mt.tag_id = t.id"
        f" GROUP BY t.id ORDER BY {dialect.nocase('t.name')}"
    ).fetchall()]


def artists_albums(db: Database) -> list[tuple[str, str, int]]:
    """(artist, album, tracks) for audio files, album artist preferred over track artist."""
    dialect = dialect_of(db)
    return [tuple(r) for r in db.execute_sql(
        "SELECT COALESCE(album_artist, artist) AS who, COALESCE(album, ''), COUNT(*) FROM media_file"
        " WHERE kind = 'audio' AND COALESCE(album_artist, artist) IS NOT NULL"
        " GROUP BY who, album"
        f" ORDER BY {dialect.order(dialect.nocase('COALESCE(album_artist, artist)'))},"
        f" {dialect.order(dialect.nocase('album'))}"
    ).fetchall()]
