"""The library table's columns: title, sort key (LibraryFilter.sort), default width, alignment."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from PySide6.QtCore import Qt


class Col(IntEnum):
    """Column numbers of the library table (its logical order)."""
    NAME = 0
    KIND = 1
    DURATION = 2
    RESOLUTION = 3
    FPS = 4
    CODEC = 5
    START_TC = 6
    RATING = 7
    FAVOURITE = 8
    TAGS = 9
    SIZE = 10
    ADDED = 11
    # Appended, not inserted: a header state saved before them keeps meaning the same columns.
    TITLE = 12
    ARTIST = 13
    ALBUM = 14
    TRACK = 15
    FOLDER = 16


@dataclass(frozen=True)
class Column:
    """How one column looks and sorts."""
    title: str
    sort_key: str | None  # None: the column cannot be sorted by the catalog
    width: int
    align: Qt.AlignmentFlag
    tooltip: str
    shown: bool = True  # hidden ones are one click away in View → Columns and the header's menu


_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_CENTER = Qt.AlignmentFlag.AlignCenter

COLUMNS: dict[Col, Column] = {
    Col.NAME: Column("Name", "name", 270, _LEFT, "File name"),
    Col.KIND: Column("Kind", "kind", 58, _LEFT, "Video, audio or image", shown=False),
    Col.DURATION: Column("Duration", "duration", 68, _RIGHT, "Length (h:mm:ss)"),
    Col.RESOLUTION: Column("Resolution", "resolution", 82, _RIGHT, "Frame size in pixels"),
    Col.FPS: Column("FPS", "fps", 56, _RIGHT, "Frame rate (exact)"),
    Col.CODEC: Column("Codec", "codec", 66, _LEFT, "Video codec, or the audio codec of audio files"),
    Col.START_TC: Column("Start TC", "start_tc", 86, _RIGHT, "Start timecode"),
    Col.RATING: Column("Rating", "rating", 82, _CENTER, "Click a star or press 0–5"),
    Col.FAVOURITE: Column("♥", "favourite", 28, _CENTER, "Favourite: click the heart or press F"),
    Col.TAGS: Column("Tags", None, 130, _LEFT, "Your tags (Ctrl+T to edit)"),
    Col.SIZE: Column("Size", "size", 68, _RIGHT, "File size"),
    Col.ADDED: Column("Added", "added", 86, _RIGHT, "Date added to the library", shown=False),
    Col.TITLE: Column("Title", "title", 150, _LEFT, "Title from the file's tags (the name when it has none)",
                      shown=False),
    Col.ARTIST: Column("Artist", "artist", 120, _LEFT, "Artist (album artist first) from the file's tags"),
    Col.ALBUM: Column("Album", "album", 120, _LEFT, "Album from the file's tags"),
    Col.TRACK: Column("Track", "track", 48, _RIGHT, "Disc and track number from the file's tags", shown=False),
    Col.FOLDER: Column("Folder", "path", 200, _LEFT, "The folder that holds the file (sorts by full path)",
                       shown=False),
}

SORT_TO_COLUMN = {c.sort_key: col for col, c in COLUMNS.items() if c.sort_key}
