"""BrowsePanel: tags with counts and an artist → album tree; choosing one narrows the library."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.catalog.filters import LibraryFilter
from app.services.library import LibraryService
from app.ui.widgets.icons import kind_icon, tag_icon

KEY_ROLE = Qt.ItemDataRole.UserRole
REFRESH_DEBOUNCE_MS = 400
EXPAND_UP_TO = 12  # albums in the whole list: a short one opens fully
ALL = "*"  # key of the "All …" rows; others are JSON (Qt round-trips strings exactly)


def _key(*parts: str | None) -> str:
    return json.dumps(list(parts))


def _tree(parent: QWidget) -> QTreeWidget:
    tree = QTreeWidget(parent)
    tree.setColumnCount(2)
    tree.setHeaderHidden(True)
    tree.setRootIsDecorated(False)
    tree.setUniformRowHeights(True)
    tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    tree.setFrameShape(QTreeWidget.Shape.NoFrame)
    tree.header().setStretchLastSection(False)
    tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
    return tree


def _item(parent: QTreeWidget | QTreeWidgetItem, text: str, count: int, key: str) -> QTreeWidgetItem:
    item = QTreeWidgetItem(parent, [text, f"{count:,}"])
    item.setData(0, KEY_ROLE, key)
    item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    item.setForeground(1, item.treeWidget().palette().brush(QPalette.ColorRole.PlaceholderText))
    item.setToolTip(0, text)
    return item


def _heading(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    label.setContentsMargins(6, 6, 6, 2)
    return label


class BrowsePanel(QWidget):
    """Two lists beside the library: tags, and music by artist and album."""

    tag_selected = Signal(object)  # tag name, or None for every file
    artist_selected = Signal(object, object)  # (artist, album); None means 'any'

    def __init__(self, library: LibraryService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.tags = _tree(self)
        self.tags.setObjectName("tagBrowser")
        self.artists = _tree(self)
        self.artists.setObjectName("artistBrowser")
        self.artists.setRootIsDecorated(True)
        self.tags.currentItemChanged.connect(self._tag_changed)
        self.artists.currentItemChanged.connect(self._artist_changed)

        top, bottom = QWidget(self), QWidget(self)
        for box, title, tree in ((top, "Tags", self.tags), (bottom, "Artists & Albums", self.artists)):
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(0)
            column.addWidget(_heading(title, box))
            column.addWidget(tree, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh)
        library.tags_changed.connect(self.refresh)
        library.library_reset.connect(self.refresh)
        library.media_changed.connect(self._on_media_changed)
        self._filter = LibraryFilter()
        self.refresh()

    def _on_media_changed(self, _ids: list[int]) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def refresh(self) -> None:
        """Re-read the counts; keep what is chosen and which artists are open."""
        self._timer.stop()
        catalog = self.library.catalog
        tops = [self.artists.topLevelItem(i) for i in range(self.artists.topLevelItemCount())]
        known = {item.data(0, KEY_ROLE) for item in tops}
        expanded = {item.data(0, KEY_ROLE) for item in tops if item.isExpanded()}
        for tree in (self.tags, self.artists):
            tree.blockSignals(True)
            tree.clear()
        _item(self.tags, "All files", catalog.count(), ALL)
        for name, count in catalog.tag_counts():
            _item(self.tags, name, count, _key(name)).setIcon(0, tag_icon())
        albums = catalog.artists_albums()
        _item(self.artists, "All artists", sum(n for _, _, n in albums), ALL)
        current_artist, artist_item = None, None
        for artist, album, count in albums:
            if artist != current_artist:
                current_artist = artist
                artist_item = _item(self.artists, artist, 0, _key(artist, None))
                artist_item.setIcon(0, kind_icon("audio"))
                artist_item.setData(1, KEY_ROLE, 0)
            total = artist_item.data(1, KEY_ROLE) + count
            artist_item.setData(1, KEY_ROLE, total)
            artist_item.setText(1, f"{total:,}")
            _item(artist_item, album or "(no album)", count, _key(artist, album or None))
            key = _key(artist, None)
            # Artists stay open or closed as the user left them; new ones open while the list is short.
            artist_item.setExpanded(key in expanded or (key not in known and len(albums) <= EXPAND_UP_TO))
        for tree in (self.tags, self.artists):
            tree.blockSignals(False)
        self.show_filter(self._filter)

    def show_filter(self, flt: LibraryFilter) -> None:
        """Highlight the entries that flt narrows to, without narrowing again."""
        self._filter = flt
        self._select(self.tags, _key(flt.tag) if flt.tag else ALL)
        self._select(self.artists, _key(flt.artist, flt.album) if flt.artist else ALL)

    def _select(self, tree: QTreeWidget, key: str) -> None:
        found = None
        for i in range(tree.topLevelItemCount()):
            top = tree.topLevelItem(i)
            candidates = [top] + [top.child(j) for j in range(top.childCount())]
            found = next((c for c in candidates if c.data(0, KEY_ROLE) == key), None)
            if found:
                break
        tree.blockSignals(True)
        tree.setCurrentItem(found or tree.topLevelItem(0))
        tree.blockSignals(False)

    def _tag_changed(self, item: QTreeWidgetItem | None) -> None:
        if item is not None:
            key = item.data(0, KEY_ROLE)
            self.tag_selected.emit(None if key == ALL else json.loads(key)[0])

    def _artist_changed(self, item: QTreeWidgetItem | None) -> None:
        if item is not None:
            key = item.data(0, KEY_ROLE)
            artist, album = (None, None) if key == ALL else json.loads(key)
            self.artist_selected.emit(artist, album)
