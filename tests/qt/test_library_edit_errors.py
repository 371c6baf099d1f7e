"""Edits made in the window: never waited for on the GUI thread, and a catalog that cannot be written is told
to the user (no exception in a slot, nothing half written)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import QTimer

from app.bootstrap import build_context
from app.core.facts import FileState
from tests.conftest import fill_disk


def test_edits_on_a_full_catalog_disk_raise_an_error_message_not_an_exception(qtbot, small_disk: Path,
                                                                               tmp_path: Path) -> None:
    ctx = build_context(small_disk / "catalog.sqlite", str(tmp_path / "settings.ini"), watch=False)
    try:
        catalog, library = ctx.catalog, ctx.library
        ids = catalog.add_discovered(None, [FileState(f"/L/s{i}.mp3".encode(), 10, 1.0) for i in range(50)])
        errors: list[str] = []
        changed: list[list[int]] = []
        library.error_raised.connect(errors.append)
        library.media_changed.connect(changed.append)
        filler = fill_disk(small_disk)

        library.add_tags(ids, ["kept"])
        qtbot.waitUntil(lambda: bool(errors), timeout=20000)
        assert len(errors) == 1 and "disk full: the catalog at" in errors[0]
        assert changed == [] and catalog.tag_counts() == []  # nothing half written, no view told otherwise

        filler.unlink()
        library.add_tags(ids, ["kept"])
        qtbot.waitUntil(lambda: catalog.tag_counts() == [("kept", 50)], timeout=10000)
        qtbot.waitUntil(lambda: changed == [ids], timeout=5000)
    finally:
        ctx.shutdown()


def test_an_edit_while_another_program_holds_the_catalog_lock_does_not_wait_on_the_gui_thread(
        qtbot, app_context, tmp_path: Path) -> None:
    catalog, library = app_context.catalog, app_context.library
    (media_id,) = catalog.add_discovered(None, [FileState(b"/L/song.mp3", 10, 1.0)])
    other = sqlite3.connect(tmp_path / "catalog.sqlite", isolation_level=None)  # another process's scan batch
    other.execute("BEGIN IMMEDIATE")
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    try:
        library.set_rating([media_id], 4)  # returns at once: the edit waits for the lock on the catalog lane
        assert catalog.info(media_id)["rating"] == 0
        qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=5000)  # the event loop runs meanwhile
        assert catalog.info(media_id)["rating"] == 0
    finally:
        other.execute("COMMIT")
        other.close()
        timer.stop()
    qtbot.waitUntil(lambda: catalog.info(media_id)["rating"] == 4, timeout=10000)
