"""What the archive already knows about source files: (path, size, mtime_ns, inode) → digests, so a commit of an
unchanged tree stats its files and reads none of them (`--rehash` ignores it)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from app.archive.copying import Hashed
from app.archive.layout import extension_dir

_SCHEMA = """CREATE TABLE IF NOT EXISTS source (path BLOB PRIMARY KEY, size INTEGER, mtime_ns INTEGER,
inode INTEGER, sha256 TEXT, xxh128 TEXT) WITHOUT ROWID"""


class HashCache:
    """A small SQLite file in the archive's extension folder; losing it only costs a re-read."""

    def __init__(self, archive: Path) -> None:
        self.path = extension_dir(archive) / "hash-cache.sqlite"
        try:
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._db.execute(_SCHEMA)
        except sqlite3.DatabaseError:
            # a damaged cache is only a cache: start a new one
            self.path.unlink(missing_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._db.execute(_SCHEMA)
        self._pending: list[tuple] = []

    def lookup_many(self, stats: dict[bytes, os.stat_result]) -> dict[bytes, Hashed]:
        """The cached digests of paths whose size, mtime and inode still match."""
        found: dict[bytes, Hashed] = {}
        keys = list(stats)
        if len(keys) > 2000:
            # a whole tree: one scan of the table beats hundreds of IN (…) lookups
            batches = [self._db.execute("SELECT path, size, mtime_ns, inode, sha256, xxh128 FROM source")]
        else:
            batches = [self._db.execute(
                f"SELECT path, size, mtime_ns, inode, sha256, xxh128 FROM source WHERE path IN "
                f"({','.join('?' * len(keys[start:start + 500]))})", keys[start:start + 500])
                for start in range(0, len(keys), 500)]
        for rows in batches:
            for path, size, mtime_ns, inode, sha, xxh in rows:
                st = stats.get(path)
                if st is not None and (st.st_size, st.st_mtime_ns, st.st_ino) == (size, mtime_ns, inode):
                    found[path] = Hashed(size, sha, xxh)
        return found

    def remember(self, path: bytes, st: os.stat_result, hashed: Hashed) -> None:
        self._pending.append((path, st.st_size, st.st_mtime_ns, st.st_ino, hashed.sha256, hashed.xxh128))

    def save(self) -> None:
        if not self._pending:
            return
        try:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO source VALUES (?, ?, ?, ?, ?, ?)", self._pending)
            self._db.execute("COMMIT")
        except sqlite3.Error:
            self._db.execute("ROLLBACK") if self._db.in_transaction else None
        self._pending.clear()

    def close(self) -> None:
        self._db.close()
