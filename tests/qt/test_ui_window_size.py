"""The main window fits a 1280×720 screen with every panel showing, and does not grow past what it is given."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QWidget

from app.ui.main_window import MainWindow
from tests.media import make_audio, make_clip
from tests.qt.conftest import dispose
from tests.qt.test_ui_jobs import ChecksumJob

# A 1280×720 screen less a desktop panel (32 px) and a window frame with its title bar (8 px a side, 40 px).
FRAME_WIDTH, FRAME_HEIGHT = 16, 72
PLAYER_WIDTH = 560  # the widest the player dock may insist on (marks, source, speed, volume, tracks)
ARTIST = "The Longest Named Orchestra And Choir Of The Northern Harbour Towns"
ALBUM = "Collected Recordings From The Harbour Hall, Volumes One Through Twelve"
LONG_NAME = "a_rather_long_clip_name_from_a_camera_card_A001C003_230415_R1AB_final_graded_v12.mov"


def inside(window: QWidget, widget: QWidget) -> bool:
    """widget is shown and its whole rectangle lies within the window's."""
    top_left = widget.mapTo(window, widget.rect().topLeft())
    return widget.isVisible() and window.rect().contains(QRect(top_left, widget.size()))


@pytest.fixture
def busy_window(qtbot, app_context, media_dir: Path) -> MainWindow:
    """A window in its default layout with the things that widen panels: a long name selected and playing,
    tags in the details, a long status message, a long-titled job and a timeline with a long name open."""
    deep = media_dir / "Production Drive" / "Day 04 — Harbour exteriors, second unit" / "Card A001"
    deep.mkdir(parents=True)
    make_clip(deep / LONG_NAME, rate="24000/1001", frames=24, size=(160, 90))
    make_audio(media_dir / "song.mp3", seconds=0.5,
               tags={"title": "A Song With A Title Much Longer Than Any Panel Is Wide, Live At The Harbour Hall",
                     "artist": ARTIST, "album": ALBUM})
    win = MainWindow(app_context)
    qtbot.addWidget(win)
    app_context.library.add_paths([str(media_dir)])
    qtbot.waitUntil(lambda: win.library_panel.model.rowCount() == 2 and not app_context.library.scanning
                    and not app_context.catalog.status_counts().get("pending"), timeout=20000)
    win.reset_layout()
    panel = win.library_panel
    ids = [panel.model.media_id(row) for row in range(panel.model.rowCount())]
    panel.select_ids(ids)  # details of both, then of the clip alone
    clip_id = next(i for i in ids if app_context.catalog.info(i)["name"] == LONG_NAME)
    panel.select_ids([clip_id])
    win.open_media(clip_id)
    qtbot.waitUntil(lambda: app_context.player.clip is not None, timeout=10000)
    app_context.player.mark_in(2)
    app_context.player.mark_out(20)  # the marks line is as long as it gets
    edl = media_dir / ("Harbour_feature_reel_3_locked_cut_for_online_conform_version_" * 2 + "final.edl")
    edl.write_text("TITLE: A TIMELINE TITLE LONG ENOUGH TO WIDEN ANY LABEL THAT SHOWS IT IN FULL\n"
                   "FCM: NON-DROP FRAME\n\n001  A001C003 V     C        01:00:00:00 01:00:00:10 "
                   "10:00:00:00 10:00:00:10\n* FROM CLIP NAME: " + LONG_NAME + "\n", encoding="utf-8")
    win.open_timeline(str(edl))
    qtbot.waitUntil(lambda: app_context.timeline.doc is not None, timeout=10000)
    job_id = app_context.runner.submit(ChecksumJob(None, "Checksum of " + LONG_NAME + " and its neighbours"))
    qtbot.waitUntil(lambda: win.jobs_panel.row(job_id) is not None, timeout=5000)
    win.status.showMessage("A status message that is far longer than the status bar could ever show in one "
                           "line on a small screen, naming a file: " + LONG_NAME, 60000)
    yield win
    app_context.runner.cancel(job_id)
    app_context.player.shutdown()
    dispose(win)


def test_minimum_size_fits_1280x720_with_every_panel(qtbot, busy_window: MainWindow) -> None:
    win = busy_window
    win.library_panel.set_artist(ARTIST, ALBUM)  # the browser's choice, named in the filter bar
    win.show()
    qtbot.waitExposed(win)
    QApplication.processEvents()
    assert win.library_panel.filter_bar.scope.isVisible()
    for dock in (win.browse_dock, win.player_dock, win.details_dock, win.jobs_dock, win.timeline_dock):
        assert not dock.isFloating() and dock.toggleViewAction().isChecked(), dock.windowTitle()
    hint = win.minimumSizeHint().expandedTo(win.minimumSize())
    assert hint.width() <= 1280 - FRAME_WIDTH, f"minimum width {hint.width()} px"
    assert hint.height() <= 720 - FRAME_HEIGHT, f"minimum height {hint.height()} px"
    # beside it the library keeps room for its columns (at 1280 px: 1264 - browse - player ≥ 550 px)
    assert win.player_dock.minimumSizeHint().width() <= PLAYER_WIDTH, "the player holds the library narrow"


def test_shown_at_1280x720_the_window_keeps_its_size_and_shows_controls(qtbot, busy_window: MainWindow) -> None:
    win = busy_window
    width, height = 1280 - FRAME_WIDTH, 720 - FRAME_HEIGHT
    win.resize(width, height)
    win.show()
    qtbot.waitExposed(win)
    win.timeline_dock.raise_()
    QApplication.processEvents()
    qtbot.waitUntil(lambda: win.library_panel.filter_bar.isVisible(), timeout=2000)
    assert (win.width(), win.height()) == (width, height)
    for widget in (win.status, win.status.counts_label, win.player_panel.transport, win.player_panel.video,
                   win.library_panel.filter_bar, win.library_panel.filter_bar.status, win.timeline_panel,
                   win.details_panel, win.browse_panel):
        assert inside(win, widget), type(widget).__name__
