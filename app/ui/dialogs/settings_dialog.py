"""Settings: the library folders (add, remove from the catalog, rescan) and where things are stored."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.catalog.db import redacted
from app.services.library import AUTO_PREVIEW_KEY, LibraryService
from app.services.settings import CATALOG_KEY, Settings
from app.services.watch import WatchService
from app.ui.dialogs.confirm import ask

ROOT_ID_ROLE = Qt.ItemDataRole.UserRole


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
        hint = QLabel("Folders are scanned and watched: files copied in, renamed or removed show up by "
                      "themselves. Removing a folder only forgets its entries; nothing on disk is deleted.", self)
        hint.setWordWrap(True)
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
        if self.auto_preview is not None:
            layout.addWidget(self.auto_preview)
        layout.addWidget(close)
        library.roots_changed.connect(self.reload)
        self.reload()

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
