"""The library grid in the real main window: tiles, posters, hover previews, keys, double-click, persistence.
What the grid paints is grabbed and its frame-index pattern read back."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMenu

from app.media.thumbnails import preview_ranges
from app.ui.library.grid import LibraryGridView
from app.ui.library.grid_delegate import GridDelegate
from app.ui.library.panel import LibraryPanel
from app.ui.library.table_model import CACHE_LIMIT
from app.ui.main_window import MainWindow
from tests.media import make_audio, make_clip, read_index
from tests.qt.conftest import dispose
from tests.qt.test_ui_library import drop_paths
from tests.qt.test_ui_scale import ROWS, big_catalog_file, big_library  # noqa: F401 - fixtures

HARBOUR_FRAMES = 150  # at 25 fps: five one-second snippets make its preview


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("grid_template")
    make_clip(folder / "harbour.mov", rate="25", frames=HARBOUR_FRAMES, size=(320, 180))
    make_clip(folder / "night.mp4", rate="24000/1001", frames=48, size=(320, 180))
    make_audio(folder / "tide.mp3", tags={"title": "Morning Tide", "artist": "Nina Vale"}, seconds=0.5, cover=True)
    (folder / "broken.mp4").write_bytes(b"this is not a video")
    return folder


@pytest.fixture
def library_dir(template: Path, media_dir: Path) -> Path:
    for source in template.iterdir():
        shutil.copy(source, media_dir / source.name)
    return media_dir




def scanned(qtbot, window: MainWindow, folder: Path, count: int = 4) -> dict[str, int]:
    """Drop the folder, wait for the scan and the thumbnails it sets off; ids by file name."""
    drop_paths(window, [folder])
    ctx = window.ctx
    qtbot.waitUntil(lambda: window.library_panel.model.rowCount() == count and not ctx.library.scanning
                    and not ctx.catalog.status_counts().get("pending"), timeout=20000)
    qtbot.waitUntil(lambda: ctx.thumbnails.pending_count == 0, timeout=30000)
    return {row["name"]: row["id"] for row in ctx.catalog.rows(ctx.catalog.query_ids())}


def to_grid(qtbot, window: MainWindow) -> LibraryGridView:
    panel = window.library_panel
    panel.focus_table()
    qtbot.keyClick(panel.view, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # View → Grid
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.grid and panel.grid.isVisible(), timeout=2000)
    return panel.grid


def poster_pixels(grid: LibraryGridView, media_id: int) -> np.ndarray:
    """The tile's poster box as painted (RGB)."""
    image = grid.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    array = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine())
    array = array[:, : image.width() * 3].reshape(image.height(), image.width(), 3)
    box = GridDelegate.poster_rect(grid.tile_rect(media_id))
    return array[box.top() : box.bottom() + 1, box.left() : box.right() + 1].copy()


def test_grid_shows_tiles_with_posters_and_keeps_the_tables_keys(qtbot, window, library_dir, app_context) -> None:
    ids = scanned(qtbot, window, library_dir)
    panel = window.library_panel
    grid = to_grid(qtbot, window)
    assert grid.model() is panel.model and grid.selectionModel() is panel.view.selectionModel()
    assert grid.visible_ids() == panel.model.id_list()  # every tile is on screen

    shown = [ids["harbour.mov"], ids["night.mp4"], ids["tide.mp3"]]
    qtbot.waitUntil(lambda: set(shown) <= set(grid.posters.cached_ids()), timeout=10000)
    assert read_index(poster_pixels(grid, ids["harbour.mov"])) is not None  # a frame of the clip, not a placeholder
    assert read_index(poster_pixels(grid, ids["night.mp4"])) is not None
    cover = poster_pixels(grid, ids["tide.mp3"])
    assert (cover[cover.shape[0] // 2, cover.shape[1] // 2] > 235).all()  # the cover art's white square
    broken = poster_pixels(grid, ids["broken.mp4"])
    assert read_index(broken) is None and broken.mean() < 60  # a dimmed placeholder

    # One selection for both views; the panel's keys act on it.
    centre = grid.tile_rect(ids["night.mp4"]).center()
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.waitUntil(lambda: panel.selected_ids() == [ids["night.mp4"]], timeout=2000)
    assert panel.view.selectionModel().isRowSelected(panel.model.row_for_id(ids["night.mp4"]))
    qtbot.keyClick(grid, Qt.Key.Key_4)
    qtbot.waitUntil(lambda: app_context.catalog.info(ids["night.mp4"])["rating"] == 4, timeout=2000)
    qtbot.keyClick(grid, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: app_context.catalog.info(ids["night.mp4"])["favourite"], timeout=2000)
    with qtbot.waitSignal(panel.play_requested, timeout=2000) as requested:
        qtbot.keyClick(grid, Qt.Key.Key_Return)
    assert requested.args == [ids["night.mp4"]]
    app_context.player.pause()

    grid.customContextMenuRequested.emit(centre)  # right-click: the table's menu, at the tile
    qtbot.waitUntil(lambda: any(isinstance(w, QMenu) and w.isVisible() for w in QApplication.topLevelWidgets()),
                    timeout=2000)
    menu = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMenu) and w.isVisible())
    assert "Show in File Manager" in [action.text() for action in menu.actions()]
    at = grid.viewport().mapToGlobal(centre)
    assert menu.y() == at.y() and menu.x() <= at.x()  # at the tile (moved left only to stay on the screen)
    menu.close()

    panel.confirm = lambda title, text: True
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=grid.tile_rect(ids["broken.mp4"]).center())
    qtbot.waitUntil(lambda: panel.selected_ids() == [ids["broken.mp4"]], timeout=2000)
    qtbot.keyClick(grid, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3, timeout=3000)
    assert (library_dir / "broken.mp4").exists()
    # Under the offscreen platform the window is no longer active a moment after the removal (main's code did
    # the same; the Ctrl+1 below used to win the race): activate it as a user's click would.
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)

    qtbot.keyClick(grid, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # back to the table
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.view, timeout=2000)


def test_hovering_a_tile_plays_its_preview_in_place(qtbot, window, library_dir) -> None:
    ids = scanned(qtbot, window, library_dir)
    grid = to_grid(qtbot, window)
    harbour = ids["harbour.mov"]
    order = [i for part in preview_ranges(HARBOUR_FRAMES, 25) for i in part]  # source frames in the preview
    assert len(order) < HARBOUR_FRAMES
    qtbot.waitUntil(lambda: harbour in grid.posters.cached_ids(), timeout=10000)
    poster_index = read_index(poster_pixels(grid, harbour))

    tile = grid.tile_rect(harbour)
    qtbot.mouseMove(grid.viewport(), tile.center())
    preview = grid.preview
    qtbot.waitUntil(lambda: preview.playing == harbour, timeout=5000)
    assert preview.frame_count() == len(order) and preview.timer.isActive()
    assert preview.timer.interval() == 40  # 25 fps

    seen = []
    for _ in range(2):
        shown = preview.frame_index
        qtbot.waitUntil(lambda shown=shown: preview.frame_index != shown, timeout=2000)  # the timer moved on
        painted = read_index(poster_pixels(grid, harbour))  # painting is synchronous: the frame now
        assert painted == order[preview.frame_index]
        seen.append(painted)
    assert seen[0] != seen[1]

    empty = QPoint(grid.viewport().width() - 5, grid.viewport().height() - 5)  # below and beside the tiles
    assert not grid.indexAt(empty).isValid()
    qtbot.mouseMove(grid.viewport(), empty)
    qtbot.waitUntil(lambda: preview.playing is None, timeout=2000)
    assert not preview.timer.isActive()
    assert read_index(poster_pixels(grid, harbour)) == poster_index  # the poster is back


def test_double_click_on_a_tile_opens_the_player(qtbot, window, library_dir, app_context) -> None:
    ids = scanned(qtbot, window, library_dir)
    grid = to_grid(qtbot, window)
    centre = grid.tile_rect(ids["night.mp4"]).center()
    # Qt's item views take a double click only after the press that starts it
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.waitUntil(lambda: app_context.player.clip is not None and app_context.player.clip.media_id == ids["night.mp4"],
                    timeout=5000)
    assert not app_context.player.playing  # a double click opens; Enter plays
    assert window.player_panel.scrubber.sheet is not None  # its thumbnails were made: the filmstrip shows


def test_the_view_choice_persists(qtbot, app_context, library_dir) -> None:
    first = MainWindow(app_context)
    first.show()
    qtbot.waitExposed(first)
    scanned(qtbot, first, library_dir)
    to_grid(qtbot, first)
    dispose(first)

    second = MainWindow(app_context)
    second.show()
    qtbot.waitExposed(second)
    try:
        panel = second.library_panel
        assert panel.view_switch.mode == "grid" and panel.view_switch.grid_action.isChecked()
        assert panel.stack.currentWidget() is panel.grid
        second.library_panel.view_switch.table_action.trigger()
    finally:
        dispose(second)
    third = MainWindow(app_context)
    try:
        assert third.library_panel.view_switch.mode == "table"
    finally:
        dispose(third)


def test_grid_of_a_huge_catalog_stays_responsive(qtbot, big_library) -> None:  # noqa: F811 - fixture
    panel = LibraryPanel(big_library.library, thumbnails=big_library.thumbnails)
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    panel.show()
    qtbot.waitExposed(panel)
    started = time.perf_counter()
    panel.set_view_mode("grid")
    grid = panel.grid
    assert time.perf_counter() - started < 1  # tiles are placed in batches: the first screen shows at once
    last = panel.model.media_id(ROWS - 1)
    # Until every batch is placed the bottom keeps moving down.
    qtbot.waitUntil(lambda: grid.scrollToBottom() or last in grid.visible_ids(), timeout=10000)
    assert time.perf_counter() - started < 5
    assert len(grid.visible_ids()) < 60  # only tiles on screen are painted and prioritised
    assert panel.model.cached_row_count() <= CACHE_LIMIT
    qtbot.waitUntil(lambda: big_library.thumbnails.pending_count == 0, timeout=10000)  # files being read: skipped
