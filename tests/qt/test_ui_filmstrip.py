"""The player's filmstrip comes from the thumbnail service: at once when the sprite exists, or as soon as it is
made. Each tile's frame-index pattern is read back and checked against the sprite's sidecar."""

from __future__ import annotations

import shutil

import numpy as np
from PySide6.QtGui import QImage, QPixmap

from app.ingest.thumbs import thumbs_dir
from app.ui.main_window import MainWindow
from tests.media import make_clip, read_index


def tile_index(tile: QPixmap) -> int | None:
    image = tile.toImage().convertToFormat(QImage.Format.Format_RGB888)
    array = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine())
    return read_index(array[:, : image.width() * 3].reshape(image.height(), image.width(), 3).copy())


def check_filmstrip(window: MainWindow, media_id: int) -> None:
    info = window.ctx.thumbnails.paths(media_id)["sprite_info"]
    scrubber = window.player_panel.scrubber
    assert scrubber.sheet is not None and scrubber.sprite == info
    tile = scrubber.tile_for(30)  # frame 30 of a 25 fps clip
    assert tile is not None and tile.width() == info["tile_width"]
    assert tile_index(tile) == info["frame_indices"][30 // info["interval_frames"]]


def test_the_filmstrip_follows_the_thumbnails(qtbot, window, media_dir, app_context) -> None:
    make_clip(media_dir / "harbour.mov", rate="25", frames=100, size=(160, 90))  # sprite tiles at full size
    thumbs = app_context.thumbnails
    ready: list[int] = []
    thumbs.thumbnails_ready.connect(ready.extend)
    window.add_paths([str(media_dir)])
    qtbot.waitUntil(lambda: bool(ready) and not app_context.library.scanning, timeout=20000)
    (media_id,) = ready

    window.open_media(media_id)  # made already: the filmstrip is there from the start
    check_filmstrip(window, media_id)

    # Made while the clip is open: the cache is emptied behind the service's back, the clip reopened.
    shutil.rmtree(thumbs_dir(app_context.catalog.info(media_id)["identity_hash"]))
    app_context.library.notify_changed([media_id])
    window.open_media(media_id)
    assert window.player_panel.scrubber.sheet is None
    assert thumbs.pending_count == 1  # the open clip is asked for first
    qtbot.waitUntil(lambda: window.player_panel.scrubber.sheet is not None, timeout=10000)
    check_filmstrip(window, media_id)
