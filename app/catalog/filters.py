"""What the library shows: a filter value shared by the UI, the CLI and the access layer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

KINDS = ("video", "audio", "image")
STATUS_FILTERS = ("ok", "missing", "error", "pending")

# Sort keys offered to callers, mapped to SQL on media_file (alias m), the same on both backends; the keys of
# CASELESS_SORTS sort without regard to case (each backend's dialect says how).
SORT_COLUMNS = {
    "name": "m.name",
    "kind": "m.kind",
    "duration": "m.duration",
    "resolution": "m.width * m.height",
    "fps": "m.fps_num * 1.0 / m.fps_den",
    "codec": "COALESCE(m.video_codec, m.audio_codec)",
    "start_tc": "m.start_tc",
    "rating": "m.rating",
    "favourite": "m.favourite",
    "size": "m.size",
    "added": "m.added_at",
    "path": "m.path",
    "artist": "COALESCE(m.album_artist, m.artist)",
    "album": "m.album",
    "title": "COALESCE(m.title, m.name)",
    "track": "COALESCE(m.disc, 1) * 1000 + m.track",  # disc, then track; untagged files together
    "play_count": "m.play_count",
    "last_played": "m.last_played",
    "status": "m.status",
}
CASELESS_SORTS = frozenset({"name", "path", "artist", "album", "title"})


@dataclass(frozen=True)
class LibraryFilter:
    """All fields are ANDed; empty means 'everything'."""

    text: str = ""
    kinds: frozenset[str] = field(default_factory=frozenset)
    tag: str | None = None
    min_rating: int = 0
    favourites_only: bool = False
    status: str | None = None
    artist: str | None = None
    album: str | None = None
    sort: str = "name"
    descending: bool = False


_TOKEN_RE = re.compile(r"\w+", re.UNICODE)


def fts_expression(text: str) -> str | None:
    """Instant-search semantics: every word must match the start of a word somewhere."""
    tokens = _TOKEN_RE.findall(text)
    if not tokens:
        return None
    return " ".join(f'"{token}"*' for token in tokens)
