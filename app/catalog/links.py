"""Links between catalog entries: subclips to their source, and timeline events relinked by hand to media."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from typing import Any

from peewee import Database, IntegrityError

from app.core.errors import CatalogError
from app.core.paths import display_path
from app.core.root_map import NO_MAPPING, RootMap

_SUBCLIP_COLUMNS = ("media_id", "source_id", "source_path", "first_frame", "last_frame", "in_frame", "out_frame",
                    "handles", "first_tc", "last_tc", "event_number", "timeline", "created_at")


@dataclass(frozen=True)
class SubclipLink:
    """An extracted file's origin: source frames first..last (inclusive, handles included) of source_id.

    in_frame/out_frame (exclusive) are the range asked for, before handles; event_number and timeline name
    the timeline event it was extracted for, if any.
    """

    source_id: int
    source_path: str
    first_frame: int
    last_frame: int
    in_frame: int
    out_frame: int
    handles: int = 0
    first_tc: str | None = None
    last_tc: str | None = None
    event_number: int | None = None
    timeline: str | None = None


def link_subclip(db: Database, media_id: int, link: SubclipLink, root_map: RootMap = NO_MAPPING) -> None:
    """Record (or replace) where the file media_id was extracted from (its source path in the catalog's form)."""
    link = replace(link, source_path=root_map.to_catalog(link.source_path))
    values = {"media_id": media_id, **asdict(link), "created_at": time.time()}
    columns = ", ".join(_SUBCLIP_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in _SUBCLIP_COLUMNS if c != "media_id")
    try:
        db.execute_sql(
            f"INSERT INTO subclip ({columns}) VALUES ({','.join('?' * len(_SUBCLIP_COLUMNS))})"
            f" ON CONFLICT(media_id) DO UPDATE SET {updates}",
            [values[c] for c in _SUBCLIP_COLUMNS],
        )
    except IntegrityError as exc:
        raise CatalogError(f"cannot link subclip #{media_id} to source #{link.source_id}: not both in the "
                           "catalog") from exc


def _subclip_rows(db: Database, where: str, param: int, root_map: RootMap) -> list[dict[str, Any]]:
    # The source's current path and status win over the path recorded at extraction (it may have moved).
    cursor = db.execute_sql(
        f"SELECT {', '.join('s.' + c for c in _SUBCLIP_COLUMNS)}, src.path AS current_source_path,"
        " src.status AS source_status, sub.path AS path, src.path_raw AS source_raw, sub.path_raw AS path_raw"
        " FROM subclip s LEFT JOIN media_file src ON src.id = s.source_id JOIN media_file sub ON sub.id = s.media_id"
        f" WHERE {where} ORDER BY s.first_frame, sub.path",
        (param,),
    )
    names = [d[0] for d in cursor.description]
    records = []
    for row in cursor.fetchall():
        record = dict(zip(names, row, strict=True))
        current, source_raw, path_raw = record.pop("current_source_path"), record.pop("source_raw"), record.pop("path_raw")
        if root_map:
            current = display_path(root_map.raw_to_local(bytes(source_raw))) if source_raw is not None else None
            record["path"] = display_path(root_map.raw_to_local(bytes(path_raw)))
            record["source_path"] = root_map.to_local(record["source_path"])
        record["source_path"] = current or record["source_path"]
        record["source_status"] = record["source_status"] or "forgotten"  # the row was removed from the catalog
        records.append(record)
    return records


def subclip_source(db: Database, media_id: int, root_map: RootMap = NO_MAPPING) -> dict[str, Any] | None:
    """Where media_id was extracted from (None when it is no subclip)."""
    rows = _subclip_rows(db, "s.media_id = ?", media_id, root_map)
    return rows[0] if rows else None


def subclips_of(db: Database, source_id: int, root_map: RootMap = NO_MAPPING) -> list[dict[str, Any]]:
    """The files extracted from source_id, in source order."""
    return _subclip_rows(db, "s.source_id = ?", source_id, root_map)


def save_relink(db: Database, timeline_hash: str, event_number: int, media_id: int) -> None:
    """Remember that event_number of the timeline with this content hash is media_id."""
    try:
        db.execute_sql(
            "INSERT INTO timeline_relink (timeline_hash, event_number, media_id, created_at) VALUES (?,?,?,?)"
            " ON CONFLICT(timeline_hash, event_number) DO UPDATE SET media_id = excluded.media_id,"
            " created_at = excluded.created_at",
            (timeline_hash, event_number, media_id, time.time()),
        )
    except IntegrityError as exc:
        raise CatalogError(f"cannot relink event {event_number} to media #{media_id}: not in the catalog") from exc


def forget_relink(db: Database, timeline_hash: str, event_number: int) -> bool:
    """Drop a saved relink; True when there was one."""
    cursor = db.execute_sql("DELETE FROM timeline_relink WHERE timeline_hash = ? AND event_number = ?",
                            (timeline_hash, event_number))
    return cursor.rowcount > 0


def relinks(db: Database, timeline_hash: str) -> dict[int, int]:
    """event number -> media id for every saved relink of one timeline."""
    rows = db.execute_sql("SELECT event_number, media_id FROM timeline_relink WHERE timeline_hash = ?",
                          (timeline_hash,)).fetchall()
    return dict(rows)


@dataclass(frozen=True)
class ArchiveLocation:
    """Where a cataloged file lives in a project archive (its media_file path is the stored file itself)."""

    archive: str  # the archive folder
    archive_id: str
    version: str
    logical_path: str


def set_archive_location(db: Database, media_id: int, location: ArchiveLocation,
                         root_map: RootMap = NO_MAPPING) -> None:
    location = replace(location, archive=root_map.to_catalog(location.archive))
    db.execute_sql(
        "INSERT INTO archive_location (media_id, archive, archive_id, version, logical_path, created_at)"
        " VALUES (?,?,?,?,?,?) ON CONFLICT(media_id) DO UPDATE SET archive = excluded.archive,"
        " archive_id = excluded.archive_id, version = excluded.version, logical_path = excluded.logical_path",
        (media_id, location.archive, location.archive_id, location.version, location.logical_path, time.time()),
    )


def archive_folders(db: Database, root_map: RootMap = NO_MAPPING) -> list[str]:
    """Every archive some cataloged file lives in (folders as root_map maps them)."""
    stored = db.execute_sql("SELECT DISTINCT archive FROM archive_location ORDER BY archive").fetchall()
    return list(dict.fromkeys(root_map.to_local(r[0]) for r in stored))


def archive_location(db: Database, media_id: int, root_map: RootMap = NO_MAPPING) -> dict[str, Any] | None:
    row = db.execute_sql(
        "SELECT archive, archive_id, version, logical_path FROM archive_location WHERE media_id = ?", (media_id,)
    ).fetchone()
    if row is None:
        return None
    return dict(zip(("archive", "archive_id", "version", "logical_path"), (root_map.to_local(row[0]), *row[1:]),
                    strict=True))
