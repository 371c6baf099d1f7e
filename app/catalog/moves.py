"""Pairing moved or renamed files with the 'missing' records they left behind, one to one.

Files that share content (five copies of one tagged song) share an identity hash, so the hash alone
cannot say which missing record a new file was. Evidence, strongest first: the same file name, the
same size, the old folder -> new folder mapping its siblings already took, the same modification time
(a move keeps it), the same folder name. A record is adopted at most once; a file nobody claims is new.
"""

from __future__ import annotations

import os
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from peewee import Database

from app.catalog.models import MISSING
from app.core.facts import ProbeOutcome

_CHUNK = 500  # ids or hashes per statement, far below SQLite's variable limit


@dataclass(frozen=True)
class FileRecord:
    """One side of a pairing: a row id, its raw path, size and modification time."""

    id: int
    raw: bytes
    size: int
    mtime: float

    @property
    def folder(self) -> bytes:
        return os.path.dirname(self.raw)

    @property
    def name(self) -> bytes:
        return os.path.basename(self.raw)


@dataclass
class MoveMatcher:
    """Pairs arrivals with missing records. Keep one matcher for a whole scan, so the folder mapping
    learnt from one batch guides the next; it also remembers which records it has handed out."""

    folder_moves: dict[bytes, Counter[bytes]] = field(default_factory=lambda: defaultdict(Counter))
    taken: set[int] = field(default_factory=set)

    def match(self, arrivals: list[tuple[FileRecord, list[FileRecord]]]) -> dict[int, int]:
        """Pair each arrival with one of its candidates (records sharing its identity hash): new id -> old id.
        Arrivals with the fewest candidates go first: a file whose content is unique settles which old
        folder its new folder came from, before its siblings with common content have to choose."""
        pairs: dict[int, int] = {}
        for arrival, candidates in sorted(arrivals, key=lambda item: (len(item[1]), item[0].id)):
            chosen = self.choose(arrival, candidates)
            if chosen is not None:
                pairs[arrival.id] = chosen.id
        return pairs

    def choose(self, arrival: FileRecord, candidates: list[FileRecord]) -> FileRecord | None:
        """The best candidate not yet taken for arrival, or None; records the choice."""
        free = [c for c in candidates if c.id not in self.taken]
        if not free:
            return None
        mapping = self.folder_moves.get(arrival.folder, Counter())
        new_parent = os.path.basename(arrival.folder)

        def evidence(c: FileRecord) -> tuple:
            return (c.name == arrival.name, c.size == arrival.size, mapping[c.folder], c.mtime == arrival.mtime,
                    os.path.basename(c.folder) == new_parent, -c.id)

        best = max(free, key=evidence)
        self.taken.add(best.id)
        self.folder_moves[arrival.folder][best.folder] += 1
        return best


def adopt_moved(db: Database, outcomes: Sequence[ProbeOutcome], matcher: MoveMatcher) -> dict[int, int]:
    """Hand missing records to the new files they were (inside the caller's transaction): new id -> old id."""
    hashes = sorted({o.identity_hash for o in outcomes if o.identity_hash})
    candidates: dict[str, list[FileRecord]] = {}
    for start in range(0, len(hashes), _CHUNK):
        chunk = hashes[start : start + _CHUNK]
        rows = db.execute_sql(
            "SELECT identity_hash, id, path_raw, size, mtime FROM media_file"
            f" WHERE status = ? AND identity_hash IN ({','.join('?' * len(chunk))})", (MISSING, *chunk)
        ).fetchall()
        for hash_, media_id, raw, size, mtime in rows:
            candidates.setdefault(hash_, []).append(FileRecord(media_id, bytes(raw), size, mtime))
    if not candidates:
        return {}
    ids = [o.media_id for o in outcomes if o.identity_hash in candidates]
    arrivals: dict[int, FileRecord] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        # Only a record never probed is a newcomer; a known file that changed keeps its own record.
        rows = db.execute_sql(
            "SELECT id, path_raw, size, mtime FROM media_file WHERE probed_at IS NULL"
            f" AND id IN ({','.join('?' * len(chunk))})", chunk
        ).fetchall()
        arrivals.update((media_id, FileRecord(media_id, bytes(raw), size, mtime)) for media_id, raw, size, mtime in rows)
    adopted = matcher.match([
        (arrivals[o.media_id], candidates[o.identity_hash])
        for o in outcomes if o.media_id in arrivals and o.identity_hash
    ])
    for new_id, old_id in adopted.items():
        _take_over(db, new_id, old_id)
    return adopted


def _take_over(db: Database, new_id: int, old_id: int) -> None:
    """The record old_id moves to new_id's location; new_id's row goes."""
    root_id, path, path_raw, name, size, mtime = db.execute_sql(
        "SELECT root_id, path, path_raw, name, size, mtime FROM media_file WHERE id = ?", (new_id,)
    ).fetchone()
    db.execute_sql("DELETE FROM media_fts WHERE rowid = ?", (new_id,))
    db.execute_sql("DELETE FROM media_file WHERE id = ?", (new_id,))
    db.execute_sql(
        "UPDATE media_file SET root_id = ?, path = ?, path_raw = ?, name = ?, size = ?, mtime = ?,"
        " last_seen_at = ? WHERE id = ?",
        (root_id, path, path_raw, name, size, mtime, time.time(), old_id),
    )
