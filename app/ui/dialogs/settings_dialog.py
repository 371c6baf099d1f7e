"""Settings: the library folders (add, remove from the catalog, rescan), where things are stored, and where the
catalog's paths are on this machine (the root mapping)."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.catalog.db import redacted
from app.core.root_map import RootMap, RootMapError, RootMapping
from app.services.library import AUTO_PREVIEW_KEY, LibraryService
from app.services.settings import CATALOG_KEY, Settings
from app.services.watch import WatchService
from app.ui.dialogs.confirm import ask

ROOT_ID_ROLE = Qt.ItemDataRole.UserRole
ROOT_MAP_HINT = ("Where the catalog's paths are on this machine (e.g. /Volumes/RAID → /mnt/raid), kept in this "
                 "machine's settings; taken when Reelkeep starts next. --map-root adds entries for one run.")


class _NoteLabel(QLabel):
    """Wrapped text in a fixed number of lines: its height never depends on its text or width, so the dialog keeps
    its layout whatever message it shows (a wrapped QLabel's height-for-width squeezed its neighbours here)."""

    def __init__(self, text: str, parent: QWidget, lines: int) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setFixedHeight(lines * self.fontMetrics().lineSpacing() + 2)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def hasHeightForWidth(self) -> bool:
        return False


class SettingsDialog(QDialog):
    """Library folders are roots: scanned, watched for changes, and listed here."""

    def __init__(self, library: LibraryService, watch: WatchService | None, settings_file: str = "",
                 parent: QWidget | None = None, settings: Settings | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.library = library
        self.watch = watch
        self.setWindowTitle("Settings")
        self.setMinimumSize(560, 380)

        self.roots = QListWidget(self)
        self.roots.setAlternatingRowColors(True)
        self.roots.setUniformItemSizes(True)
        self.roots.itemSelectionChanged.connect(self._update_buttons)
        self.add_button = QPushButton("Add…", self)
        self.remove_button = QPushButton("Remove…", self)
        self.rescan_button = QPushButton("Rescan", self)
        self.rescan_all_button = QPushButton("Rescan All", self)
        self.add_button.clicked.connect(self.add_folder)
        self.remove_button.clicked.connect(self.remove_selected)
        self.rescan_button.clicked.connect(self.rescan_selected)
        self.rescan_all_button.clicked.connect(self.rescan_all)
        buttons = QVBoxLayout()
        for button in (self.add_button, self.remove_button, self.rescan_button, self.rescan_all_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        roots_row = QHBoxLayout()
        roots_row.addWidget(self.roots, 1)
        roots_row.addLayout(buttons)
        hint = _NoteLabel("Folders are scanned and watched: files copied in, renamed or removed show up by "
                          "themselves. Removing a folder only forgets its entries; nothing on disk is deleted.", self,
                          lines=2)
        hint.setEnabled(False)
        folders = QGroupBox("Library folders", self)
        folders_layout = QVBoxLayout(folders)
        folders_layout.addLayout(roots_row)
        folders_layout.addWidget(hint)

        storage = QGroupBox("Storage", self)
        form = QFormLayout(storage)
        for label, path in (("Catalog", redacted(os.fspath(library.catalog.path))), ("Settings", settings_file)):
            if path:
                value = QLabel(path, storage)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                value.setWordWrap(True)
                form.addRow(label + ":", value)
        self.catalog_choice: QLineEdit | None = None
        if settings is not None:
            self.catalog_choice = QLineEdit(str(settings.value(CATALOG_KEY, "", str) or ""), storage)
            self.catalog_choice.setPlaceholderText("the default file, or a catalog file, or postgresql://user@host/db")
            self.catalog_choice.setToolTip("The catalog Reelkeep opens when it starts next: a catalog file, or a "
                                           "catalog on a PostgreSQL server shared by a team (docs/scaling.md). "
                                           "--catalog and REELKEEP_CATALOG win over it.")
            self.catalog_choice.editingFinished.connect(self._save_catalog_choice)
            form.addRow("Open at start:", self.catalog_choice)

        self.root_map_table: QTableWidget | None = None
        self.root_map_note: QLabel | None = None
        self.root_map_problem = ""  # what keeps the table from being saved ("" when it is saved)
        self._filling = False  # rows being put in by the dialog itself, not typed
        paths: QGroupBox | None = None
        if settings is not None:
            paths = self._add_root_map(settings)

        self.auto_preview: QCheckBox | None = None
        if settings is not None:
            self.auto_preview = QCheckBox("Make a preview proxy of new videos automatically", self)
            self.auto_preview.setToolTip("Preview proxies (540p H.264) play smoothly from slow or network storage")
            self.auto_preview.setChecked(bool(settings.value(AUTO_PREVIEW_KEY, False, bool)))
            self.auto_preview.toggled.connect(lambda on: settings.set_value(AUTO_PREVIEW_KEY, on))

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(folders, 1)
        layout.addWidget(storage)
        if paths is not None:
            layout.addWidget(paths)
        if self.auto_preview is not None:
            layout.addWidget(self.auto_preview)
        layout.addWidget(close)
        library.roots_changed.connect(self.reload)
        self.reload()

    def _add_root_map(self, settings: Settings) -> QGroupBox:
        """The root mapping: rows of catalog path -> path on this machine, saved in this machine's settings."""
        storage = QGroupBox("Paths on this machine", self)
        table = QTableWidget(0, 2, storage)
        table.setHorizontalHeaderLabels(["Catalog path", "This machine"])
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        table.verticalHeader().setVisible(False)
        table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        rows = table.verticalHeader().defaultSectionSize()
        table.setMinimumHeight(table.horizontalHeader().sizeHint().height() + 3 * rows + 2 * table.frameWidth())
        table.setMaximumHeight(table.horizontalHeader().sizeHint().height() + 5 * rows + 2 * table.frameWidth())
        table.setToolTip("A shared catalog stores each path as the machine that scanned it saw it. Where that "
                         "storage is mounted elsewhere here, map the catalog's folder to this machine's, e.g. "
                         "/Volumes/RAID → /mnt/raid (docs/scaling.md). The longest matching folder wins.")
        self.root_map_table = table
        unreadable = ""
        try:
            saved = settings.root_map()
        except RootMapError as exc:  # shown below; saving the table replaces it
            saved, unreadable = RootMap(), str(exc)
        self._filling = True
        for mapping in saved:
            self._append_mapping_row(mapping.catalog, mapping.local)
        self._filling = False
        table.itemChanged.connect(self._save_root_map)
        table.itemSelectionChanged.connect(self._update_mapping_buttons)
        self.add_mapping_button = QPushButton("Add", storage)
        self.remove_mapping_button = QPushButton("Remove", storage)
        self.choose_mapping_button = QPushButton("Choose Folder…", storage)
        self.choose_mapping_button.setToolTip("Choose this machine's folder of the selected row")
        self.add_mapping_button.clicked.connect(self.add_mapping)
        self.remove_mapping_button.clicked.connect(self.remove_mapping)
        self.choose_mapping_button.clicked.connect(self.choose_mapping_folder)
        buttons = QVBoxLayout()
        for button in (self.add_mapping_button, self.remove_mapping_button, self.choose_mapping_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(table, 1)
        row.addLayout(buttons)
        # The hint, or what keeps the table from being saved (one label: the dialog keeps its height)
        self.root_map_note = _NoteLabel("", storage, lines=3)
        self._note(unreadable or None)
        box = QVBoxLayout(storage)
        box.addLayout(row)
        box.addWidget(self.root_map_note)
        self._update_mapping_buttons()
        return storage

    def _note(self, problem: str | None) -> None:
        """Say what is wrong with the table, or (nothing wrong) what it is for."""
        assert self.root_map_note is not None
        self.root_map_problem = problem or ""
        if problem:
            self.root_map_note.setText(problem)
            self.root_map_note.setStyleSheet("color: #c0392b")
        else:
            self.root_map_note.setText(ROOT_MAP_HINT)
            self.root_map_note.setStyleSheet("color: palette(placeholder-text)")

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        """At least the height every group needs at this width: the explicit minimum size keeps Qt from taking the
        layout's, which counts a wrapped path (the catalog's, in Storage) as one line."""
        layout = self.layout()
        margins = layout.contentsMargins()
        width = self.width() - margins.left() - margins.right()
        items = [layout.itemAt(i) for i in range(layout.count())]
        needed = margins.top() + margins.bottom() + layout.spacing() * (len(items) - 1) + sum(
            item.heightForWidth(width) if item.hasHeightForWidth() else item.minimumSize().height() for item in items)
        self.setMinimumHeight(max(self.minimumHeight(), needed))

    def _append_mapping_row(self, catalog: str = "", local: str = "") -> int:
        assert self.root_map_table is not None
        table = self.root_map_table
        row = table.rowCount()
        table.insertRow(row)
        table.setItem(row, 0, QTableWidgetItem(catalog))
        table.setItem(row, 1, QTableWidgetItem(local))
        return row

    def mapping_rows(self) -> list[tuple[str, str]]:
        """(catalog path, path here) of every row as typed, blank rows left out."""
        if self.root_map_table is None:
            return []
        table = self.root_map_table
        rows = []
        for row in range(table.rowCount()):
            cells = tuple((table.item(row, c).text() if table.item(row, c) else "").strip() for c in (0, 1))
            if any(cells):
                rows.append(cells)
        return rows

    def _save_root_map(self) -> None:
        """Save the table when every row is a usable mapping; otherwise say what is wrong and keep the saved one."""
        if self._filling or self.settings is None or self.root_map_note is None:
            return
        try:
            mapping = RootMap(RootMapping(catalog, local) for catalog, local in self.mapping_rows())
        except RootMapError as exc:
            self._note(f"Not saved: {exc}")
            return
        self.settings.set_root_map(mapping)
        self._note(None)

    def add_mapping(self) -> None:
        """A new row, its catalog path ready to type."""
        assert self.root_map_table is not None
        self._filling = True
        row = self._append_mapping_row()
        self._filling = False
        self.root_map_table.setCurrentCell(row, 0)
        self.root_map_table.editItem(self.root_map_table.item(row, 0))
        self._update_mapping_buttons()

    def remove_mapping(self) -> None:
        assert self.root_map_table is not None
        rows = sorted({index.row() for index in self.root_map_table.selectedIndexes()}, reverse=True)
        for row in rows:
            self.root_map_table.removeRow(row)
        self._save_root_map()
        self._update_mapping_buttons()

    def choose_mapping_folder(self) -> None:
        """This machine's folder of the selected row, from the folder picker."""
        assert self.root_map_table is not None
        row = self.root_map_table.currentRow()
        if row < 0:
            return
        folder = self.choose_folder()
        if folder:
            self.root_map_table.item(row, 1).setText(folder)  # itemChanged saves it

    def _update_mapping_buttons(self) -> None:
        if self.root_map_table is None:
            return
        chosen = bool(self.root_map_table.selectedIndexes())
        self.remove_mapping_button.setEnabled(chosen)
        self.choose_mapping_button.setEnabled(chosen)

    def _save_catalog_choice(self) -> None:
        if self.settings is not None and self.catalog_choice is not None:
            self.settings.set_value(CATALOG_KEY, self.catalog_choice.text().strip())

    # confirm and choose_folder are methods so tests can assign their own callables to the instance.
    def confirm(self, title: str, text: str) -> bool:
        """Asked before a library folder is removed."""
        return ask(self, title, text)

    def choose_folder(self) -> str:
        """The folder picker ('' when cancelled)."""
        return QFileDialog.getExistingDirectory(self, "Add Library Folder")

    def rescan_all(self) -> None:
        """Scan every library folder again."""
        self.library.scan(None)

    def reload(self) -> None:
        """Re-list the library folders, keeping the chosen one selected."""
        watched = set(self.watch.folders()) if self.watch is not None else set()
        chosen = self.selected_root()
        self.roots.clear()
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        for root_id, path in self.library.roots():
            item = QListWidgetItem(icon, path, self.roots)
            item.setData(ROOT_ID_ROLE, root_id)
            state = "watched for changes" if path in watched else "not watched (folder unavailable?)"
            item.setToolTip(f"{path}\n{state}")
            if root_id == chosen:
                item.setSelected(True)
        self._update_buttons()

    def selected_root(self) -> int | None:
        """The id of the chosen library folder, if any."""
        items = self.roots.selectedItems()
        return items[0].data(ROOT_ID_ROLE) if items else None

    def _update_buttons(self) -> None:
        chosen = self.selected_root() is not None
        self.remove_button.setEnabled(chosen)
        self.rescan_button.setEnabled(chosen)
        self.rescan_all_button.setEnabled(self.roots.count() > 0)

    def add_folder(self) -> None:
        """Ask for a folder and add it as a library folder (scanned and watched)."""
        folder = self.choose_folder()
        if folder:
            self.library.add_paths([folder])

    def remove_selected(self) -> None:
        """Forget the chosen folder's entries after asking; nothing on disk changes."""
        root_id = self.selected_root()
        if root_id is None:
            return
        path = self.roots.selectedItems()[0].text()
        text = (f"Remove “{path}” from the library?\n\nIts files are forgotten by the catalog, with their "
                "ratings, tags and markers. The folder and its files on disk are not touched.")
        if self.confirm("Remove Library Folder", text):
            self.library.remove_root(root_id)

    def rescan_selected(self) -> None:
        """Scan the chosen folder again."""
        root_id = self.selected_root()
        if root_id is not None:
            self.library.scan([root_id])
