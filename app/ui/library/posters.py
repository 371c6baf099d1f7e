"""PosterCache: tile-sized poster pixmaps by media id, decoded in a job, kept in a small LRU."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QObject, QSize, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap

from app.core.job import Outcome
from app.services.thumbnails import ThumbnailService
from app.ui.library.grid_jobs import PosterLoadJob

POSTER_LIMIT = 400  # pixmaps kept (~130 kB each at 240×135): a dozen screens of tiles
LOAD_LIMIT = 96  # posters per job: more than a big screen shows


def alive_flag(owner: QObject) -> list[bool]:
    """[True] until owner is deleted. Job callbacks check it: a window may close while its jobs still run."""
    flag = [True]
    owner.destroyed.connect(lambda *_: flag.clear())
    return flag


def rgb_image(rgb: np.ndarray) -> QImage:
    """A QImage that owns a copy of an H×W×3 uint8 array."""
    height, width = rgb.shape[:2]
    data = np.ascontiguousarray(rgb)
    return QImage(data.data, width, height, width * 3, QImage.Format.Format_RGB888).copy()


class PosterCache(QObject):
    """pixmap(id) answers from memory at once, or None while the poster loads (the tile shows a placeholder)."""

    loaded = Signal(list)  # media ids whose pixmaps just arrived

    def __init__(self, thumbnails: ThumbnailService | None, box: QSize, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.box = box
        self._pixmaps: OrderedDict[int, tuple[str, QPixmap | None]] = OrderedDict()
        self._wanted: OrderedDict[int, str] = OrderedDict()
        self._job: int | None = None
        self._alive = alive_flag(self)
        # Paints ask one tile at a time; this collects a screenful into one job (it only submits).
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self._flush)

    def pixmap(self, media_id: int) -> QPixmap | None:
        """The poster scaled to the box, if it exists and has been loaded; otherwise its load is queued."""
        if self.thumbnails is None:
            return None
        poster = self.thumbnails.poster_for(media_id)
        if poster is None:
            return None
        hit = self._pixmaps.get(media_id)
        if hit is not None and hit[0] == poster:  # a file whose content changed has another poster path
            self._pixmaps.move_to_end(media_id)
            return hit[1]
        self._wanted[media_id] = poster
        self._wanted.move_to_end(media_id)
        self._flush_timer.start()
        return None

    def cached_ids(self) -> list[int]:
        """Ids with a loaded pixmap, least recently painted first."""
        return [media_id for media_id, (_, pixmap) in self._pixmaps.items() if pixmap is not None]

    def _flush(self) -> None:
        if self._job is not None or not self._wanted or self.thumbnails is None:
            return
        items = list(self._wanted.items())[-LOAD_LIMIT:]  # the latest painted: still on screen
        self._wanted.clear()
        box = (self.box.width(), self.box.height())
        self._job = self.thumbnails.runner.submit(PosterLoadJob(items, box),
                                                  lambda outcome: self._alive and self._on_loaded(outcome))

    def _on_loaded(self, outcome: Outcome) -> None:
        self._job = None
        ids = []
        if outcome.ok:
            for poster in outcome.value:
                pixmap = QPixmap.fromImage(rgb_image(poster.rgb)) if poster.rgb is not None else None
                self._pixmaps[poster.media_id] = (poster.path, pixmap)
                self._pixmaps.move_to_end(poster.media_id)
                ids.append(poster.media_id)
            while len(self._pixmaps) > POSTER_LIMIT:
                self._pixmaps.popitem(last=False)
        if ids:
            self.loaded.emit(ids)
        if self._wanted:
            self._flush_timer.start()
