"""Telling one program that another changed the catalog: the same small API on both backends.

PostgreSQL: every write of the access layer also signals NOTIFY on CHANNEL with the table it wrote (the server
delivers it at commit, drops it at rollback, and sends one per table and transaction); a ChangeListener holds its own
connection that LISTENs. SQLite: a listener's own connection reads `PRAGMA data_version`, which moves when any other
connection (any process) commits; it cannot say which table, so it answers ALL.

A listener only collects; the owner of the library state (a service) decides when to read again. fileno() is the
socket to wait on (a QSocketNotifier), None where there is none to wait on (SQLite: poll it).
"""

from __future__ import annotations

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
    def __init__(self, path: Path | str) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False)
        self._version = self._data_version()

    def _data_version(self) -> int:
        return self._conn.execute("PRAGMA data_version").fetchone()[0]

    def fileno(self) -> int | None:
        return None

    def poll(self, timeout: float = 0.0, include_own: bool = False) -> frozenset[str]:
        """ALL when another connection committed since the last poll (SQLite cannot wait: timeout is unused; and
        it cannot tell this program's other connections from other programs)."""
        version = self._data_version()
        changed, self._version = version != self._version, version
        return frozenset({ALL}) if changed else frozenset()

    def close(self) -> None:
        self._conn.close()


ChangeListener = PostgresChangeListener | SqliteChangeListener
