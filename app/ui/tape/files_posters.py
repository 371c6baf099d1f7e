"""The Tape panel's files that are in the library: what the tooltip says of them, and Play, Play Proxy and Show in
Library on them (double-click plays; the context menu has all three). A file the library does not hold says why it
cannot play: restore it first."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import QMenu, QTableView

from app.catalog.tape_matches import LibraryMatch
from app.services.tape import TapeFile
from app.services.tape_library import TapeLibraryService
from app.ui.widgets.elided_label import ElidedLabel


def proxies_text(match: LibraryMatch) -> str:
    """'preview 960×540, thumbnail 320×180' (largest first), or 'no proxy'."""
    found = [f"{p.preset} {p.width}×{p.height}" for p in reversed(match.playable_proxies())]
    return ", ".join(found) if found else "no proxy"


def library_tooltip(row: TapeFile, library: TapeLibraryService) -> str:
    """Which library file holds row's bytes and its proxies, or why row cannot play."""
    match = library.match(row)
    if match is None:
        why = library.why_not_playable(row) or ""
        return why[:1].upper() + why[1:]
    state = "online" if match.online else "original offline"
    others = match.copies - 1
    more = (f"\n{others:,} other library {'file holds' if others == 1 else 'files hold'} the same bytes"
            if others else "")
    why = library.why_not_playable(row)
    hint = f"\nCannot play: {why}" if why else "\nDouble-click to play it, no tape needed"
    return f"In the library ({state}): {match.path}\nProxies: {proxies_text(match)}{more}{hint}"


def details_line(row: TapeFile | None, library: TapeLibraryService) -> str:
    """One line under the files list about the current file: its library copy and proxies, or why it cannot play."""
    if row is None or row.kind != "file":
        return ""
    match = library.match(row)
    why = library.why_not_playable(row)
    name = row.path.rsplit("/", 1)[-1]
    if match is None:
        return f"{name}: {why}" if why else ""
    state = "online" if match.online else "original offline"
    action = f"cannot play: {why}" if why else "double-click to play"
    return f"{name} is in the library ({state}): {match.path} · proxies: {proxies_text(match)} — {action}"


class TapeFileActions(QObject):
    """Play, Play Proxy and Show in Library on the current row of the files table."""

    library_wanted = Signal(int)  # a media id to show in the library
    player_wanted = Signal()  # the player dock to the front: something plays
    message = Signal(str)

    def __init__(self, table: QTableView, library: TapeLibraryService, extra: Sequence[QAction] = (),
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.table, self.library, self.extra = table, library, list(extra)
        self.play_action = self._action("&Play", lambda: self.play(proxy=False))
        self.play_proxy_action = self._action("Play &Proxy", lambda: self.play(proxy=True))
        self.show_action = self._action("Show in &Library", self.show_in_library)
        self.details = ElidedLabel("", table.parentWidget(), min_chars=12, elide=Qt.TextElideMode.ElideMiddle)
        self.details.setObjectName("tapeFileDetails")
        self.details.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._menu)
        table.doubleClicked.connect(self._double_clicked)
        table.selectionModel().currentRowChanged.connect(self.update_actions)
        library.matches_changed.connect(self.update_actions)
        table.model().modelReset.connect(self.update_actions)
        self.update_actions()

    def _action(self, text: str, slot: object) -> QAction:
        action = QAction(text, self.table)
        action.triggered.connect(slot)
        return action

    def current(self) -> TapeFile | None:
        model = self.table.model()
        index = self.table.currentIndex()
        return model.entry(index.row()) if index.isValid() else None  # type: ignore[attr-defined]

    def update_actions(self, *_changed: object) -> None:
        row = self.current()
        match = self.library.match(row)
        why = self.library.why_not_playable(row)
        proxy = match.best_proxy if match is not None else None
        self.play_action.setEnabled(why is None)
        self.play_action.setText("&Play" if why is None else f"&Play ({why})")  # said where it is seen, not hovered
        self.play_proxy_action.setEnabled(why is None and proxy is not None)
        self.show_action.setEnabled(match is not None)
        play_tip = f"Cannot play: {why}" if why else (f"Play {match.name} from the library" if match else "")
        self.play_action.setToolTip(play_tip)
        self.play_proxy_action.setToolTip(
            f"Cannot play: {why}" if why else f"Play its proxy {proxy.preset} {proxy.width}×{proxy.height}"
            if proxy is not None else "Its library file has no proxy")
        self.show_action.setToolTip(f"Select {match.path} in the library" if match else
                                    "Not in the library: the library holds no file with these bytes")
        for action in (self.play_action, self.play_proxy_action, self.show_action):
            action.setStatusTip(action.toolTip())
        self.details.setText(details_line(row, self.library))

    def play(self, proxy: bool = False) -> bool:
        row = self.current()
        why = self.library.why_not_playable(row)
        if row is None or why is not None:
            self.message.emit(f"Cannot play {row.path if row else 'it'}: {why}")
            return False
        played = self.library.play(row, proxy=proxy)
        if played:
            self.player_wanted.emit()
        return played

    def show_in_library(self) -> None:
        match = self.library.match(self.current())
        if match is not None:
            self.library_wanted.emit(match.media_id)

    def _double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.table.setCurrentIndex(index)
            self.update_actions()
            self.play()

    def _menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        selection = self.table.selectionModel()
        if index.isValid() and not selection.isRowSelected(index.row(), QModelIndex()):
            self.table.selectRow(index.row())
        elif index.isValid():  # within a selection: the menu acts on the row clicked, the selection stays
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
        self.update_actions()
        menu = QMenu(self.table)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one menu per right-click: none piles up
        menu.setToolTipsVisible(True)  # a disabled Play says why
        menu.addActions([self.play_action, self.play_proxy_action, self.show_action])
        if self.extra:
            menu.addSeparator()
            menu.addActions(self.extra)
        menu.popup(self.table.viewport().mapToGlobal(pos))
