"""Menus: the Player dock comes back from View, Help lists the real shortcuts, the library menu plays."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMenu

from app.ui.main_window import MainWindow
from app.ui.player.keys import PLAYER_KEYS
from tests.media import make_clip


def native(keys: str) -> str:
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)


def view_action(window: MainWindow, text: str):
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    return next(a for a in view.actions() if a.text() == text)


@pytest.fixture
def clip_id(qtbot, window: MainWindow, app_context, media_dir: Path) -> int:
    make_clip(media_dir / "harbour.mov", rate="25", frames=48, size=(160, 90))
    app_context.library.add_paths([str(media_dir)])
    qtbot.waitUntil(lambda: window.library_panel.model.rowCount() == 1 and not app_context.library.scanning
                    and not app_context.catalog.status_counts().get("pending"), timeout=20000)
    return window.library_panel.model.media_id(0)


def test_player_dock_closes_and_comes_back_from_the_view_menu(qtbot, window: MainWindow) -> None:
    toggle = view_action(window, "Player")
    assert toggle.shortcut().toString() == "Alt+5"
    window.player_dock.close()
    qtbot.waitUntil(lambda: not window.player_dock.isVisible(), timeout=2000)
    assert not toggle.isChecked()
    toggle.trigger()
    qtbot.waitUntil(lambda: window.player_dock.isVisible(), timeout=2000)
    assert toggle.isChecked()


def test_shortcut_list_is_read_from_the_actions(qtbot, window: MainWindow) -> None:
    window.menus.shortcuts.trigger()
    dialog = window.shortcuts_dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=2000)
    shown = dialog.rows_shown()
    assert ("Add Folder", native("Ctrl+O")) in shown
    assert ("Rescan Library", "F5") in shown
    assert ("Play", f"{native('Return')}, {native('Enter')}") in shown  # the library's, not in a menu
    assert ("Timeline", native("Alt+4")) in shown and ("Player", native("Alt+5")) in shown
    assert ("★★★", "3") in shown  # submenus too
    assert ("Play / pause", native("Space")) in shown
    commands = {command for command, _ in shown}
    assert "About Reelkeep" not in commands  # no key, not listed

    qtbot.keyClicks(dialog.filter, native("Ctrl+O"))
    assert dialog.rows_shown() == [("Add Folder", native("Ctrl+O"))]
    dialog.close()

    window.menus.rescan.setShortcut(QKeySequence("F6"))  # the list follows the actions, it is not a copy
    window.show_shortcuts()
    assert ("Rescan Library", "F6") in window.shortcuts_dialog.rows_shown()
    window.shortcuts_dialog.close()


def test_every_listed_player_key_is_handled(qtbot, window: MainWindow, app_context, clip_id: int) -> None:
    window.open_media(clip_id)
    qtbot.waitUntil(lambda: app_context.player.clip is not None, timeout=10000)
    panel = window.player_panel
    for keys, text in PLAYER_KEYS:
        for key in keys:
            if key in ("Shift+M", "Esc"):  # a name dialog; only in full screen
                continue
            combo = QKeySequence(key)[0]
            assert panel.handle_key(combo.key(), combo.keyboardModifiers()), f"{key}: {text}"
    app_context.player.pause()


def test_context_menu_plays_the_file(qtbot, window: MainWindow, app_context, clip_id: int) -> None:
    panel = window.library_panel
    panel.select_ids([clip_id])
    rect = panel.view.visualRect(panel.model.index(0, 0))
    panel.view.customContextMenuRequested.emit(rect.center())
    qtbot.waitUntil(lambda: any(isinstance(w, QMenu) and w.isVisible() for w in QApplication.topLevelWidgets()),
                    timeout=2000)
    menu = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMenu) and w.isVisible())
    play = menu.actions()[0]
    assert play.text() == "Play" and menu.defaultAction() is play and play.isEnabled()
    with qtbot.waitSignal(panel.play_requested, timeout=2000) as requested:
        play.trigger()
    menu.close()
    assert requested.args == [clip_id]
    qtbot.waitUntil(lambda: app_context.player.clip is not None and app_context.player.playing, timeout=10000)
    app_context.player.pause()

    with qtbot.assertNotEmitted(panel.play_requested, wait=100):  # Enter in the search box does not play
        qtbot.keyClick(panel.filter_bar.search, Qt.Key.Key_Return)

