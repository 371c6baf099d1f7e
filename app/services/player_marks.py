"""The player's marks (in/out), loop and markers (kept in the catalog): a part of PlayerService."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from app.services.catalog_changes import touches
from app.services.player_clip import Marks

if TYPE_CHECKING:
    from app.catalog.catalog import Catalog
    from app.services.catalog_changes import CatalogChanges
    from app.services.player_clip import ClipInfo


class MarksMixin:
    """In/out marks, looping between them, and named markers. Needs the service's clip, frame, catalog, mpv."""

    catalog: Catalog
    clip: ClipInfo | None
    frame: int
    marks: Marks
    loop: bool
    _player: Any

    def mark_in(self, frame: int | None = None) -> None:
        frame = self.frame if frame is None else frame
        out = self.marks.out_frame if self.marks.out_frame is not None and self.marks.out_frame > frame else None
        self.marks = Marks(frame, out)
        self._apply_loop()
        self.marks_changed.emit()

    def mark_out(self, frame: int | None = None) -> None:
        frame = self.frame if frame is None else frame
        start = self.marks.in_frame if self.marks.in_frame is not None and self.marks.in_frame <= frame else None
        self.marks = Marks(start, frame + 1)
        self._apply_loop()
        self.marks_changed.emit()

    def clear_marks(self) -> None:
        self.marks = Marks()
        self._apply_loop()
        self.marks_changed.emit()

    def set_loop(self, loop: bool) -> None:
        self.loop = loop
        self._apply_loop()
        self.marks_changed.emit()

    def _apply_loop(self) -> None:
        if self._player is None or self.clip is None:
            return
        marks = self.marks
        if self.loop and marks.in_frame is not None and marks.out_frame is not None:
            self._player["ab-loop-a"] = float(Fraction(marks.in_frame) / self.clip.rate)
            self._player["ab-loop-b"] = float(Fraction(marks.out_frame) / self.clip.rate)
        else:
            self._player["ab-loop-a"] = "no"
            self._player["ab-loop-b"] = "no"

    def add_marker(self, name: str = "") -> int | None:
        if self.clip is None or self.clip.media_id is None:
            return None
        marker_id = self.catalog.add_marker(self.clip.media_id, self.frame, name or self.timecode(self.frame))
        self.markers_changed.emit()
        return marker_id

    def follow(self, changes: CatalogChanges) -> None:
        """Markers another program adds or removes on the open clip show (markers_changed: views read them again)."""
        changes.changed.connect(self._markers_elsewhere)

    def _markers_elsewhere(self, tables: frozenset[str]) -> None:
        if self.clip is not None and self.clip.media_id is not None and touches(tables, {"marker"}):
            self.markers_changed.emit()

    def markers(self) -> list[tuple[int, int, str]]:
        if self.clip is None or self.clip.media_id is None:
            return []
        return self.catalog.markers(self.clip.media_id)
