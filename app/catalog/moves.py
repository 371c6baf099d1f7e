"""Pairing moved or renamed files with the 'missing' records they left behind, one to one.

Files that share content (five copies of one tagged song) share an identity hash, so the hash alone
cannot say which missing record a new file was. Evidence, strongest first: the same file name, the
same size, the old folder -> new folder mapping its siblings already took, the same modification time
(a move keeps it), the same folder name. A record is adopted at most once; a file nobody claims is new.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field


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
