"""The offline catalog of tapes (migration 8): each tape's newest LTFS index as rows, searched and planned from
without any tape loaded. Plain values in and out; the LTFS side (app/tape/offline.py) turns indexes into rows.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import astuple, dataclass, fields
from typing import Any

from peewee import Database

from app.catalog.dialect import dialect_of, insert_id
from app.catalog.tape_matches import LibraryMatch, library_matches
from app.core.errors import CatalogError
from app.core.root_map import NO_MAPPING, RootMap

_CHUNK = 2000
DAY = 86400.0


@dataclass(frozen=True)
class TapeFacts:
    """What an import knows about the tape itself."""

    barcode: str
    volume_uuid: str
    index_generation: int
    index_updated: str
    creator: str = ""
    generation: str | None = None  # LTO8 | LTO9; None for another software's index
    capacity: int | None = None
    tape_set: str | None = None
    copy: str | None = None


@dataclass(frozen=True)
class TapeFileRow:
    """One entry of a tape's index. kind: file | folder | symlink; extents as JSON when there is more than one."""

    path: str
    kind: str
    length: int = 0
    partition: int | None = None
    start_block: int | None = None
    extents: str | None = None
    xxh128: str | None = None
    sha1: str | None = None
    symlink: str | None = None
    modified: str | None = None
    span_offset: int | None = None
    span_length: int | None = None
    span_xxh128: str | None = None
    xattrs: str | None = None


_FILE_COLUMNS = tuple(f.name for f in fields(TapeFileRow))
_TAPE_COLUMNS = ("id", "barcode", "volume_uuid", "generation", "capacity", "used", "files", "index_generation",
                 "index_updated", "creator", "tape_set", "copy", "location", "imported_at")


@dataclass(frozen=True)
class ImportOutcome:
    tape_id: int
    files: int
    replaced: bool  # an older index (or an earlier format) of the same tape was replaced


def _tape_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(_TAPE_COLUMNS, row, strict=False))


def _file_dicts(cursor: Any) -> Iterator[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


_FILE_SELECT = (f"SELECT f.id, t.barcode, t.volume_uuid, t.tape_set, t.copy, {', '.join('f.' + c for c in _FILE_COLUMNS)}"
                " FROM tape_file f JOIN tape t ON t.id = f.tape_id")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class TapeCatalog:
    """The tapes of one catalog (Catalog.tapes). A tape's paths are its own (inside the tape) and are not mapped;
    the library files matched to tape files are, by root_map (Catalog's)."""

    def __init__(self, db: Database, root_map: RootMap = NO_MAPPING) -> None:
        self.db = db
        self.dialect = dialect_of(db)
        self.root_map = root_map

    def import_tape(self, facts: TapeFacts, rows: Iterable[TapeFileRow]) -> ImportOutcome:
        """Keep facts and rows as the tape's catalog entry, replacing an older index of it in one transaction.

        The same volume with an older index is refused (the catalog would go back in time); the same barcode with
        another volume UUID is a reformatted tape, whose old entries and verifications go."""
        with self.db.atomic():
            existing = self.db.execute_sql("SELECT id, volume_uuid, index_generation FROM tape WHERE barcode = ?",
                                      (facts.barcode,)).fetchone()
            other = self.db.execute_sql("SELECT barcode FROM tape WHERE volume_uuid = ? AND barcode != ?",
                                   (facts.volume_uuid, facts.barcode)).fetchone()
            if other is not None:
                raise CatalogError(f"volume {facts.volume_uuid} is cataloged as tape {other[0]}, not {facts.barcode}; "
                                   f"import it with --barcode {other[0]} (or remove {other[0]} from the catalog first)")
            now = time.time()
            if existing is None:
                tape_id = insert_id(
                    self.db,
                    "INSERT INTO tape (barcode, volume_uuid, generation, capacity, index_generation, index_updated,"
                    " creator, tape_set, copy, imported_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (facts.barcode, facts.volume_uuid, facts.generation, facts.capacity, facts.index_generation,
                     facts.index_updated, facts.creator, facts.tape_set, facts.copy, now))
            else:
                tape_id, uuid, stored_generation = existing
                if uuid == facts.volume_uuid and facts.index_generation < stored_generation:
                    raise CatalogError(f"the catalog already has index generation {stored_generation} of "
                                       f"{facts.barcode}, newer than this one ({facts.index_generation}); nothing imported")
                self.db.execute_sql("DELETE FROM tape_file WHERE tape_id = ?", (tape_id,))
                if uuid != facts.volume_uuid:
                    self.db.execute_sql("DELETE FROM tape_verification WHERE tape_id = ?", (tape_id,))
                self.db.execute_sql(
                    "UPDATE tape SET volume_uuid = ?, generation = COALESCE(?, generation),"
                    " capacity = COALESCE(?, capacity), index_generation = ?, index_updated = ?, creator = ?,"
                    " tape_set = COALESCE(?, tape_set), copy = COALESCE(?, copy), imported_at = ? WHERE id = ?",
                    (facts.volume_uuid, facts.generation, facts.capacity, facts.index_generation, facts.index_updated,
                     facts.creator, facts.tape_set, facts.copy, now, tape_id))
            count, used = self._insert_files(tape_id, rows)
            self.db.execute_sql("UPDATE tape SET files = ?, used = ? WHERE id = ?", (count, used, tape_id))
        return ImportOutcome(tape_id, count, existing is not None)

    def _insert_files(self, tape_id: int, rows: Iterable[TapeFileRow]) -> tuple[int, int]:
        sql = (f"INSERT INTO tape_file (tape_id, {', '.join(_FILE_COLUMNS)}) "
               f"VALUES ({','.join('?' * (len(_FILE_COLUMNS) + 1))})")
        count = used = 0
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append((tape_id, *astuple(row)))
            if row.kind == "file":
                count += 1
                used += row.length
            if len(batch) >= _CHUNK:
                self.db.executemany(sql, batch)
                batch.clear()
        if batch:
            self.db.executemany(sql, batch)
        return count, used

    def all(self, reverify_days: float | None = None) -> list[dict[str, Any]]:
        """Every tape with its newest verification pass; with reverify_days, `due_at` (epoch seconds) too."""
        columns = ", ".join(f"t.{c}" for c in _TAPE_COLUMNS)
        found = self.db.execute_sql(
            f"SELECT {columns}, v.finished_at, v.damaged, v.complete, v.files, v.report FROM tape t"
            " LEFT JOIN tape_verification v ON v.id = (SELECT id FROM tape_verification WHERE tape_id = t.id"
            "   ORDER BY finished_at DESC LIMIT 1)"
            " ORDER BY t.barcode").fetchall()
        result = []
        for row in found:
            tape = _tape_dict(row)
            finished, damaged, complete, checked, report = row[len(_TAPE_COLUMNS):]
            tape["last_verified_at"] = finished
            tape["last_verify"] = (None if finished is None else
                                   "damaged" if damaged else "ok" if complete else "incomplete")
            tape["last_verify_files"], tape["last_verify_report"] = checked, report
            if reverify_days is not None:
                since = finished if finished is not None and complete and not damaged else None
                tape["due_at"] = (since + reverify_days * DAY) if since is not None else tape["imported_at"]
            result.append(tape)
        return result

    def by_barcode(self, barcode: str) -> dict[str, Any] | None:
        row = self.db.execute_sql(f"SELECT {', '.join(_TAPE_COLUMNS)} FROM tape WHERE barcode = ?",
                             (barcode.strip().upper(),)).fetchone()
        return _tape_dict(row) if row else None

    def by_volume_uuid(self, volume_uuid: str) -> dict[str, Any] | None:
        row = self.db.execute_sql(f"SELECT {', '.join(_TAPE_COLUMNS)} FROM tape WHERE volume_uuid = ?",
                                  (volume_uuid,)).fetchone()
        return _tape_dict(row) if row else None

    def set_location(self, barcode: str, location: str | None) -> None:
        if self.db.execute_sql("UPDATE tape SET location = ? WHERE barcode = ?", (location, barcode)).rowcount == 0:
            raise CatalogError(f"no tape {barcode} in the catalog")

    def remove(self, barcode: str) -> None:
        if self.db.execute_sql("DELETE FROM tape WHERE barcode = ?", (barcode,)).rowcount == 0:
            raise CatalogError(f"no tape {barcode} in the catalog")

    def files(self, tape_id: int, under: str = "", limit: int | None = None,
                   offset: int = 0) -> list[dict[str, Any]]:
        """The entries of one tape (optionally below folder `under`), in tape order: folders, symlinks and empty
        files (no place on tape) first, then data by partition and first block (index tape_file_order)."""
        clauses, params = ["f.tape_id = ?"], [tape_id]
        under = under.strip("/")
        if under:
            clauses.append("(f.path = ? OR substr(f.path, 1, ?) = ?)")
            params += [under, len(under) + 1, under + "/"]
        page = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else ""
        order = ", ".join(self.dialect.order(c) for c in ("f.partition", "f.start_block", "f.path"))
        cursor = self.db.execute_sql(f"{_FILE_SELECT} WHERE {' AND '.join(clauses)} ORDER BY {order}{page}", params)
        return list(_file_dicts(cursor))

    def entries_at(self, path: str) -> list[dict[str, Any]]:
        """Every tape's entry at path and below it ('' for everything), on all tapes."""
        path = path.strip("/")
        if not path:
            return list(_file_dicts(self.db.execute_sql(_FILE_SELECT)))
        cursor = self.db.execute_sql(f"{_FILE_SELECT} WHERE f.path = ? OR ({self.dialect.binary('f.path')} > ?"
                                     f" AND {self.dialect.binary('f.path')} < ?)",
                                     (path, path + "/", path + "0"))  # '0' sorts right after '/'
        return list(_file_dicts(cursor))

    def find_files(self, text: str, limit: int = 1000) -> list[dict[str, Any]]:
        """Tape entries whose path has every word of text (word starts, as in the library search), by tape."""
        matching = self.dialect.fts_ids("tape_fts", text)
        if matching is None:
            return []
        cursor = self.db.execute_sql(f"{_FILE_SELECT} WHERE f.id IN ({matching[0]})"
                                     f" ORDER BY f.path, {self.dialect.order('t.copy')}, t.barcode LIMIT ?",
                                     (matching[1], limit))
        return list(_file_dicts(cursor))

    def files_by_ids(self, ids: Iterable[int]) -> list[dict[str, Any]]:
        wanted = list(ids)
        found: list[dict[str, Any]] = []
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            found += _file_dicts(self.db.execute_sql(f"{_FILE_SELECT} WHERE f.id IN ({','.join('?' * len(chunk))})", chunk))
        return found

    def files_with_digest(self, xxh128: str) -> list[dict[str, Any]]:
        """Tape entries holding exactly these bytes: a whole file, or a spanned file by its whole-file digest."""
        cursor = self.db.execute_sql(f"{_FILE_SELECT} WHERE f.xxh128 = ? AND f.span_offset IS NULL"
                                     f" ORDER BY {self.dialect.order('t.copy')}, t.barcode", (xxh128,))
        whole = list(_file_dicts(cursor))
        spanned = self.db.execute_sql("SELECT f.path, f.span_length, t.tape_set, t.copy FROM tape_file f JOIN tape t"
                                 " ON t.id = f.tape_id WHERE f.span_xxh128 = ?", (xxh128,)).fetchall()
        for path, length, tape_set, copy in spanned:
            whole += self.span_parts(path, length, tape_set, copy)
        return whole

    def files_named(self, name: str, length: int) -> list[dict[str, Any]]:
        """Tape files with this file name and length (a likely copy when the library file has no full hash)."""
        matching = self.dialect.fts_ids("tape_fts", name)
        if matching is None:  # a name without a word: no entry can match it
            return []
        cursor = self.db.execute_sql(f"{_FILE_SELECT} WHERE f.id IN ({matching[0]})"
                                     " AND (f.path = ? OR f.path LIKE ? ESCAPE '\\') AND f.length = ? AND f.kind = 'file'"
                                     f" ORDER BY {self.dialect.order('t.copy')}, t.barcode",
                                     (matching[1], name, "%/" + _like_escape(name), length))
        return list(_file_dicts(cursor))

    def holding(self, content_hash: str | None, name: str, size: int) -> list[dict[str, Any]]:
        """Where a library file is on tape: by its full content hash (exact), else by name and size (likely)."""
        if content_hash:
            found = self.files_with_digest(content_hash)
            if found:
                return [{**row, "exact": True} for row in found]
        return [{**row, "exact": False} for row in self.files_named(name, size)] if size else []

    def library_matches(self, digests: Iterable[str | None]) -> dict[str, LibraryMatch]:
        """digest -> the library file holding exactly those bytes (by its content hash), in one query a page."""
        return library_matches(self.db, digests, self.root_map)

    def span_parts(self, path: str, span_length: int, tape_set: str | None,
                   copy: str | None) -> list[dict[str, Any]]:
        """The parts of one spanned file in the same tape set and copy, by offset."""
        cursor = self.db.execute_sql(f"{_FILE_SELECT} WHERE f.path = ? AND f.span_length = ? AND f.span_offset IS NOT NULL"
                                     f" AND {self.dialect.same('t.tape_set')} AND {self.dialect.same('t.copy')}"
                                     " ORDER BY f.span_offset", (path, span_length, tape_set, copy))
        return list(_file_dicts(cursor))

    def record_verification(self, tape_id: int, started_at: float, index_generation: int, files: int,
                            size: int, damaged: int, complete: bool, report: str | None = None) -> None:
        self.db.execute_sql(
            "INSERT INTO tape_verification (tape_id, started_at, finished_at, index_generation, files, bytes, damaged,"
            " complete, report) VALUES (?,?,?,?,?,?,?,?,?)",
            (tape_id, started_at, time.time(), index_generation, files, size, damaged, int(complete), report))

    def verifications(self, tape_id: int) -> list[dict[str, Any]]:
        cursor = self.db.execute_sql("SELECT started_at, finished_at, index_generation, files, bytes, damaged, complete,"
                                " report FROM tape_verification WHERE tape_id = ? ORDER BY finished_at DESC", (tape_id,))
        return list(_file_dicts(cursor))
