"""Reads of a library selection as a whole (100,000 ids): its totals and what a tape plan needs of each file,
a few statements per 500 ids rather than a query per file."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from peewee import Database

from app.core.root_map import NO_MAPPING, RootMap

_CHUNK = 500  # well under SQLite's variable limit; short statements


@dataclass(frozen=True)
class SelectedFile:
    """What the catalog recorded of one file: where it is, its root, its size when last seen."""

    media_id: int
    root_id: int | None
    path_raw: bytes
    size: int
    status: str
    identity_hash: str | None


@dataclass(frozen=True)
class RecordedProxy:
    media_id: int
    preset: str
    path: str
    size: int


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), _CHUNK):
        yield unique[start:start + _CHUNK]


def totals(db: Database, ids: Sequence[int]) -> tuple[int, int]:
    """(files, bytes) of the ids still in the catalog, from the sizes it recorded (no file is read)."""
    files = size = 0
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        count, total = db.execute_sql(
            # CAST: PostgreSQL's SUM of bigints is a numeric (a Decimal in Python)
            f"SELECT COUNT(*), CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM media_file WHERE id IN ({marks})",
            chunk).fetchone()
        files, size = files + count, size + total
    return files, size


def files(db: Database, ids: Sequence[int], root_map: RootMap = NO_MAPPING) -> list[SelectedFile]:
    """The ids' records (an id no longer in the catalog is left out), in no particular order; paths as root_map
    maps them (Catalog.selected_files passes this machine's)."""
    found: list[SelectedFile] = []
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        rows = db.execute_sql(
            f"SELECT id, root_id, path_raw, size, status, identity_hash FROM media_file WHERE id IN ({marks})",
            chunk).fetchall()
        found.extend(SelectedFile(r[0], r[1], root_map.raw_to_local(bytes(r[2])), r[3] or 0, r[4], r[5]) for r in rows)
    return found


def proxies(db: Database, ids: Sequence[int], root_map: RootMap = NO_MAPPING) -> dict[int, list[RecordedProxy]]:
    """The proxies the catalog recorded for the ids, by id, each file's smallest picture first (paths as root_map
    maps them)."""
    found: dict[int, list[RecordedProxy]] = {}
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        rows = db.execute_sql(
            f"SELECT media_id, preset, path, size FROM proxy WHERE media_id IN ({marks})"
            " ORDER BY media_id, width * height, preset", chunk).fetchall()
        for media_id, preset, path, size in rows:
            found.setdefault(media_id, []).append(RecordedProxy(media_id, preset, root_map.to_local(path), size))
    return found
