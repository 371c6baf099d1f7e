"""Copying a SQLite catalog onto a PostgreSQL server (`reelkeep catalog migrate-to postgresql://…`), verified.

The source is held under its write lock for the whole copy, so nothing changes under it; the target is filled
in one server transaction that commits only when every table's row count and checksum read back from the server
equal the source's. A failed copy leaves the target as it was (empty). Derived rows are not copied but made
again on the server: media_fts from the copied rows, tape_fts by its trigger; their counts are checked too.

Tag names are unique without regard to case on both sides, but not the same case: SQLite's NOCASE folds ASCII
letters only, the server's citext folds every letter (its lower()). Tags of the file that differ only in the case of
other letters ("Été", "été") are one tag on the server, so they are merged on the way (the server's own lower()
groups them): the most used spelling is kept, carrying the files of all of them, and each merge is reported. The
checksums then compare the server with the file's rows as merged.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from peewee import Database, DatabaseError

from app.catalog.catalog import Catalog
from app.catalog.dialect import dialect_of, is_postgres
from app.catalog.migrations.m0002_search_and_content_hash import FTS_SELECT_POSTGRES
from app.catalog.models import database
from app.core.errors import CatalogError

# Every table of the head schema holding recorded facts, parents before children, each with its key (the order
# rows are read and checksummed in). A new migration that adds a table adds it here; a test holds the list
# against the schema.
TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("library_root", ("id",)),
    ("media_file", ("id",)),
    ("tag", ("id",)),
    ("media_tag", ("media_id", "tag_id")),
    ("marker", ("id",)),
    ("proxy", ("id",)),
    ("subclip", ("media_id",)),
    ("timeline_relink", ("timeline_hash", "event_number")),
    ("audio_stream", ("media_id", "position")),
    ("archive_location", ("media_id",)),
    ("tape", ("id",)),
    ("tape_file", ("id",)),
    ("tape_verification", ("id",)),
)
DERIVED = (("media_fts", "media_file"), ("tape_fts", "tape_file"))  # full-text rows: one per row of the other
_TEXT_KEYS = {"timeline_hash"}
_BATCH = 2000


@dataclass(frozen=True)
class TableCopy:
    table: str
    rows: int
    checksum: str  # sha256 over the rows in key order, the same on both sides
    folded: int = 0  # rows of the file merged into others on the way (tags differing only in case, their links)


@dataclass(frozen=True)
class TagMerge:
    """Tags of the file that are one tag on the server: kept's spelling, with the files of all of them."""

    kept: str
    merged: tuple[tuple[str, int], ...]  # (name, files) of each tag merged into kept
    kept_files: int  # files that had kept's spelling
    files: int  # files with the tag after the merge

    def describe(self) -> str:
        others = ", ".join(f"{name!r} ({_files(n)})" for name, n in self.merged)
        return (f"tags merged (the server compares tag names without regard to case, the file only for ASCII "
                f"letters): {others} into {self.kept!r} ({_files(self.kept_files)}): now {_files(self.files)}")


def _files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"


def _columns(db: Database, table: str) -> list[str]:
    return [r[1] for r in db.execute_sql(f"PRAGMA table_info({table})").fetchall()]


def _ordered(db: Database, table: str, columns: Sequence[str], key: Sequence[str],
             source: str | None = None) -> Iterator[tuple[Any, ...]]:
    """Rows of table (or of the query source, giving the same columns) in key order."""
    dialect = dialect_of(db)
    order = ", ".join(dialect.binary(k) if k in _TEXT_KEYS else k for k in key)  # text keys by code point
    rows_of = table if source is None else f"({source}) AS s"
    cursor = db.execute_sql(f"SELECT {', '.join(columns)} FROM {rows_of} ORDER BY {order}")
    while True:
        rows = cursor.fetchmany(_BATCH)
        if not rows:
            return
        yield from rows


def _value(value: Any) -> bytes:
    # Typed, so that 1 (an integer column) and 1.0 (a real one) and '1' never pass for each other.
    if isinstance(value, (bytes, memoryview)):
        return b"b" + bytes(value).hex().encode()
    return f"{type(value).__name__[0]}{value!r}".encode()


def checksum(rows: Iterator[tuple[Any, ...]]) -> tuple[int, str]:
    """(count, sha256) of rows; a row's values are typed and separated so no two rows encode alike."""
    digest, count = hashlib.sha256(), 0
    for row in rows:
        digest.update(b"\x1f".join(_value(v) for v in row) + b"\x1e")
        count += 1
    return count, digest.hexdigest()


def migrate_to(source: Catalog, url: str, report: Callable[[str], None] = lambda line: None) -> list[TableCopy]:
    """Copy source (a SQLite catalog) into the empty catalog at url; the tables copied, verified."""
    if is_postgres(source.db):
        raise CatalogError("migrate-to copies a catalog file onto a server; this catalog is on a server already")
    target = Catalog(url)
    try:
        filled = [t for t, _ in TABLES if target.db.execute_sql(f"SELECT EXISTS (SELECT 1 FROM {t})").fetchone()[0]]
        if filled:
            raise CatalogError(f"the catalog at that URL is not empty ({', '.join(filled)} hold rows); migrate-to "
                               "copies into a new, empty catalog only (create an empty database for it)")
        # The source's write lock for the whole copy: no scan or edit changes it between copy and check.
        with source.db.atomic(), target.db.atomic():
            merges = _fold_tags(source.db, target.db)
            for merge in merges:
                report(merge.describe())
            try:
                copied = [_copy_table(source.db, target.db, table, key, report, _folded_source(table, merges))
                          for table, key in TABLES]
            finally:
                if merges:
                    source.db.execute_sql("DROP TABLE temp.tag_fold")
            _rebuild_derived(target.db)
            _check_derived(source.db, target.db)
        merged = f" (after merging {len(merges)} group(s) of tags the server holds as one)" if merges else ""
        report(f"verified: {len(copied)} tables, {sum(c.rows for c in copied)} rows, counts and checksums "
               f"equal{merged}")
        return copied
    finally:
        target.close()
        database.initialize(source.db)  # opening the target bound the models to it


def _fold_tags(src: Database, dst: Database) -> list[TagMerge]:
    """Group the file's tags by the server's lower() of their names; each group of several becomes one tag (the
    most used spelling, the older on a tie). The mapping is left in the source's temp table tag_fold."""
    found = src.execute_sql("SELECT t.id, t.name, COUNT(mt.media_id) FROM tag t"
                            " LEFT JOIN media_tag mt ON mt.tag_id = t.id GROUP BY t.id, t.name").fetchall()
    if not found:
        return []
    server_lower = dict(dst.execute_sql("SELECT n, lower(n) FROM unnest(?::text[]) AS u(n)",
                                        ([name for _, name, _ in found],)).fetchall())
    groups: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    for tag_id, name, files in found:
        groups[server_lower[name]].append((tag_id, name, files))
    folds: list[tuple[int, int]] = []
    merges = []
    for group in (g for g in groups.values() if len(g) > 1):
        kept_id, kept, kept_files = max(group, key=lambda t: (t[2], -t[0]))
        others = sorted((t for t in group if t[0] != kept_id), key=lambda t: (-t[2], t[0]))
        folds += [(t[0], kept_id) for t in others]
        marks = ", ".join("?" * len(group))
        files = src.execute_sql(f"SELECT COUNT(DISTINCT media_id) FROM media_tag WHERE tag_id IN ({marks})",
                                [t[0] for t in group]).fetchone()[0]
        merges.append(TagMerge(kept, tuple((name, n) for _, name, n in others), kept_files, files))
    if folds:
        src.execute_sql("CREATE TEMP TABLE tag_fold (old_id INTEGER PRIMARY KEY, new_id INTEGER NOT NULL)")
        src.executemany("INSERT INTO temp.tag_fold (old_id, new_id) VALUES (?, ?)", folds)
    return sorted(merges, key=lambda m: m.kept)


def _folded_source(table: str, merges: Sequence[TagMerge]) -> str | None:
    """The file's rows of table as the server is to hold them (None: the table as it is)."""
    if not merges:
        return None
    if table == "tag":
        return "SELECT * FROM tag WHERE id NOT IN (SELECT old_id FROM temp.tag_fold)"
    if table == "media_tag":  # a file that had two spellings keeps one link
        return ("SELECT mt.media_id AS media_id, COALESCE(f.new_id, mt.tag_id) AS tag_id FROM media_tag mt"
                " LEFT JOIN temp.tag_fold f ON f.old_id = mt.tag_id GROUP BY 1, 2")
    return None


def _copy_table(src: Database, dst: Database, table: str, key: Sequence[str],
                report: Callable[[str], None], source: str | None = None) -> TableCopy:
    columns = _columns(src, table)
    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    batch: list[tuple[Any, ...]] = []
    try:
        for row in _ordered(src, table, columns, key, source):
            batch.append(row)
            if len(batch) >= _BATCH:
                dst.executemany(insert, batch)
                batch.clear()
        if batch:
            dst.executemany(insert, batch)
    except DatabaseError as exc:  # a value SQLite's loose typing kept that the server's column refuses
        raise CatalogError(f"{table}: a row cannot be stored on the server ({str(exc).strip()}); nothing was "
                           "kept there") from exc
    if key == ("id",):  # the server hands out the next ids after the copied ones
        dst.execute_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1),"
                        f" MAX(id) IS NOT NULL) FROM {table}")
    rows, source_sum = checksum(_ordered(src, table, columns, key, source))
    copied_rows, target_sum = checksum(_ordered(dst, table, columns, key))
    if (rows, source_sum) != (copied_rows, target_sum):
        raise CatalogError(f"{table}: the copy differs from the catalog file ({copied_rows} rows read back of "
                           f"{rows}, checksum {target_sum[:12]} vs {source_sum[:12]}); nothing was kept on the server")
    folded = 0
    if source is not None:
        folded = src.execute_sql(f"SELECT COUNT(*) FROM {table}").fetchone()[0] - rows
    merged = f" ({folded} of the file's merged, as above)" if folded else ""
    report(f"{table}: {rows} rows{merged}, sha256 {source_sum[:16]}")
    return TableCopy(table, rows, source_sum, folded)


def _rebuild_derived(dst: Database) -> None:
    dst.execute_sql(f"INSERT INTO media_fts (rowid, name, path, title, artist, album, tags) {FTS_SELECT_POSTGRES}")


def _check_derived(src: Database, dst: Database) -> None:
    for derived, base in DERIVED:
        want = src.execute_sql(f"SELECT COUNT(*) FROM {base}").fetchone()[0]
        got = dst.execute_sql(f"SELECT COUNT(*) FROM {derived}").fetchone()[0]
        if got != want:
            raise CatalogError(f"{derived}: {got} search rows for {want} rows of {base} on the server; nothing was kept")
