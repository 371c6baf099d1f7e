"""Posters and proxies in the offline tape catalog: in the real main window, a tape written by the CLI and a library
scanned from a copy of one of its clips (poster and proxy made by the app's own jobs) — the tape file the library
holds shows the library's poster and plays its proxy with no tape loaded; the other says to restore it first."""

from __future__ import annotations

import io
import os
import shutil
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QMenu

from app.cli import main as cli
from app.ingest.proxies import PROXY_ENV
from app.ingest.thumbs import is_done, thumbnail_paths
from app.media.hashing import content_hash
from app.services.tape_library import NOT_IN_LIBRARY
from app.ui.main_window import MainWindow
from app.ui.tape.files_model import COL_PATH, COL_POSTER
from tests.media.clips import make_clip

WAIT = 60000  # two cores shared by several test runs: posters, proxies and mpv all take their turn
MATCHED, UNMATCHED = "Day 01/A001C001.mov", "Day 01/A001C002.mov"


@pytest.fixture
def shelved(qtbot, tmp_path: Path, window: MainWindow, monkeypatch) -> dict:
    """RK0001L9 holds both clips (written with `reelkeep tape format` and `tape write`); the library holds a copy
    of A001C001 only, with its poster and a thumbnail proxy; the tape is on the shelf (its folder moved away)."""
    monkeypatch.setenv(PROXY_ENV, str(tmp_path / "proxies"))
    ctx = window.ctx
    card = tmp_path / "card" / "Day 01"
    card.mkdir(parents=True)
    shot = make_clip(card / "A001C001.mov", rate="25", frames=24, size=(320, 180), audio=False)
    make_clip(card / "A001C002.mov", rate="25", frames=20, size=(320, 180), audio=False)
    device = f"file:{tmp_path / 'shelf' / 'RK0001L9'}"
    catalog = ["--catalog", str(ctx.catalog.path)]
    assert cli([*catalog, "tape", "format", device, "--barcode", "RK0001L9"], io.StringIO()) == 0
    assert cli([*catalog, "tape", "write", device, str(card), "-q"], io.StringIO()) == 0
    shutil.move(tmp_path / "shelf", tmp_path / "vault")  # no tape is loaded from here on

    library = tmp_path / "library"
    library.mkdir()
    copy = shutil.copy(shot, library / "A001C001.mov")
    ctx.library.add_paths([str(library)])
    qtbot.waitUntil(lambda: ctx.catalog.count() == 1 and not ctx.library.scanning, timeout=WAIT)
    [media_id] = ctx.catalog.query_ids()
    # A scan does not hash whole files: the content hash comes as an offload's read-back records it (docs/tape.md)
    stat = os.stat(copy)
    assert ctx.catalog.record_content_hashes([(copy, stat.st_size, stat.st_mtime, content_hash(copy))]) == [media_id]
    identity = ctx.catalog.info(media_id)["identity_hash"]
    qtbot.waitUntil(lambda: is_done(identity), timeout=WAIT)  # thumbnails are made after the scan
    ctx.library.make_proxies([media_id], ["thumbnail"])
    qtbot.waitUntil(lambda: bool(ctx.catalog.proxies(media_id)), timeout=WAIT)
    [proxy] = ctx.catalog.proxies(media_id)

    ctx.tape.refresh()
    panel = window.tape_panel
    qtbot.waitUntil(lambda: ctx.tape.tape("RK0001L9") is not None, timeout=WAIT)
    panel.select_tape("RK0001L9")
    qtbot.waitUntil(lambda: {MATCHED, UNMATCHED} <= set(_paths(window)), timeout=WAIT)
    return {"media_id": media_id, "proxy": proxy["path"], "copy": str(copy)}


def _poster_file(ctx, media_id: int) -> str:  # noqa: ANN001 - the app context
    return str(thumbnail_paths(ctx.catalog.info(media_id)["identity_hash"])["poster"])


def _paths(window: MainWindow) -> list[str]:
    model = window.tape_panel.files_model
    return [model.index(r, COL_PATH).data() for r in range(model.rowCount())]


def _row(window: MainWindow, path: str) -> int:
    return _paths(window).index(path)


def _poster(window: MainWindow, path: str) -> QPixmap | None:
    model = window.tape_panel.files_model
    return model.index(_row(window, path), COL_POSTER).data(Qt.ItemDataRole.DecorationRole)


def _select(window: MainWindow, path: str) -> None:
    table = window.tape_panel.files
    table.setCurrentIndex(table.model().index(_row(window, path), COL_PATH))


def test_the_file_the_library_holds_shows_its_poster_and_plays_its_proxy(qtbot, window: MainWindow,
                                                                         shelved: dict) -> None:
    panel, player = window.tape_panel, window.ctx.player
    qtbot.waitUntil(lambda: isinstance(_poster(window, MATCHED), QPixmap) and not _poster(window, MATCHED).isNull(),
                    timeout=WAIT)
    assert _poster(window, UNMATCHED) is None
    model = panel.files_model
    tip = model.index(_row(window, MATCHED), COL_POSTER).data(Qt.ItemDataRole.ToolTipRole)
    assert f"In the library (online): {shelved['copy']}" in tip and "thumbnail" in tip
    assert NOT_IN_LIBRARY in model.index(_row(window, UNMATCHED), COL_PATH).data(Qt.ItemDataRole.ToolTipRole).lower()

    actions = panel.file_actions
    _select(window, UNMATCHED)
    assert not actions.play_action.isEnabled() and not actions.play_proxy_action.isEnabled()
    assert NOT_IN_LIBRARY in actions.play_action.toolTip()
    assert actions.details.text() == f"A001C002.mov: {NOT_IN_LIBRARY}"  # the line under the list
    table = panel.files
    table.customContextMenuRequested.emit(table.visualRect(table.currentIndex()).center())
    menu = table.findChildren(QMenu)[-1]
    assert [a.text() for a in menu.actions()] == [f"&Play ({NOT_IN_LIBRARY})", "Play &Proxy", "Show in &Library",
                                                 "", "&Restore Selected…"]
    assert menu.toolTipsVisible() and not menu.actions()[0].isEnabled()  # a disabled Play says why
    menu.close()

    _select(window, MATCHED)
    assert actions.play_action.isEnabled() and actions.play_proxy_action.isEnabled()
    assert actions.details.text().startswith(f"A001C001.mov is in the library (online): {shelved['copy']} · "
                                             "proxies: thumbnail ")
    actions.play_proxy_action.trigger()
    assert player.source is not None and player.source.path == shelved["proxy"]
    assert player.clip is not None and player.clip.media_id is None  # the proxy stands in: no tape, no original
    assert player.source_label.startswith("PROXY ") and window.player_panel.transport.source_badge.text() != "ORIGINAL"
    qtbot.waitUntil(lambda: player._player.duration is not None, timeout=WAIT)
    assert player.error == ""

    actions.play_action.trigger()  # the original is online: the library plays it as it always does
    assert player.clip.media_id == shelved["media_id"]
    actions.show_action.trigger()
    assert window.library_panel.current_id() == shelved["media_id"]


def test_an_offline_original_plays_its_proxy_and_search_results_show_posters(qtbot, window: MainWindow,
                                                                               shelved: dict) -> None:
    panel, player = window.tape_panel, window.ctx.player
    Path(shelved["copy"]).rename(Path(shelved["copy"]).with_suffix(".away"))  # its drive unplugged
    qtbot.keyClicks(panel.search, "a001c00")
    qtbot.waitUntil(lambda: panel.files_model.searching and set(_paths(window)) == {MATCHED, UNMATCHED},
                    timeout=WAIT)
    qtbot.waitUntil(lambda: isinstance(_poster(window, MATCHED), QPixmap), timeout=WAIT)
    assert _poster(window, UNMATCHED) is None

    table = panel.files
    index = table.model().index(_row(window, MATCHED), COL_PATH)
    table.doubleClicked.emit(index)  # Play: the original is gone, its proxy plays
    assert player.source is not None and player.source.path == shelved["proxy"]
    messages: list[str] = []
    panel.message.connect(messages.append)
    table.doubleClicked.emit(table.model().index(_row(window, UNMATCHED), COL_PATH))
    assert messages and NOT_IN_LIBRARY in messages[-1] and player.source.path == shelved["proxy"]


def test_a_proxy_made_while_the_tape_is_shown_is_offered_there(qtbot, window: MainWindow, shelved: dict) -> None:
    model = window.tape_panel.files_model

    def tip() -> str:
        return model.index(_row(window, MATCHED), COL_POSTER).data(Qt.ItemDataRole.ToolTipRole) or ""

    qtbot.waitUntil(lambda: "thumbnail" in tip(), timeout=WAIT)
    assert "preview" not in tip()
    window.ctx.library.make_proxies([shelved["media_id"]], ["preview"])  # the library says so: matched again
    qtbot.waitUntil(lambda: "preview" in tip(), timeout=WAIT)


def test_posters_need_no_catalog_read_on_the_gui_thread_and_come_when_made(qtbot, window: MainWindow, shelved: dict,
                                                                           monkeypatch) -> None:
    ctx, model = window.ctx, window.tape_panel.files_model
    reads: list[int] = []
    info = ctx.catalog.info

    def counted(media_id: int) -> dict:
        if threading.current_thread() is threading.main_thread():
            reads.append(media_id)
        return info(media_id)

    monkeypatch.setattr(ctx.catalog, "info", counted)
    # a screenful of a big tape's rows asks for posters at every paint: no catalog read each (a 100,000-file tape
    # in the catalog makes one about 17 ms)
    qtbot.waitUntil(lambda: isinstance(_poster(window, MATCHED), QPixmap), timeout=WAIT)
    assert reads == []

    poster = Path(_poster_file(ctx, shelved["media_id"]))
    shutil.rmtree(poster.parent)  # the library's thumbnails are gone (a cache emptied): listed without a poster
    ctx.tape.show_tape(ctx.tape.tape("RK0001L9")["id"])
    qtbot.waitUntil(lambda: MATCHED in _paths(window) and model.index(_row(window, MATCHED), COL_POSTER).data()
                    == "library", timeout=WAIT)
    assert _poster(window, MATCHED) is None
    changed: list[list[int]] = []
    ctx.library.media_changed.connect(changed.append)
    ctx.library.set_rating([shelved["media_id"]], 4)  # an edit: the thumbnail service looks at the file again
    qtbot.waitUntil(lambda: [shelved["media_id"]] in changed, timeout=WAIT)
    ctx.thumbnails.request([shelved["media_id"]], visible_first=False)  # made again: the row shows it
    qtbot.waitUntil(lambda: isinstance(_poster(window, MATCHED), QPixmap), timeout=WAIT)
    assert poster.is_file()
