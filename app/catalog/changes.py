"""Telling one program that another changed the catalog: the same small API on both backends.

PostgreSQL: every write of the access layer also signals NOTIFY on CHANNEL with the table it wrote (the server
delivers it at commit, drops it at rollback, and sends one per table and transaction); a ChangeListener holds its own
connection that LISTENs. SQLite: a listener's own connection reads `PRAGMA data_version`, which moves when any other
connection (any process) commits; it cannot say which table, so it answers ALL. Nor can it say whose commit it
was: this program's catalog connections tell the listener before and after each write (note_local_write), and it
reads data_version then too (see SqliteChangeListener).

A listener only collects; the owner of the library state (a service) decides when to read again. fileno() is the
socket to wait on (a QSocketNotifier), None where there is none to wait on (SQLite: poll it).
"""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
import threading
from pathlib import Path

CHANNEL = "reelkeep_catalog"
ALL = "*"  # some table changed, which is unknown
# This process's writes carry it, so a listener can leave out what its own program did.
ORIGIN = secrets.token_hex(6)
_WRITE_RE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)


def written_table(sql: str) -> str | None:
    """The table a write statement changes (None for anything else)."""
    found = _WRITE_RE.match(sql)
    return found.group(1) if found else None


class Announcements(threading.local):
    """What one thread's connection has announced in its open transaction (one NOTIFY per table is enough)."""

    def __init__(self) -> None:
        self.tables: set[str] = set()


class PostgresChangeListener:
    def __init__(self, url: str) -> None:
        import psycopg

        self._conn = psycopg.connect(url, autocommit=True)
        self._conn.execute(f"LISTEN {CHANNEL}")

    def fileno(self) -> int | None:
        return self._conn.fileno()

    def poll(self, timeout: float = 0.0, include_own: bool = False) -> frozenset[str]:
        """Tables changed since the last poll; waits up to timeout seconds for the first change."""
        tables: set[str] = set()
        for notify in self._conn.notifies(timeout=timeout, stop_after=1):
            tables |= self._table(notify.payload, include_own)
        for notify in self._conn.notifies(timeout=0):  # and whatever else has arrived
            tables |= self._table(notify.payload, include_own)
        return frozenset(tables)

    @staticmethod
    def _table(payload: str, include_own: bool) -> set[str]:
        origin, _, table = payload.partition(" ")
        return {table} if include_own or origin != ORIGIN else set()

    def close(self) -> None:
        self._conn.close()


class SqliteChangeListener:
    """data_version, read on a connection of its own. This program's catalog connections tell it (note_local_write)
    before and after each write and commit: it reads data_version then too, so a move it sees afterwards is this
    program's own and one it sees before is another program's, kept for the next poll."""

    def __init__(self, path: Path | str) -> None:
        self.path = os.path.abspath(os.fspath(path))
        self._conn = sqlite3.connect(path, check_same_thread=False)
        self._lock = threading.Lock()  # polls on the GUI thread, own writes on the job threads
        self._version = self._data_version()
        self._others = False  # another program committed (seen before one of our writes)
        self._own = False  # this program committed since the last poll
        self._writing = 0  # own writes under way: a move seen now is not yet known to be ours
        with _registry_lock:
            _listeners.append(self)

    def _data_version(self) -> int:
        return self._conn.execute("PRAGMA data_version").fetchone()[0]

    def own_write(self, before: bool) -> None:
        """Called around each write and commit of this program's connections to this file."""
        with self._lock:
            try:
                version = self._data_version()
            except sqlite3.Error:  # closed meanwhile, or unreadable: never fail the write; the next poll tells
                self._others = True
                return
            if before:
                self._writing += 1
                self._others |= version != self._version
            else:
                self._writing = max(self._writing - 1, 0)  # 0: the write began before this listener
                self._own |= version != self._version
            self._version = version

    def fileno(self) -> int | None:
        return None

    def poll(self, timeout: float = 0.0, include_own: bool = False) -> frozenset[str]:
        """ALL when another program committed since the last poll (SQLite cannot wait: timeout is unused); with
        include_own, this program's other connections count too."""
        with self._lock:
            if self._writing and not include_own:
                return frozenset()  # whose the move is, the end of that write tells: the next poll answers
            version = self._data_version()
            changed = self._others or version != self._version
            if include_own:
                changed = changed or self._own or version != self._version
            self._version, self._others, self._own = version, False, False
        return frozenset({ALL}) if changed else frozenset()

    def close(self) -> None:
        with _registry_lock:
            if self in _listeners:
                _listeners.remove(self)
        with self._lock:
            self._conn.close()


_listeners: list[SqliteChangeListener] = []
_registry_lock = threading.Lock()


def note_local_write(path: str, before: bool) -> None:
    """This program's SQLite catalog connection to path is about to write or commit (before) or has (after)."""
    if not _listeners:
        return
    target = os.path.abspath(path)
    with _registry_lock:
        listeners = [listener for listener in _listeners if listener.path == target]
    for listener in listeners:
        listener.own_write(before)


ChangeListener = PostgresChangeListener | SqliteChangeListener
