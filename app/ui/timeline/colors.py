"""How conform statuses look, the same in the timeline view and the events table."""

from __future__ import annotations

from PySide6.QtGui import QColor

from app.interchange.conform import EventMatch

STATUS_COLORS = {
    "matched": QColor("#3f8f5a"),
    "ambiguous": QColor("#c28a16"),
    "offline": QColor("#a84848"),
    "not media": QColor("#6b6b6b"),  # black, bars, titles: nothing to find, nothing missing
    "error": QColor("#d04a4a"),
}
AUDIO_TINT = QColor("#3a6f94")  # matched audio blocks: another hue, so V and A read apart at a glance
BLACK_REELS = {"BL", "BLK", "BLACK"}  # CMX black (and its common spellings): drawn as black, not as offline
PLAYHEAD = QColor("#ff5252")
CURRENT = QColor("#ffca28")
SELECTED = QColor("#ffffff")


def status_color(status: str) -> QColor:
    """The colour of a conform status (grey for one this version does not know)."""
    return STATUS_COLORS.get(status, STATUS_COLORS["not media"])


def status_text(match: EventMatch, media_name: str = "") -> str:
    """'matched · A001C003.mov', 'ambiguous (2)', 'offline'."""
    if match.status == "matched":
        return f"matched · {media_name}" if media_name else "matched"
    if match.status == "ambiguous":
        return f"ambiguous ({len(match.candidates)})"
    return match.status
