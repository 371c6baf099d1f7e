"""The one catalog access layer: every read and write of the library goes through Catalog."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from app.catalog import audio_streams, links, queries, selection
from app.catalog.changes import ChangeListener, PostgresChangeListener, SqliteChangeListener
from app.catalog.db import CatalogDatabase, CatalogPostgresDatabase, open_database
from app.catalog.dialect import dialect_of, insert_id, is_postgres
from app.catalog.filters import LibraryFilter
from app.catalog.links import ArchiveLocation, SubclipLink
from app.catalog.migrations.m0002_search_and_content_hash import FTS_SELECT, FTS_SELECT_POSTGRES
from app.catalog.models import ERROR, MISSING, OK, PENDING
from app.catalog.moves import MoveMatcher, adopt_moved
from app.catalog.tapes import TapeCatalog
from app.core.errors import CatalogError, EditConflict
from app.core.facts import AudioStreamFacts, FileState, MediaFacts, ProbeOutcome
from app.core.kinds import kind_for_name
from app.core.paths import display_name, display_path, raw_path
from app.core.root_map import RootMap, folder_prefix

_CHUNK = 500
# Columns a probe fills in (MediaFacts.catalog_fields keys), in a fixed order for prepared statements.
_FACT_COLUMNS = tuple(
    c for c in MediaFacts(kind="video").catalog_fields()
)  # SQLite's variable limit is 32766; chunks keep statements and transactions short


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _root_in(roots: Sequence[tuple[int, str]], path: str | Path) -> int | None:
    """The root of roots (id, path) that contains path, deepest first."""
    target = os.path.abspath(os.fspath(path))
    best = None
    for root_id, root_path in roots:
        inside = target == root_path or target.startswith(root_path.rstrip(os.sep) + os.sep)
        if inside and (best is None or len(root_path) > len(best[1])):
            best = (root_id, root_path)
    return best[0] if best else None


def _below(raw: bytes, folder: bytes) -> bool:
    """raw is folder or a path below it (this machine's paths: components split at /)."""
    return raw == folder or raw.startswith(folder.rstrip(b"/") + b"/")


class Catalog:
    """Thread-safe (one connection per thread) access to the catalog: a SQLite file (WAL), or a PostgreSQL
    database when path is a postgresql:// URL. All SQL here is written once, SQLite-style (see dialect.py).

    Paths cross this class in this machine's form and are stored in the catalog's (root_map, see
    app/core/root_map.py): every path given is mapped to the catalog's form here, every path returned to this
    machine's, so one catalog serves machines that mount its storage at different places. Without a root_map the
    mapping a parent Reelkeep handed down ($REELKEEP_ROOT_MAP) is used; none by default.

    as_other_program: its writes reach this program's change listeners as another program's (the window's own
    sharing server: a rating set on a phone shows in the window as one set in another program would)."""

    def __init__(self, path: Path | str, root_map: RootMap | None = None, as_other_program: bool = False) -> None:
        self.path = path
        self.root_map = RootMap.from_environment() if root_map is None else root_map
        self.db: CatalogDatabase | CatalogPostgresDatabase = open_database(path)
        if as_other_program:
            if isinstance(self.db, CatalogPostgresDatabase):
                self.db.origin = secrets.token_hex(6)
            else:
                self.db.notes_own_writes = False
        self._fts_select = FTS_SELECT_POSTGRES if is_postgres(self.db) else FTS_SELECT
        self.dialect = dialect_of(self.db)
        self.tapes = TapeCatalog(self.db, self.root_map)

    def close(self) -> None:
        self.db.close()

    def listen(self) -> ChangeListener:
        """A listener told when other programs change this catalog (see changes.py); the caller closes it."""
        if is_postgres(self.db):
            return PostgresChangeListener(self.db.database)
        if str(self.path) == ":memory:":
            raise CatalogError("an in-memory catalog has no other programs to listen to")
        return SqliteChangeListener(self.path)

    def _sql(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self.db.execute_sql(sql, params).fetchall()

    # ---- paths at the boundary: this machine's form outside, the catalog's inside
    def _stored(self, path: str | Path | bytes) -> bytes:
        """The catalog's exact bytes for a path of this machine (made absolute first)."""
        return self.root_map.raw_to_catalog(raw_path(path))

    def _local(self, raw: bytes | memoryview) -> bytes:
        return self.root_map.raw_to_local(bytes(raw))

    def _rows_below(self, path: str | Path | bytes, columns: str, where: str = "",
                    params: Sequence[Any] = ()) -> list[tuple]:
        """Rows of media_file (columns, then the local path_raw last) of the file at path or below it on this
        machine. Mapped: the catalog folders that can hold such files are read, then each row's local path is
        checked (a catalog folder below path may be mounted elsewhere here)."""
        local = raw_path(path)
        found: dict[int, tuple] = {}
        for stored in self.root_map.catalog_folders_for(local):
            prefix = folder_prefix(stored)
            for row in self._sql(f"SELECT id, {columns}, path_raw FROM media_file WHERE (path_raw = ? OR"
                                 f" substr(path_raw, 1, ?) = ?){where}", (stored, len(prefix), prefix, *params)):
                found[row[0]] = (*row[1:-1], self._local(row[-1]))
        if not self.root_map:
            return list(found.values())
        return [row for row in found.values() if _below(row[-1], local)]

    def _catalog_roots(self) -> list[tuple[int, str]]:
        return [(root_id, path) for root_id, path in self._sql("SELECT id, path FROM library_root ORDER BY path")]

    # ---- roots
    def add_root(self, path: str | Path) -> int:
        """A library folder of this machine; stored in the catalog's form (the same root for every machine)."""
        resolved = os.path.abspath(os.fspath(path))
        if not os.path.isdir(resolved):
            raise CatalogError(f"not a folder: {resolved}")
        stored = self.root_map.to_catalog(resolved)
        self.db.execute_sql("INSERT INTO library_root (path, added_at) VALUES (?, ?) ON CONFLICT(path) DO NOTHING",
                            (stored, time.time()))
        return self._sql("SELECT id FROM library_root WHERE path = ?", (stored,))[0][0]

    def remove_root(self, root_id: int) -> None:
        """Forget a root and its files in the catalog (files on disk are never touched)."""
        with self.db.atomic():
            ids = [r[0] for r in self._sql("SELECT id FROM media_file WHERE root_id = ?", (root_id,))]
            self.remove_media(ids)
            self.db.execute_sql("DELETE FROM library_root WHERE id = ?", (root_id,))

    def roots(self) -> list[tuple[int, str]]:
        """(id, folder on this machine) of every library root, in the catalog's order."""
        return [(root_id, self.root_map.to_local(path)) for root_id, path in self._catalog_roots()]

    def root_for(self, path: str | Path) -> int | None:
        """The root that contains path, deepest first."""
        return _root_in(self.roots(), path)

    def mark_root_scanned(self, root_id: int) -> None:
        self.db.execute_sql("UPDATE library_root SET last_scan_at = ? WHERE id = ?", (time.time(), root_id))

    # ---- discovery (phase 1)
    def known_files(self, root_id: int | None) -> dict[bytes, tuple[int, int, float, str]]:
        """path_raw -> (id, size, mtime, status) for every file under a root (None: files without a root)."""
        where = "root_id = ?" if root_id is not None else "root_id IS NULL"
        params = (root_id,) if root_id is not None else ()
        rows = self._sql(f"SELECT path_raw, id, size, mtime, status FROM media_file WHERE {where}", params)
        return {self._local(r[0]): (r[1], r[2], r[3], r[4]) for r in rows}

    def add_discovered(self, root_id: int | None, files: Sequence[FileState]) -> list[int]:
        """Insert new files as 'pending' (or 'error' when discovery already failed); return their ids in order."""
        now = time.time()
        ids: list[int] = []
        with self.db.atomic():
            for chunk in _chunks(files):
                raws = [self.root_map.raw_to_catalog(f.raw_path) for f in chunk]
                self.db.executemany(
                    "INSERT INTO media_file (root_id, path, path_raw, name, kind, size, mtime, added_at,"
                    " modified_at, last_seen_at, status, status_message) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT(path_raw) DO UPDATE SET root_id = excluded.root_id, size = excluded.size,"
                    " mtime = excluded.mtime, last_seen_at = excluded.last_seen_at,"
                    " status = excluded.status, status_message = excluded.status_message",
                    [
                        (
                            root_id, display_path(raw), raw, display_name(raw),
                            kind_for_name(raw) or "unknown", f.size, f.mtime, now, now, now,
                            ERROR if f.error else PENDING, f.error,
                        )
                        for f, raw in zip(chunk, raws, strict=True)
                    ],
                )
                marks = ",".join("?" * len(chunk))
                found = dict(
                    (bytes(raw), media_id)
                    for raw, media_id in self._sql(f"SELECT path_raw, id FROM media_file WHERE path_raw IN ({marks})", raws)
                )
                ids.extend(found[raw] for raw in raws)
            self._reindex(ids)
        return ids

    def mark_changed(self, changes: Sequence[tuple[int, FileState]]) -> None:
        """Files whose size or mtime changed: store the new stat and queue them for probing."""
        now = time.time()
        with self.db.atomic():
            for chunk in _chunks(changes):
                self.db.executemany(
                    "UPDATE media_file SET size = ?, mtime = ?, last_seen_at = ?, modified_at = ?,"
                    " status = ?, status_message = ? WHERE id = ?",
                    [
                        (f.size, f.mtime, now, now, ERROR if f.error else PENDING, f.error, media_id)
                        for media_id, f in chunk
                    ],
                )

    def mark_seen(self, ids: Sequence[int]) -> None:
        now = time.time()
        with self.db.atomic():
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                self.db.execute_sql(
                    f"UPDATE media_file SET last_seen_at = ? WHERE id IN ({marks})", (now, *chunk)
                )

    def mark_root_seen(self, root_id: int) -> None:
        """After a full walk: every present file under the root was seen now (one statement for 100k rows)."""
        self.db.execute_sql(
            "UPDATE media_file SET last_seen_at = ? WHERE root_id = ? AND status != ?", (time.time(), root_id, MISSING)
        )

    def mark_missing(self, ids: Sequence[int]) -> None:
        """Files no longer on disk keep their row (tags, ratings, markers) with status 'missing'."""
        now = time.time()
        with self.db.atomic():
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                self.db.execute_sql(
                    f"UPDATE media_file SET status = ?, status_message = ?, modified_at = ? "
                    f"WHERE id IN ({marks}) AND status != ?",
                    (MISSING, "file not found on disk (moved, renamed or deleted)", now, *chunk, MISSING),
                )

    def pending_ids(self, root_id: int | None = None) -> list[int]:
        if root_id is None:
            return [r[0] for r in self._sql("SELECT id FROM media_file WHERE status = ?", (PENDING,))]
        rows = self._sql("SELECT id FROM media_file WHERE status = ? AND root_id = ?", (PENDING, root_id))
        return [r[0] for r in rows]

    def raw_paths(self, ids: Sequence[int]) -> dict[int, bytes]:
        result: dict[int, bytes] = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for media_id, raw in self._sql(f"SELECT id, path_raw FROM media_file WHERE id IN ({marks})", chunk):
                result[media_id] = self._local(raw)
        return result

    # ---- probing (phase 2)
    def apply_probes(self, outcomes: Sequence[ProbeOutcome], moves: MoveMatcher | None = None) -> list[int]:
        """Store probe results. A new file whose identity matches a 'missing' record was moved or renamed:
        that record takes over the new location, keeping tags, ratings and markers (one record per file:
        see moves.py; pass one MoveMatcher for all batches of a scan). Returns the ids that survive (the
        old id where a move was detected)."""
        now = time.time()
        surviving: list[int] = []
        ok_rows: list[tuple] = []
        error_rows: list[tuple] = []
        tracks: dict[int, tuple[AudioStreamFacts, ...]] = {}
        with self.db.atomic():
            adopted = adopt_moved(self.db, outcomes, moves if moves is not None else MoveMatcher())
            for outcome in outcomes:
                media_id = adopted.get(outcome.media_id, outcome.media_id)
                if outcome.facts is not None:
                    fields = outcome.facts.catalog_fields()
                    message = "; ".join(outcome.facts.warnings) or None
                    ok_rows.append((*(fields[c] for c in _FACT_COLUMNS), outcome.identity_hash, OK, message,
                                    now, now, media_id))
                    if outcome.facts.audio_tracks is not None:
                        tracks[media_id] = outcome.facts.audio_tracks
                else:
                    error_rows.append((outcome.identity_hash, ERROR, outcome.error, now, now, media_id))
                surviving.append(media_id)
            if ok_rows:
                assignments = ", ".join(f"{c} = ?" for c in _FACT_COLUMNS)
                self.db.executemany(
                    f"UPDATE media_file SET {assignments}, identity_hash = ?, status = ?, status_message = ?,"
                    " probed_at = ?, modified_at = ? WHERE id = ?",
                    ok_rows,
                )
            audio_streams.replace(self.db, tracks)
            if error_rows:
                self.db.executemany(
                    "UPDATE media_file SET identity_hash = ?, status = ?, status_message = ?, probed_at = ?,"
                    " modified_at = ? WHERE id = ?",
                    error_rows,
                )
            self._reindex(surviving)
        return surviving

    def move_path(self, old: str | Path | bytes, new: str | Path | bytes) -> int | None:
        """A rename seen by the watcher: the record follows the file (same id, tags kept)."""
        media_id = self.id_for_path(old)
        if media_id is None:
            return None
        new_local = raw_path(new)
        new_raw = self.root_map.raw_to_catalog(new_local)
        with self.db.atomic():
            self.db.execute_sql("DELETE FROM media_fts WHERE rowid IN (SELECT id FROM media_file WHERE path_raw = ?)",
                                (new_raw,))
            self.db.execute_sql("DELETE FROM media_file WHERE path_raw = ? AND id != ?", (new_raw, media_id))
            self.db.execute_sql(
                "UPDATE media_file SET path = ?, path_raw = ?, name = ?, root_id = ?, modified_at = ?,"
                " last_seen_at = ?, status = CASE WHEN status = ? THEN ? ELSE status END WHERE id = ?",
                (display_path(new_raw), new_raw, display_name(new_raw), self.root_for(os.fsdecode(new_local)),
                 time.time(), time.time(), MISSING, OK, media_id),
            )
            self._reindex([media_id])
        return media_id

    def ids_under(self, path: str | Path | bytes) -> list[int]:
        """The file at path, or every file below it when path is a folder."""
        return [row[0] for row in self._rows_below(path, "id")]

    def move_prefix(self, old: str | Path | bytes, new: str | Path | bytes) -> list[int]:
        """A folder was renamed or moved: the record of every file below it follows, in one short
        transaction. Records of files already missing stay where they were last seen: nothing is at
        their place in the new folder."""
        old_prefix = raw_path(old).rstrip(b"/") + b"/"
        new_prefix = raw_path(new).rstrip(b"/") + b"/"
        roots = self.roots()
        now = time.time()
        with self.db.atomic():
            # (id, local path) of the present files below old (not old itself: a folder)
            rows = [(media_id, raw) for media_id, raw in self._rows_below(old, "id", " AND status != ?", (MISSING,))
                    if raw.startswith(old_prefix)]
            moved = [media_id for media_id, _ in rows]
            moving = set(moved)
            for chunk in _chunks(rows):
                local_targets = [new_prefix + raw[len(old_prefix):] for _, raw in chunk]
                targets = [self.root_map.raw_to_catalog(t) for t in local_targets]
                marks = ",".join("?" * len(targets))
                # records still naming the new places (files that went missing there) give way
                stale = self._sql(f"SELECT id FROM media_file WHERE path_raw IN ({marks})", targets)
                self.remove_media([r[0] for r in stale if r[0] not in moving])
                self.db.executemany(
                    "UPDATE media_file SET path = ?, path_raw = ?, name = ?, root_id = ?, modified_at = ?,"
                    " last_seen_at = ? WHERE id = ?",
                    [(display_path(t), t, display_name(t), _root_in(roots, os.fsdecode(local)), now, now, media_id)
                     for t, local, (media_id, _) in zip(targets, local_targets, chunk, strict=True)],
                )
            self._reindex(moved)
        return moved

    # ---- user edits
    def set_rating(self, ids: Sequence[int], rating: int, expected: Mapping[int, int] | None = None) -> None:
        """Rate ids. With expected (id -> the rating the user saw), nothing is written when another program has
        changed any of them since: EditConflict names those (several people on one catalog server)."""
        if not 0 <= rating <= 5:
            raise CatalogError(f"rating must be 0 to 5, got {rating}")
        self._update_many(ids, "rating", rating, expected)

    def set_favourite(self, ids: Sequence[int], favourite: bool, expected: Mapping[int, bool] | None = None) -> None:
        """Mark or unmark ids as favourites; expected as for set_rating."""
        seen = None if expected is None else {media_id: int(flag) for media_id, flag in expected.items()}
        self._update_many(ids, "favourite", int(favourite), seen)

    def _update_many(self, ids: Sequence[int], column: str, value: Any,
                     expected: Mapping[int, Any] | None = None) -> None:
        with self.db.atomic():
            if expected:
                self._check_unchanged(column, expected)
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                self.db.execute_sql(f"UPDATE media_file SET {column} = ? WHERE id IN ({marks})", (value, *chunk))

    def _check_unchanged(self, column: str, expected: Mapping[int, Any]) -> None:
        """Optimistic check inside the caller's transaction: every id still has the value its user saw. The rows
        stay locked until the update commits (SQLite's write transaction already keeps other writers out)."""
        changed: list[int] = []
        for chunk in _chunks(list(expected.items())):
            marks = ",".join("?" * len(chunk))
            current = dict(self._sql(f"SELECT id, {column} FROM media_file WHERE id IN ({marks})"
                                     f"{self.dialect.lock_rows()}", [media_id for media_id, _ in chunk]))
            changed += [media_id for media_id, seen in chunk if media_id in current and current[media_id] != seen]
        if changed:
            raise EditConflict(column, sorted(changed))

    def hash_candidates(self, ids: Sequence[int], rehash: bool = False) -> list[tuple[int, bytes, int, float]]:
        """(id, path, size, mtime) of the ids whose file is on disk as cataloged ('ok') and, unless rehash, has no
        content hash yet."""
        found: list[tuple[int, bytes, int, float]] = []
        unhashed = "" if rehash else " AND content_hash IS NULL"
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            found += [(r[0], self._local(r[1]), r[2], r[3]) for r in self._sql(
                f"SELECT id, path_raw, size, mtime FROM media_file WHERE id IN ({marks}) AND status = 'ok'{unhashed}",
                chunk)]
        return found

    def record_content_hashes(self, hashed: Sequence[tuple[str | Path | bytes, int, float, str]]) -> list[int]:
        """(path, size, mtime, xxh3-128 of the whole file) from code that read the bytes anyway (an offload's
        read-back): the content hash of each cataloged file whose size and mtime are still those; the ids set."""
        done: list[int] = []
        with self.db.atomic():
            for path, size, mtime, digest in hashed:
                found = self._sql("SELECT id, size, mtime FROM media_file WHERE path_raw = ?", (self._stored(path),))
                if found and found[0][1] == size and abs(found[0][2] - mtime) < 1e-3:
                    self.db.execute_sql("UPDATE media_file SET content_hash = ? WHERE id = ?", (digest, found[0][0]))
                    done.append(found[0][0])
        return done

    def add_tags(self, ids: Sequence[int], names: Iterable[str]) -> None:
        clean = sorted({n.strip() for n in names if n.strip()})
        if not clean or not ids:
            return
        with self.db.atomic():
            tag_ids = []
            for name in clean:  # an existing tag of another case is the same tag (its column ignores case)
                self.db.execute_sql("INSERT INTO tag (name) VALUES (?) ON CONFLICT DO NOTHING", (name,))
                tag_ids.append(self._sql("SELECT id FROM tag WHERE name = ?", (name,))[0][0])
            rows = [(m, t) for m in ids for t in tag_ids]
            for chunk in _chunks(rows):
                self.db.executemany(
                    "INSERT INTO media_tag (media_id, tag_id) VALUES (?, ?) ON CONFLICT DO NOTHING", chunk
                )
            self._reindex(ids)

    def remove_tags(self, ids: Sequence[int], names: Iterable[str]) -> None:
        with self.db.atomic():
            wanted = list(dict.fromkeys(names))
            tag_ids = [r[0] for chunk in _chunks(wanted)
                       for r in self._sql(f"SELECT id FROM tag WHERE name IN ({','.join('?' * len(chunk))})", chunk)]
            if tag_ids:
                tags = ",".join("?" * len(tag_ids))
                for chunk in _chunks(ids):
                    self.db.execute_sql(f"DELETE FROM media_tag WHERE media_id IN ({','.join('?' * len(chunk))})"
                                        f" AND tag_id IN ({tags})", (*chunk, *tag_ids))
                self.db.execute_sql("DELETE FROM tag WHERE id NOT IN (SELECT tag_id FROM media_tag)")
            self._reindex(ids)

    def remove_media(self, ids: Sequence[int]) -> None:
        """Forget files in the catalog. Never deletes anything on disk."""
        with self.db.atomic():
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                self.db.execute_sql(f"DELETE FROM media_fts WHERE rowid IN ({marks})", chunk)
                self.db.execute_sql(f"DELETE FROM media_file WHERE id IN ({marks})", chunk)
            self.db.execute_sql("DELETE FROM tag WHERE id NOT IN (SELECT tag_id FROM media_tag)")

    def add_marker(self, media_id: int, frame: int, name: str = "") -> int:
        return insert_id(self.db, "INSERT INTO marker (media_id, frame, name, created_at) VALUES (?, ?, ?, ?)",
                         (media_id, frame, name, time.time()))

    def markers(self, media_id: int) -> list[tuple[int, int, str]]:
        return [tuple(r) for r in self._sql("SELECT id, frame, name FROM marker WHERE media_id = ? ORDER BY frame, id",
                                            (media_id,))]

    def record_play(self, media_id: int) -> None:
        """A playback started: count it and remember when."""
        self.db.execute_sql("UPDATE media_file SET play_count = play_count + 1, last_played = ? WHERE id = ?",
                            (time.time(), media_id))

    def set_resume(self, media_id: int, seconds: float | None) -> None:
        self.db.execute_sql("UPDATE media_file SET resume_seconds = ? WHERE id = ?", (seconds, media_id))

    def set_video_slices(self, media_id: int, slices: int | None) -> None:
        """Record slices per coded frame, counted after the file was cataloged (see media/bitstream.py)."""
        self.db.execute_sql("UPDATE media_file SET video_slices = ? WHERE id = ?", (slices, media_id))

    def set_audio_tracks(self, tracks: dict[int, tuple[AudioStreamFacts, ...]]) -> None:
        """Record every audio stream of files read again after they were cataloged (see unread_audio_ids)."""
        with self.db.atomic():
            audio_streams.replace(self.db, tracks)

    def unread_audio_ids(self, root_id: int) -> list[int]:
        """Files under a root cataloged before Reelkeep read every audio stream: their streams are unknown."""
        return audio_streams.unread_ids(self.db, root_id)

    # ---- proxies
    def set_proxy(self, media_id: int, preset: str, path: str | Path, codec: str, width: int, height: int,
                  bit_rate: int | None, size: int, frame_count: int) -> None:
        """Record (or replace) the proxy of one preset for a file."""
        self.db.execute_sql(
            "INSERT INTO proxy (media_id, preset, path, codec, width, height, bit_rate, size, frame_count,"
            " created_at) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(media_id, preset) DO UPDATE SET"
            " path = excluded.path, codec = excluded.codec, width = excluded.width, height = excluded.height,"
            " bit_rate = excluded.bit_rate, size = excluded.size, frame_count = excluded.frame_count,"
            " created_at = excluded.created_at",
            (media_id, preset, self.root_map.to_catalog(os.fspath(path)), codec, width, height, bit_rate, size,
             frame_count, time.time()),
        )

    def proxies(self, media_id: int) -> list[dict[str, Any]]:
        """A file's proxies, smallest first."""
        return queries.proxies(self.db, media_id, self.root_map)

    def remove_proxy(self, media_id: int, preset: str) -> None:
        """Forget a proxy in the catalog (the caller deletes the file)."""
        self.db.execute_sql("DELETE FROM proxy WHERE media_id = ? AND preset = ?", (media_id, preset))

    # ---- links: subclips and saved relinks (SQL in links.py)
    def link_subclip(self, media_id: int, link: SubclipLink) -> None:
        """Record that the file media_id was extracted from link.source_id."""
        links.link_subclip(self.db, media_id, link, self.root_map)

    def subclip_source(self, media_id: int) -> dict[str, Any] | None:
        """Where media_id was extracted from, or None."""
        return links.subclip_source(self.db, media_id, self.root_map)

    def subclips_of(self, media_id: int) -> list[dict[str, Any]]:
        """The files extracted from media_id."""
        return links.subclips_of(self.db, media_id, self.root_map)

    def archive_folders(self) -> list[str]:
        return links.archive_folders(self.db, self.root_map)

    def set_archive_location(self, media_id: int, location: ArchiveLocation) -> None:
        """Record that media_id is a file stored in a project archive (see migration 7)."""
        links.set_archive_location(self.db, media_id, location, self.root_map)

    def save_relink(self, timeline_hash: str, event_number: int, media_id: int) -> None:
        """Remember a hand relink of one event of a timeline file (keyed by its content hash)."""
        links.save_relink(self.db, timeline_hash, event_number, media_id)

    def forget_relink(self, timeline_hash: str, event_number: int) -> bool:
        """Drop a saved relink; True when there was one."""
        return links.forget_relink(self.db, timeline_hash, event_number)

    def relinks(self, timeline_hash: str) -> dict[int, int]:
        """Saved relinks of one timeline file: event number -> media id."""
        return links.relinks(self.db, timeline_hash)

    # ---- a selection as a whole (SQL in selection.py)
    def selection_totals(self, ids: Sequence[int]) -> tuple[int, int]:
        """(files, bytes) of the ids still in the catalog, from the sizes it recorded."""
        return selection.totals(self.db, ids)

    def selected_files(self, ids: Sequence[int]) -> list[selection.SelectedFile]:
        """The ids' records (where each file is on this machine, its root, recorded size), in no particular order."""
        return selection.files(self.db, ids, self.root_map)

    def selected_proxies(self, ids: Sequence[int]) -> dict[int, list[selection.RecordedProxy]]:
        """The recorded proxies of the ids (paths on this machine), each file's smallest picture first."""
        return selection.proxies(self.db, ids, self.root_map)

    # ---- full-text index
    def _reindex(self, ids: Sequence[int]) -> None:
        for chunk in _chunks(list(ids)):
            marks = ",".join("?" * len(chunk))
            self.db.execute_sql(f"DELETE FROM media_fts WHERE rowid IN ({marks})", chunk)
            self.db.execute_sql(
                "INSERT INTO media_fts(rowid, name, path, title, artist, album, tags) "
                f"{self._fts_select} WHERE m.id IN ({marks})",
                chunk,
            )

    # ---- reads (delegated to queries, which holds the SQL for filters and pages)
    def query_ids(self, flt: LibraryFilter | None = None) -> list[int]:
        return queries.query_ids(self.db, flt or LibraryFilter())

    def rows(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        return queries.rows(self.db, ids, self.root_map)

    def info(self, media_id: int) -> dict[str, Any]:
        return queries.info(self.db, media_id, self.root_map)

    def file_facts(self, path: str | Path | bytes) -> tuple[int, int, float, str] | None:
        """(id, size, mtime, status) of the cataloged file at path, or None."""
        found = self._sql("SELECT id, size, mtime, status FROM media_file WHERE path_raw = ?", (self._stored(path),))
        return (found[0][0], found[0][1], found[0][2], found[0][3]) if found else None

    def id_for_path(self, path: str | Path | bytes) -> int | None:
        found = self._sql("SELECT id FROM media_file WHERE path_raw = ?", (self._stored(path),))
        return found[0][0] if found else None

    def tag_counts(self) -> list[tuple[str, int]]:
        return queries.tag_counts(self.db)

    def artists_albums(self) -> list[tuple[str, str, int]]:
        return queries.artists_albums(self.db)

    def status_counts(self) -> dict[str, int]:
        return dict(self._sql("SELECT status, COUNT(*) FROM media_file GROUP BY status"))

    def kind_counts(self) -> dict[str, int]:
        return dict(self._sql("SELECT kind, COUNT(*) FROM media_file GROUP BY kind"))

    def count(self) -> int:
        return self._sql("SELECT COUNT(*) FROM media_file")[0][0]
