"""Qt tests run a real app context, whose thumbnail service makes thumbnails after every scan."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QWidget

from app.ingest.thumbs import CACHE_ENV


@pytest.fixture(autouse=True)
def thumbnail_cache(monkeypatch, tmp_path: Path) -> Path:
    """Each test its own thumbnail cache: none is written to the user's, none is left over from another test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


def dispose(widget: QWidget) -> None:
    """Close and delete a window here, on the GUI thread, rather than whenever (and wherever) GC runs."""
    widget.close()
    widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


@pytest.fixture
def window(qtbot, app_context):
    """The real main window on a fresh app context; mpv is stopped before the window goes."""
    from app.ui.main_window import MainWindow

    win = MainWindow(app_context)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    yield win
    app_context.player.shutdown()
    dispose(win)
