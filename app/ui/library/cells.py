"""What each library cell shows: text, colour and tooltip for a catalog row."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from app.ui.library import format as fmt
from app.ui.library.columns import Col
from app.ui.widgets.icons import ERROR_COLOR


def display_text(row: dict[str, Any], col: Col) -> str:
    """The text of one cell."""
    if col == Col.NAME:
        return row["name"]
    if col == Col.KIND:
        return row["kind"].capitalize() if row["kind"] != "unknown" else ""
    if col == Col.DURATION:
        return fmt.duration_text(row["duration"]) if row["kind"] != "image" else ""
    if col == Col.RESOLUTION:
        return fmt.resolution_text(row["width"], row["height"])
    if col == Col.FPS:
        return fmt.rate_text(row["fps_num"], row["fps_den"]) if row["kind"] == "video" else ""
    if col == Col.CODEC:
        return fmt.codec_text(row["video_codec"] or row["audio_codec"])
    if col == Col.START_TC:
        return row["start_tc"] or ""
    if col == Col.RATING:
        return fmt.stars_text(row["rating"])
    if col == Col.FAVOURITE:
        return fmt.HEART if row["favourite"] else ""
    if col == Col.TAGS:
        return row["tags"] or ""
    if col == Col.SIZE:
        return fmt.size_text(row["size"])
    if col == Col.ADDED:
        return fmt.date_text(row["added_at"])
    return _tag_text(row, col)


def _tag_text(row: dict[str, Any], col: Col) -> str:
    if col == Col.TITLE:
        return row["title"] or ""
    if col == Col.ARTIST:
        return row["album_artist"] or row["artist"] or ""  # what the column sorts by
    if col == Col.ALBUM:
        return row["album"] or ""
    if col == Col.TRACK:
        track, disc = row["track"], row["disc"]
        if track is None:
            return ""
        return f"{disc}-{track:02d}" if disc and disc > 1 else str(track)
    return os.path.dirname(row["path"])


def foreground(status: str) -> QColor | None:
    """Red for unreadable files, grey for missing ones and those still being read."""
    if status == "error":
        return QColor(ERROR_COLOR)
    if status in ("missing", "pending"):
        return QApplication.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    return None


def tooltip(row: dict[str, Any], col: Col) -> str | None:
    """Why a row looks the way it does, or the full value of a cut-off cell."""
    status = row["status"]
    problem = row["status_message"] or ""
    if status == "missing":
        return f"Missing: {problem or 'the file is not on disk'}\n{row['path']}"
    if status == "error":
        return f"Cannot read this file: {problem}\n{row['path']}"
    if status == "pending":
        return f"Reading details…\n{row['path']}"
    if col == Col.NAME:
        return row["path"] + (f"\n{problem}" if problem else "")
    if col == Col.RATING:
        return f"{row['rating']} of 5 stars — click a star or press 0–5"
    if col == Col.FAVOURITE:
        return "Favourite — click or press F" if row["favourite"] else "Click or press F to mark as favourite"
    if col == Col.CODEC and row["video_codec"] and row["audio_codec"]:
        return f"Video {fmt.codec_text(row['video_codec'])}, audio {fmt.codec_text(row['audio_codec'])}"
    if col in (Col.TAGS, Col.TITLE, Col.ALBUM, Col.FOLDER):
        return display_text(row, col) or None  # the whole value of a cell that may be cut off
    if col == Col.ARTIST and row["album_artist"] and row["artist"] and row["album_artist"] != row["artist"]:
        return f"Album artist {row['album_artist']}; track artist {row['artist']}"
    return None
