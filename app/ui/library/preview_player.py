"""HoverPreview: a tile hovered for a moment plays its muted preview clip in place.

The preview (a few seconds at 240 px) is decoded whole in a 'preview'-lane job; the timer then only
steps through frames already in memory, at the clip's own rate.
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QObject, QSize, QTimer, Signal
from PySide6.QtGui import QImage

from app.core.job import Outcome
from app.services.thumbnails import ThumbnailService
from app.ui.library.grid_jobs import PreviewDecodeJob, PreviewFrames
from app.ui.library.posters import alive_flag, rgb_image

HOVER_DELAY_MS = 300  # shorter and sweeping the pointer across the grid starts a decode per tile
KEPT_PREVIEWS = 3  # decoded previews kept: moving back to a tile just left plays at once


class HoverPreview(QObject):
    """Which tile plays, and its frame now; frame_changed(id) asks the view to repaint that tile."""

    frame_changed = Signal(int)

    def __init__(self, thumbnails: ThumbnailService | None, box: QSize, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.box = box
        self.hovered: int | None = None
        self.frame_index = 0
        self._frames: list[QImage] = []
        self._playing: int | None = None
        self._job: int | None = None
        self._alive = alive_flag(self)
        self._decoded: OrderedDict[int, tuple[str, list[QImage], int]] = OrderedDict()  # id -> path, frames, ms
        self._delay = QTimer(self)
        self._delay.setSingleShot(True)
        self._delay.setInterval(HOVER_DELAY_MS)
        self._delay.timeout.connect(self._start)
        self.timer = QTimer(self)  # swaps decoded frames, nothing else
        self.timer.timeout.connect(self._advance)

    @property
    def playing(self) -> int | None:
        """The media id whose preview is animating, or None."""
        return self._playing

    def frame_count(self) -> int:
        return len(self._frames)

    def image(self, media_id: int) -> QImage | None:
        """The preview frame to paint for media_id now (None: paint its poster)."""
        if media_id != self._playing or not self._frames:
            return None
        return self._frames[self.frame_index]

    def progress(self) -> float:
        """How far through the preview the current frame is (0–1)."""
        return (self.frame_index + 1) / len(self._frames) if self._frames else 0.0

    def hover(self, media_id: int | None) -> None:
        """The pointer is over this tile now (None: over none); a new tile starts after HOVER_DELAY_MS."""
        if media_id == self.hovered:
            return
        self.stop()
        self.hovered = media_id
        if media_id is not None and self.thumbnails is not None:
            self._delay.start()

    def stop(self) -> None:
        """Stop playing and forget the hovered tile (the tile shows its poster again)."""
        self._delay.stop()
        self.timer.stop()
        if self._job is not None and self.thumbnails is not None:
            self.thumbnails.runner.cancel(self._job)  # its result is ignored if it still arrives
            self._job = None
        stopped, self._playing, self._frames, self.hovered = self._playing, None, [], None
        if stopped is not None:
            self.frame_changed.emit(stopped)

    def _start(self) -> None:
        media_id = self.hovered
        if media_id is None or self.thumbnails is None:
            return
        path = self.thumbnails.paths(media_id)["preview"]
        if path is None:
            return  # not made yet (or audio, images): the poster stays
        cached = self._decoded.get(media_id)
        if cached is not None and cached[0] == str(path):
            self._decoded.move_to_end(media_id)
            self._play(media_id, cached[1], cached[2])
            return
        job = PreviewDecodeJob(media_id, str(path), (self.box.width(), self.box.height()))
        self._job = self.thumbnails.runner.submit(job, lambda outcome: self._alive and self._on_decoded(outcome))

    def _on_decoded(self, outcome: Outcome) -> None:
        if not outcome.ok:
            return
        result: PreviewFrames = outcome.value
        if self._job is not None and result.media_id == self.hovered:
            self._job = None
        frames = [rgb_image(frame) for frame in result.frames]
        interval_ms = max(10, round(float(result.interval) * 1000))
        self._decoded[result.media_id] = (result.path, frames, interval_ms)
        while len(self._decoded) > KEPT_PREVIEWS:
            self._decoded.popitem(last=False)
        if result.media_id == self.hovered and self._playing is None:
            self._play(result.media_id, frames, interval_ms)

    def _play(self, media_id: int, frames: list[QImage], interval_ms: int) -> None:
        if not frames:
            return
        self._playing, self._frames, self.frame_index = media_id, frames, 0
        self.timer.start(interval_ms)
        self.frame_changed.emit(media_id)

    def _advance(self) -> None:
        if self._playing is None or not self._frames:
            self.timer.stop()
            return
        self.frame_index = (self.frame_index + 1) % len(self._frames)
        self.frame_changed.emit(self._playing)
