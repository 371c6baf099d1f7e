"""Which tape files are in the library: a tape file's xxh128 equals a library file's content hash (xxh3-128 of the
whole file, the same digest), so an archivist browsing a shelved tape sees the clip's poster and plays its proxy.

Exact only: a tape file matches by its bytes, never by name. One query answers a whole page of tape files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from peewee import Database

from app.catalog.dialect import dialect_of
from app.core.paths import display_path
from app.core.root_map import NO_MAPPING, RootMap

# Digests per statement: a page of the Tape panel (1,000 rows) in one query; SQLite allows 32,766 variables.
_CHUNK = 5000


@dataclass(frozen=True)
class LibraryProxy:
    preset: str
    path: str
    width: int
    height: int
    frame_count: int | None


@dataclass(frozen=True)
class LibraryMatch:
    """The library file holding a tape file's bytes (the best of several copies), with its proxies."""

    media_id: int
    path: str
    name: str
    kind: str
    status: str  # the library's: ok, missing, error, pending
    frame_count: int | None
    proxies: tuple[LibraryProxy, ...]  # smallest picture first (then the lowest bit rate)
    copies: int = 1  # library files with these bytes (the others are not shown)
    identity_hash: str | None = None  # where its thumbnails are cached (app/ingest/thumbs.py)

    @property
    def online(self) -> bool:
        """The catalog last saw the original where it is recorded."""
        return self.status == "ok"

    def playable_proxies(self) -> tuple[LibraryProxy, ...]:
        """Proxies the player accepts: the original's frames (a proxy with other frames breaks shared frame
        numbers, so the player never plays one), smallest first."""
        return tuple(p for p in self.proxies
                     if not (self.frame_count and p.frame_count and p.frame_count != self.frame_count))

    @property
    def best_proxy(self) -> LibraryProxy | None:
        """The largest playable proxy (of two as large, the higher bit rate)."""
        playable = self.playable_proxies()
        return playable[-1] if playable else None


def _rank(match: LibraryMatch) -> tuple[bool, bool, int]:
    # A copy with a proxy plays with its original offline; an online one plays whole; then the oldest entry.
    return (not match.playable_proxies(), not match.online, match.media_id)


def library_matches(db: Database, digests: Iterable[str | None],
                    root_map: RootMap = NO_MAPPING) -> dict[str, LibraryMatch]:
    """digest -> the library file whose content hash it is, for each digest the library holds (paths as root_map
    maps them)."""
    wanted = sorted({d.lower() for d in digests if d})
    bit_rate = dialect_of(db).order("p.bit_rate")  # a proxy of unknown rate is the poorer (NULLs first)
    found: dict[str, list[LibraryMatch]] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        cursor = db.execute_sql(
            "SELECT m.content_hash, m.id, m.path, m.name, m.kind, m.status, m.frame_count, m.identity_hash,"
            " p.preset, p.path, p.width, p.height, p.frame_count, m.path_raw"
            " FROM media_file m LEFT JOIN proxy p ON p.media_id = m.id"
            f" WHERE m.content_hash IN ({','.join('?' * len(chunk))})"
            f" ORDER BY m.id, p.width * p.height, {bit_rate}, p.preset", chunk)  # best last: largest, then richest
        current: tuple[str, int] | None = None
        proxies: list[LibraryProxy] = []
        facts: tuple = ()
        for digest, media_id, path, name, kind, status, frames, identity, preset, p_path, width, height, p_frames, \
                raw in cursor:
            if current != (digest, media_id):
                if current is not None:
                    found.setdefault(current[0], []).append(LibraryMatch(*facts[:6], proxies=tuple(proxies),
                                                                         identity_hash=facts[6]))
                current, proxies = (digest, media_id), []
                if root_map:
                    path = display_path(root_map.raw_to_local(bytes(raw)))
                facts = (media_id, path, name, kind, status, frames, identity)
            if preset is not None:
                proxies.append(LibraryProxy(preset, root_map.to_local(p_path), width or 0, height or 0, p_frames))
        if current is not None:
            found.setdefault(current[0], []).append(LibraryMatch(*facts[:6], proxies=tuple(proxies),
                                                                 identity_hash=facts[6]))
    result = {}
    for digest, matches in found.items():
        best = min(matches, key=_rank)
        result[digest] = dataclasses.replace(best, copies=len(matches))
    return result
