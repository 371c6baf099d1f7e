"""ArchivePanel: an open project archive — its branches, the version history of the chosen branch, the files of
the chosen version with their posters (activate one to play it), and what changed between two versions."""

from __future__ import annotations

import os

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.archive.browse import ArchiveSnapshot, BrowseEntry
from app.core.job import Outcome
from app.services.archive import ArchiveService
from app.ui.archive.files_model import COL_PATH, COL_SIZE, ArchiveFilesModel
from app.ui.library.format import iso_text
from app.ui.library.grid_jobs import PosterLoadJob
from app.ui.widgets.elided_label import ElidedLabel
from app.ui.widgets.empty_state import EmptyState
from app.versioning.diff import Diff

EMPTY_HINT = ("Open a project archive with File → Open Archive… (Ctrl+Shift+A), or drop an archive folder or an "
              "exported ZIP onto the window. Archives are made with `reelkeep archive create`.")
POSTER_BOX = (64, 36)
VERSION_ROLE = Qt.ItemDataRole.UserRole


def version_line(snapshot: ArchiveSnapshot, name: str) -> str:
    info = snapshot.version(name)
    branches = [b for b, branch in snapshot.branches.items() if branch.head == name]
    heads = f"  [{', '.join(sorted(branches))}]" if branches else ""
    merge = "  (merge)" if len(info.parents) > 1 else ""
    return f"{name}  {iso_text(info.created)}  {info.message or '—'}{merge}{heads}"


class ArchivePanel(QWidget):
    open_requested = Signal()
    player_wanted = Signal()  # a file was activated: bring the player forward
    message = Signal(str)

    def __init__(self, service: ArchiveService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.snapshot: ArchiveSnapshot | None = None
        self._filling = False

        self.title = ElidedLabel("", self)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton("Open Archive…", self)
        self.open_button.clicked.connect(self.open_requested)
        self.play_button = QPushButton("Play", self)
        self.play_button.setToolTip("Play the selected file (Enter)")
        self.play_button.clicked.connect(self.play_selected)
        self.add_button = QPushButton("Add to Library", self)
        self.add_button.setToolTip("Catalog the selected files where they are stored in the archive (no copy)")
        self.add_button.clicked.connect(self.add_selected)
        self.unpack_button = QPushButton("Unpack…", self)
        self.unpack_button.setToolTip("Copy the selected files into a folder; compressed ZIP members are "
                                      "decompressed there")
        self.unpack_button.clicked.connect(self.unpack_selected)

        self.branches = QListWidget(self)
        self.branches.setObjectName("archiveBranches")
        self.branches.currentItemChanged.connect(self._on_branch)
        self.history = QListWidget(self)
        self.history.setObjectName("archiveHistory")
        self.history.currentItemChanged.connect(self._on_version)
        self.model = ArchiveFilesModel(self)
        self.files = self._make_files_table()
        self.diff_from = QComboBox(self)
        self.diff_to = QComboBox(self)
        self.diff_from.activated.connect(self._compare)
        self.diff_to.activated.connect(self._compare)
        self.diff_tree = QTreeWidget(self)
        self.diff_tree.setObjectName("archiveDiff")
        self.diff_tree.setHeaderLabels(["Change", "Path"])
        self.diff_tree.setRootIsDecorated(True)
        # a row or two each at least: the dock shares the bottom area with Jobs and Timeline on a 720 px screen
        for view in (self.branches, self.history, self.files, self.diff_tree):
            view.setMinimumHeight(36)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.files, "Files")
        self.tabs.addTab(self._make_diff_page(), "Changes")

        left = QSplitter(Qt.Orientation.Vertical, self)
        left.addWidget(self._titled("Branches", self.branches))
        left.addWidget(self._titled("History", self.history))
        left.setStretchFactor(1, 3)
        body = QSplitter(Qt.Orientation.Horizontal, self)
        body.addWidget(left)
        body.addWidget(self.tabs)
        body.setStretchFactor(1, 3)
        body.setSizes([340, 700])
        self.empty = EmptyState(None, "No archive open", EMPTY_HINT, "Open Archive…", self)
        self.empty.action_clicked.connect(self.open_requested)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(body)

        bar = QHBoxLayout()
        bar.setContentsMargins(8, 4, 8, 4)
        bar.addWidget(self.title, 1)
        for button in (self.play_button, self.add_button, self.unpack_button, self.open_button):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)

        service.opened.connect(self.show_snapshot)
        service.version_loaded.connect(self._on_files)
        service.diff_loaded.connect(self._on_diff)
        service.closed.connect(self._on_closed)
        service.added_to_library.connect(lambda n: self.message.emit(f"Added {n} archive file(s) to the library"))
        service.unpacked.connect(lambda folder, n: self.message.emit(f"Unpacked {n} file(s) into {folder}"))
        self._update_buttons()

    # ---- building
    @staticmethod
    def _titled(title: str, widget: QWidget) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        label = QLabel(f"<b>{title}</b>")
        layout.addWidget(label)
        layout.addWidget(widget, 1)
        return box

    def _make_files_table(self) -> QTableView:
        table = QTableView(self)
        table.setObjectName("archiveFiles")
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setIconSize(QSize(*POSTER_BOX))
        table.verticalHeader().setDefaultSectionSize(POSTER_BOX[1] + 6)
        table.verticalHeader().hide()
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = table.horizontalHeader()
        header.setSectionResizeMode(COL_PATH, QHeaderView.ResizeMode.Stretch)
        for column in range(1, self.model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_SIZE, QHeaderView.ResizeMode.ResizeToContents)
        table.activated.connect(lambda index: self.play_row(index.row()))
        table.selectionModel().selectionChanged.connect(self._update_buttons)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut = QShortcut(QKeySequence(key), table, context=Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.play_selected)
        return table

    def _make_diff_page(self) -> QWidget:
        page = QWidget(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("From"))
        row.addWidget(self.diff_from, 1)
        row.addWidget(QLabel("to"))
        row.addWidget(self.diff_to, 1)
        layout = QVBoxLayout(page)
        layout.addLayout(row)
        layout.addWidget(self.diff_tree, 1)
        return page

    # ---- showing an archive
    def show_snapshot(self, snapshot: ArchiveSnapshot) -> None:
        previous = self.snapshot
        keep_branch = self.current_branch() if previous is not None and previous.path == snapshot.path else None
        self.snapshot = snapshot
        self.stack.setCurrentIndex(1)
        self.title.setText(f"{os.path.basename(snapshot.path)} — {len(snapshot.versions)} version(s), "
                           f"{len(snapshot.branches)} branch(es)  ·  {snapshot.path}")
        self._filling = True
        self.branches.clear()
        for name, branch in sorted(snapshot.branches.items(), key=lambda kv: (kv[0] != "main", kv[0])):
            item = QListWidgetItem(f"{name}  → {branch.head}")
            item.setData(VERSION_ROLE, name)
            item.setToolTip(branch.description or f"branch {name}, at {branch.head}")
            self.branches.addItem(item)
        for combo in (self.diff_from, self.diff_to):
            combo.clear()
            for info in snapshot.versions:
                combo.addItem(f"{info.name}  {info.message or ''}".strip(), info.name)
        self._filling = False
        wanted = keep_branch if keep_branch in snapshot.branches else "main"
        self.select_branch(wanted if wanted in snapshot.branches else next(iter(sorted(snapshot.branches)), ""))

    def current_branch(self) -> str | None:
        item = self.branches.currentItem()
        return item.data(VERSION_ROLE) if item is not None else None

    def current_version(self) -> str | None:
        item = self.history.currentItem()
        return item.data(VERSION_ROLE) if item is not None else None

    def select_branch(self, name: str) -> None:
        for row in range(self.branches.count()):
            if self.branches.item(row).data(VERSION_ROLE) == name:
                self.branches.setCurrentRow(row)
                return
        self._fill_history(None)

    def select_version(self, name: str) -> None:
        for row in range(self.history.count()):
            if self.history.item(row).data(VERSION_ROLE) == name:
                self.history.setCurrentRow(row)
                return

    def _on_branch(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if not self._filling:
            self._fill_history(current.data(VERSION_ROLE) if current is not None else None)

    def _fill_history(self, branch: str | None) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            return
        names = snapshot.branch_history(branch) if branch else [v.name for v in snapshot.versions]
        self.history.clear()
        for name in names:
            item = QListWidgetItem(version_line(snapshot, name))
            item.setData(VERSION_ROLE, name)
            info = snapshot.version(name)
            item.setToolTip(f"{name} by {info.user or 'unknown'} at {info.created}\nparents: "
                            f"{', '.join(info.parents) or 'none'}")
            self.history.addItem(item)
        if names:
            self.history.setCurrentRow(0)

    def _on_version(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is None or self.snapshot is None:
            return
        version = current.data(VERSION_ROLE)
        self.model.set_entries([])
        self.service.show_version(version)
        info = self.snapshot.version(version)
        parent = info.parents[0] if info.parents else version
        self._set_combo(self.diff_from, parent)
        self._set_combo(self.diff_to, version)
        self._compare()

    @staticmethod
    def _set_combo(combo: QComboBox, version: str) -> None:
        index = combo.findData(version)
        if index >= 0:
            combo.setCurrentIndex(index)

    def _on_files(self, version: str, entries: list[BrowseEntry]) -> None:
        if version != self.current_version():
            return
        self.model.set_entries(entries)
        if entries:
            self.files.selectRow(0)
        self._load_posters(entries)
        self._update_buttons()

    def _load_posters(self, entries: list[BrowseEntry]) -> None:
        items = [(row, entry.poster) for row, entry in enumerate(entries) if entry.poster]
        if not items:
            return
        shown = self.model.entries
        self.service.runner.submit(PosterLoadJob(items, POSTER_BOX),
                                   lambda outcome: self._on_posters(shown, outcome))

    def _on_posters(self, shown: list[BrowseEntry], outcome: Outcome) -> None:
        if shown is not self.model.entries or not outcome.ok:
            return
        for poster in outcome.value:
            if poster.rgb is None:
                continue
            height, width = poster.rgb.shape[:2]
            image = QImage(poster.rgb.data, width, height, width * 3, QImage.Format.Format_RGB888).copy()
            self.model.set_poster(poster.media_id, QPixmap.fromImage(image))

    # ---- changes between versions
    def _compare(self) -> None:
        old, new = self.diff_from.currentData(), self.diff_to.currentData()
        if old and new:
            self.diff_tree.clear()  # never show the last pair's changes under the new pair's names
            QTreeWidgetItem(self.diff_tree, ["Comparing…", f"{old} and {new}"])
            self.service.diff(old, new)

    def _on_diff(self, old: str, new: str, diff: Diff) -> None:
        if (old, new) != (self.diff_from.currentData(), self.diff_to.currentData()):
            return
        self.diff_tree.clear()
        groups = (("Added", [(p,) for p in diff.added]), ("Removed", [(p,) for p in diff.removed]),
                  ("Modified", [(p,) for p in diff.modified]),
                  ("Renamed", [(f"{a} → {b}",) for a, b in diff.renamed]))
        if old == new or diff.empty:
            QTreeWidgetItem(self.diff_tree, ["No changes", f"{old} and {new} hold the same files"])
            return
        for title, rows in groups:
            if not rows:
                continue
            group = QTreeWidgetItem(self.diff_tree, [f"{title} ({len(rows)})", ""])
            for (path,) in rows:
                QTreeWidgetItem(group, [title.lower(), path])
            group.setExpanded(True)
        self.diff_tree.resizeColumnToContents(0)

    # ---- using files
    def selected_entries(self) -> list[BrowseEntry]:
        rows = sorted({index.row() for index in self.files.selectionModel().selectedRows()})
        return [e for r in rows if (e := self.model.entry(r)) is not None]

    def play_row(self, row: int) -> None:
        entry = self.model.entry(row)
        if entry is None:
            return
        if entry.problem and entry.kind is not None:
            self._offer_unpack(entry)
            return
        if self.service.play(entry):
            self.player_wanted.emit()

    def _offer_unpack(self, entry: BrowseEntry) -> None:
        """A compressed ZIP member cannot play in place: say so, and offer to unpack it and play the copy."""
        answer = QMessageBox.question(
            self, "Compressed file",
            f"{entry.logical_path} is compressed inside the ZIP, so it cannot play in place.\n\n"
            "Unpack it into a folder and play the copy?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes)
        if answer != QMessageBox.StandardButton.Yes:
            return
        folder = self._ask_folder(f"Unpack {entry.name} into")
        if folder:
            self.service.unpack([entry], folder, play_after=True)
            self.player_wanted.emit()
            self.message.emit(f"Unpacking {entry.name} into {folder}…")

    def unpack_selected(self) -> None:
        entries = self.selected_entries()
        if not entries:
            return
        folder = self._ask_folder(f"Unpack {len(entries)} file(s) into")
        if folder:
            self.service.unpack(entries, folder)
            self.message.emit(f"Unpacking {len(entries)} file(s) into {folder}…")

    def _ask_folder(self, title: str) -> str:
        return QFileDialog.getExistingDirectory(self, title, os.path.expanduser("~"))

    def play_selected(self) -> None:
        rows = sorted({index.row() for index in self.files.selectionModel().selectedRows()})
        if rows:
            self.play_row(rows[0])

    def add_selected(self) -> None:
        entries = [e for e in self.selected_entries() if e.kind is not None]
        if entries:
            self.service.add_to_library(entries)
            self.message.emit(f"Adding {len(entries)} archive file(s) to the library…")

    def _update_buttons(self) -> None:
        media = [e for e in self.selected_entries() if e.kind is not None] if self.snapshot else []
        self.play_button.setEnabled(bool(media))
        self.add_button.setEnabled(bool(media))
        self.unpack_button.setEnabled(bool(self.snapshot and self.selected_entries()))

    def _on_closed(self) -> None:
        self.snapshot = None
        self.model.set_entries([])
        self.stack.setCurrentIndex(0)
        self.title.setText("")
        self._update_buttons()
