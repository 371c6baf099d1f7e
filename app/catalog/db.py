"""Opening the catalog file: location, pragmas, migrations."""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import platformdirs
from peewee import InterfaceError, OperationalError, PostgresqlDatabase, SqliteDatabase, __exception_wrapper__

from app.catalog import migrations
from app.catalog.changes import CHANNEL, ORIGIN, Announcements, note_local_write, written_table
from app.catalog.models import database
from app.core.errors import CatalogError

CATALOG_ENV = "REELKEEP_CATALOG"
# Per connection; journal_mode=wal is stored in the file and set once at open (_enable_wal).
PRAGMAS = {
    "foreign_keys": 1,
    "synchronous": "normal",  # safe with WAL: a crash loses at most the last transactions, never integrity
    "cache_size": -64 * 1024,
    "temp_store": "memory",
}


BUSY_TIMEOUT_S = 15


def _sqlite_code(exc: BaseException) -> int | None:
    """The primary SQLite result code behind exc (peewee wraps sqlite3's exception in its own)."""
    seen: BaseException | None = exc
    while seen is not None:
        for candidate in (seen, *(a for a in seen.args if isinstance(a, BaseException))):
            code = getattr(candidate, "sqlite_errorcode", None)
            if code is not None:
                return code & 0xFF
        seen = seen.__cause__ or seen.__context__
    return None


@contextmanager
def _catalog_errors(path: object) -> Iterator[None]:
    """Turn the SQLite failures a user can act on into CatalogError messages that say what to do."""
    try:
        yield
    except Exception as exc:
        code = _sqlite_code(exc) if not isinstance(exc, CatalogError) else None
        if code == sqlite3.SQLITE_FULL:
            raise CatalogError(
                f"disk full: the catalog at {path} could not be written; free some space on that disk and run "
                "the command again (what was recorded before is kept)"
            ) from exc
        if code == sqlite3.SQLITE_BUSY:
            raise CatalogError(
                f"the catalog at {path} stayed locked by another program for {BUSY_TIMEOUT_S} s; try again when "
                "it has finished"
            ) from exc
        raise


@contextmanager
def _noted(path: str, write: bool) -> Iterator[None]:
    """Tell this program's change listeners (changes.py) before and after it writes, so they leave its own out."""
    if write:
        note_local_write(path, True)
    try:
        yield
    finally:
        if write:
            note_local_write(path, False)


class CatalogDatabase(SqliteDatabase):
    """The catalog's connection (one per thread).

    Write transactions begin IMMEDIATE: a deferred one that has read and then writes cannot wait for
    another writer (SQLite answers SQLITE_BUSY at once, busy timeout or not), which is how two
    processes on one catalog failed. Taking the write lock at BEGIN lets the busy timeout work.
    """

    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(path, lock_type="IMMEDIATE", **kwargs)
        self.notes_own_writes = True  # False: its writes reach this program's listeners as another program's

    def execute_sql(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        with _catalog_errors(self.database), _noted(self.database, self._noting(sql)):
            return super().execute_sql(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """A prepared statement run for many rows."""
        with _catalog_errors(self.database), _noted(self.database, self._noting(sql)):
            self.cursor().executemany(sql, rows)

    def _noting(self, sql: str | None) -> bool:
        return self.notes_own_writes and (sql is None or written_table(sql) is not None)

    def begin(self, lock_type: str | None = None) -> None:
        with _catalog_errors(self.database):
            super().begin(lock_type)

    def commit(self) -> None:
        with _catalog_errors(self.database), _noted(self.database, self._noting(None)):
            super().commit()

    def rollback(self) -> None:
        # After SQLITE_FULL or an I/O error SQLite has already rolled the transaction back itself; a
        # ROLLBACK would fail ("cannot rollback - no transaction is active") and hide the real error.
        if self.is_closed() or self.connection().in_transaction:
            super().rollback()


def _enable_wal(db: SqliteDatabase) -> None:
    """Switch the file to WAL. The switch needs the file to itself, and SQLite answers SQLITE_BUSY at once
    (no busy timeout) while another process has it open; so retry, as the busy timeout would."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            db.connection().execute("PRAGMA journal_mode = wal").fetchall()
            return
        except sqlite3.OperationalError as exc:
            if _sqlite_code(exc) != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


SERVER_SCHEMES = ("postgresql://", "postgres://")
# A quoted literal (kept whole; '' inside it is a quote), a `?` placeholder, or a bare percent sign.
_LITERAL_OR_MARK = re.compile(r"'(?:[^']|'')*'|\?|%")


def is_server_url(target: object) -> bool:
    """A catalog on a PostgreSQL server (postgresql://user@host:port/db) rather than a file."""
    return isinstance(target, str) and target.startswith(SERVER_SCHEMES)


def redacted(url: str) -> str:
    """url without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))


@lru_cache(maxsize=1024)
def to_pyformat(sql: str) -> str:
    """SQLite-style SQL in psycopg's format: `?` -> %s outside literals, every % doubled (psycopg reads % everywhere)."""

    def swap(match: re.Match[str]) -> str:
        token = match.group(0)
        return "%s" if token == "?" else token.replace("%", "%%")

    return _LITERAL_OR_MARK.sub(swap, sql)


def _server_params(params: Sequence[Any] | None) -> tuple[Any, ...]:
    # Flags are 0/1 integers on both backends; psycopg would send a Python bool as a PostgreSQL boolean.
    return tuple(int(p) if isinstance(p, bool) else p for p in params or ())


class CatalogPostgresDatabase(PostgresqlDatabase):
    """The catalog's connection to a PostgreSQL server (one per thread), through psycopg 3.

    execute_sql and executemany take the access layer's SQLite-style SQL (`?` placeholders) and translate it;
    peewee's own queries (models) arrive through execute() already in psycopg's format and pass untouched.
    """

    def __init__(self, url: str, **kwargs: Any) -> None:
        if url.startswith("postgres://"):  # libpq takes both; peewee looks for the long form
            url = "postgresql://" + url[len("postgres://"):]
        self._announced = Announcements()
        self.origin = ORIGIN  # what its writes are signed with: listeners leave their own program's out
        super().__init__(url, prefer_psycopg3=True, **kwargs)

    def cursor(self, named_cursor: Any = None) -> Any:
        conn = self._state.conn
        if conn is not None and conn.closed and not self.in_transaction():
            # The server closed this thread's connection (a restart, an idle timeout, an admin): the statement
            # that found out has failed (below), the next one gets a new connection. Never inside a transaction:
            # its earlier statements are gone and the caller must hear of it.
            self._state.reset()
        return super().cursor(named_cursor)

    def begin(self, isolation_level: Any = None) -> None:
        self._announced.tables.clear()
        with self._server_errors():
            super().begin(isolation_level)

    def execute(self, query: Any, **context_options: Any) -> Any:
        sql, params = self.get_sql_context(**context_options).sql(query).query()
        with self._server_errors():
            cursor = self._execute_cursor(sql, params)
            self._announce(sql)
            return cursor

    def execute_sql(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        if sql.startswith("ROLLBACK TO SAVEPOINT"):  # its NOTIFYs are gone with it: announce again
            self._announced.tables.clear()
        with self._server_errors():
            cursor = self._execute_cursor(to_pyformat(sql), _server_params(params))
            self._announce(sql)
            return cursor

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """A prepared statement run for many rows (psycopg pipelines them)."""
        with self._server_errors():
            with __exception_wrapper__:
                self.cursor().executemany(to_pyformat(sql), [_server_params(r) for r in rows])
            self._announce(sql)

    def _announce(self, sql: str) -> None:
        """Tell listeners (changes.py) which table a write changed: delivered at commit, dropped at rollback."""
        table = written_table(sql)
        if table is None:
            return
        if self.in_transaction():
            if table in self._announced.tables:
                return  # the server delivers one per table and transaction anyway
            self._announced.tables.add(table)
        self._execute_cursor("SELECT pg_notify(%s, %s)", (CHANNEL, f"{self.origin} {table}"))

    @contextmanager
    def _server_errors(self) -> Iterator[None]:
        try:
            yield
        except (OperationalError, InterfaceError) as exc:
            conn = self._state.conn
            if conn is None or not conn.closed:
                raise
            raise CatalogError(f"lost the connection to the catalog server {redacted(self.database)} "
                               f"({str(exc).strip()}); nothing of this step was saved, try it again") from exc


def local_folder(catalog_path: str | os.PathLike[str]) -> Path | None:
    """Where this machine keeps what goes with a catalog (journals, reports, plans): the catalog file's folder; for a
    catalog on a server, a folder per server and database in the user data folder; None for ':memory:'."""
    text = os.fspath(catalog_path)
    if text == ":memory:":
        return None
    if not is_server_url(text):
        return Path(text).parent
    parts = urlsplit(text)
    query = dict(parse_qsl(parts.query))
    host = parts.hostname or query.get("host") or "localhost"
    key = f"{parts.username or ''}@{host}:{parts.port or query.get('port') or 5432}/{parts.path.lstrip('/')}"
    name = re.sub(r"[^A-Za-z0-9.@-]+", "_", key).strip("_")
    return Path(platformdirs.user_data_dir("reelkeep", appauthor=False)) / "servers" / name


def default_catalog_path(configured: str | None = None) -> Path | str:
    """--catalog beats REELKEEP_CATALOG beats the catalog chosen in Settings (configured) beats the platform data
    dir. A server URL stays a string."""
    for chosen in (os.environ.get(CATALOG_ENV), configured):
        if chosen:
            return chosen if is_server_url(chosen) else Path(chosen).expanduser()
    return Path(platformdirs.user_data_dir("reelkeep", appauthor=False)) / "catalog.sqlite"


def open_database(path: Path | str) -> CatalogDatabase | CatalogPostgresDatabase:
    """Open (creating and migrating as needed) and bind the models; ':memory:' is allowed for tests, and a
    postgresql:// URL opens a catalog on that server."""
    if is_server_url(path):
        return _open_server(str(path))
    if isinstance(path, Path) and str(path).startswith(("postgresql:/", "postgres:/")):
        # Path() folds the URL's // into /: some code took the server URL for a file name
        raise CatalogError(f"the catalog server URL {redacted(str(path))} was passed on as a file path; this part "
                           "of Reelkeep cannot use a catalog on a server yet (see docs/scaling.md)")
    in_memory = str(path) == ":memory:"
    file_path = None if in_memory else Path(path)
    if file_path is not None:
        try:
            file_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CatalogError(f"cannot create the catalog folder {file_path.parent}: {exc.strerror}") from exc
    # check_same_thread=False: peewee keeps one connection per thread anyway; WAL + busy timeout let the
    # GUI thread read while a worker writes.
    db = CatalogDatabase(str(path), pragmas=PRAGMAS, timeout=BUSY_TIMEOUT_S, check_same_thread=False, autoconnect=True)
    try:
        db.connect(reuse_if_open=True)
        _enable_wal(db)
        migrations.upgrade(db, file_path)
    except CatalogError:
        db.close()
        raise
    except Exception as exc:  # sqlite3.DatabaseError: not a database, locked, read-only…
        db.close()
        raise CatalogError(f"cannot open the catalog {path}: {exc}") from exc
    database.initialize(db)
    return db


def _open_server(url: str) -> CatalogPostgresDatabase:
    db = CatalogPostgresDatabase(url, autoconnect=True)
    try:
        db.connect(reuse_if_open=True)
        migrations.upgrade(db, None)
    except CatalogError:
        db.close()
        raise
    except Exception as exc:  # psycopg: server down, no such database, authentication failed…
        db.close()
        raise CatalogError(f"cannot open the catalog {redacted(url)}: {str(exc).strip()}") from exc
    database.initialize(db)
    return db
