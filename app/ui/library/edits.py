"""What the user can do to selected library rows: rate, favourite, tag, copy, reveal, rescan, remove."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu

from app.core.paths import os_path
from app.core.proxy_presets import EDITORIAL, PREVIEW, THUMBNAIL
from app.ui.dialogs.sanitize_dialog import SanitizeDialog
from app.ui.dialogs.tags_dialog import TagsDialog
from app.ui.library.format import STAR, count_text

if TYPE_CHECKING:
    from app.ui.library.farm_actions import FarmActions
    from app.ui.library.panel import LibraryPanel

# Above this many files the tags dialog offers every known tag for removal instead of reading each row.
TAG_SCAN_LIMIT = 5000
REVEAL_LIMIT = 5  # opening more folders than this at once is never what someone meant
PROXY_CHOICES = (("Preview", (PREVIEW,)), ("Editorial", (EDITORIAL,)), ("Thumbnail", (THUMBNAIL,)),
                 ("All", (THUMBNAIL, PREVIEW, EDITORIAL)))


class LibraryEdits(QObject):
    """The panel's actions (also shown in the Edit menu and the context menu) and what they do."""

    write_to_tape_requested = Signal(list)  # media ids for the Tape panel's write queue (the window wires it)

    def __init__(self, panel: LibraryPanel) -> None:
        super().__init__(panel)
        self.library = panel.library
        self.tags_dialog: TagsDialog | None = None
        self.sanitize_dialog: SanitizeDialog | None = None
        self.farm: FarmActions | None = None  # Send to Farm (the window sets it when it has a farm service)

        def make(text: str, shortcut: QKeySequence | QKeySequence.StandardKey | str | None,
                 slot: Callable[..., object], tip: str = "") -> QAction:
            action = QAction(text, panel)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            action.setStatusTip(tip)
            action.triggered.connect(slot)
            return action

        self.rate = [
            make("No Rating" if r == 0 else STAR * r, str(r), lambda _=False, r=r: self.set_rating(r),
                 f"Rate the selected files {r} of 5") for r in range(6)
        ]
        self.favourite = make("Toggle Favourite", "F", self.toggle_favourite, "Mark or unmark as favourite")
        self.tags = make("Add Tags…", "Ctrl+T", self.edit_tags, "Add tags to the selected files, or take tags off")
        self.copy_paths = make("Copy Path", QKeySequence.StandardKey.Copy, self.copy_selected_paths,
                               "Copy the full paths of the selected files")
        self.reveal = make("Show in File Manager", "Ctrl+Shift+R", self.reveal_selected,
                           "Open the folder that holds the file")
        self.rescan = make("Rescan Selected", "Shift+F5", self.rescan_selected, "Read the files' details again")
        self.remove = make("Remove from Catalog…", QKeySequence.StandardKey.Delete, self.remove_selected,
                           "Forget the selected files (the files on disk stay untouched)")
        self.make_proxies = [
            make(text, None, lambda _=False, presets=presets: self.make_proxies_selected(presets),
                 f"Make {' + '.join(presets)} proxies of the selected videos (see the Jobs panel)")
            for text, presets in PROXY_CHOICES
        ]
        self.hash = make("Compute Content Hashes", None, self.hash_selected,
                         "Read the selected files whole for their content hash, so tapes match them exactly")
        self.write_to_tape = make("Write to Tape…", None, self.write_selected_to_tape,
                                  "Plan the selected files onto new tapes in the Tape panel's write queue")
        # Not in actions(): without a selection it opens on a folder of your choice.
        self.sanitize = make("Sanitize File Names…", None, self.sanitize_selected,
                             "Rename to names legal on every OS, with a preview and undo; records are kept")
        self.select_all = make("Select All", QKeySequence.StandardKey.SelectAll, panel.view.selectAll)
        # Enter plays only where the focus is on the list itself (Enter in the search box goes to the list).
        self.play = make("Play", None, self.play_current, "Open the file in the player and play it")
        self.play.setShortcuts([QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)])
        self.play.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        panel.view.addAction(self.play)
        panel.grid.addAction(self.play)
        panel.selection_changed.connect(self._update_enabled)
        panel.view.customContextMenuRequested.connect(self.show_context_menu)
        panel.rating_delegate.rating_clicked.connect(self._rating_clicked)
        panel.favourite_delegate.favourite_clicked.connect(self._favourite_clicked)
        self._update_enabled([])

    @property
    def panel(self) -> LibraryPanel:
        """The panel these edits act on (its Qt parent: no Python reference cycle to collect later)."""
        return self.parent()  # type: ignore[return-value]

    def actions(self) -> list[QAction]:
        """Every action of the panel, for menus and shortcuts."""
        return [*self.rate, self.favourite, self.tags, self.copy_paths, self.reveal, self.rescan, self.remove,
                *self.make_proxies, self.hash, self.write_to_tape, self.select_all]

    def rating_menu(self, parent: QMenu) -> QMenu:
        """Add a Rating submenu (No Rating, ★ … ★★★★★) to parent."""
        menu = parent.addMenu("Rating")
        menu.addActions(self.rate)
        return menu

    def _update_enabled(self, ids: list[int]) -> None:
        for action in (*self.actions(), self.play):
            if action is not self.select_all:
                action.setEnabled(bool(ids))
        self.copy_paths.setText("Copy Paths" if len(ids) > 1 else "Copy Path")

    def show_context_menu(self, pos: QPoint) -> None:
        """The right-click menu for the selected rows."""
        if not self.panel.selected_ids():
            return
        menu = QMenu(self.panel)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # a new menu each time; none pile up
        menu.addAction(self.play)
        menu.setDefaultAction(self.play)
        menu.addSeparator()
        menu.addAction(self.reveal)
        menu.addAction(self.copy_paths)
        menu.addSeparator()
        self.rating_menu(menu)
        menu.addAction(self.favourite)
        menu.addAction(self.tags)
        menu.addSeparator()
        menu.addAction(self.rescan)
        proxies = menu.addMenu("Make Proxies")
        proxies.addActions(self.make_proxies)
        if self.farm is not None:
            self.farm.add_menu(menu)
        menu.addAction(self.hash)
        menu.addAction(self.write_to_tape)
        menu.addAction(self.sanitize)
        menu.addAction(self.remove)
        menu.popup(self.panel.view.viewport().mapToGlobal(pos))

    def play_current(self) -> None:
        """Play the row with the keyboard focus (else the first selected one)."""
        panel = self.panel
        media_id = panel.current_id()
        selected = panel.selected_ids()
        if media_id is None or (selected and media_id not in selected):
            media_id = selected[0] if selected else None
        if media_id is not None:
            panel.play_requested.emit(media_id)

    # ---- edits
    def _targets(self, index: QModelIndex) -> list[int]:
        """A click on a selected row acts on the whole selection, elsewhere on that row alone."""
        if self.panel.view.selectionModel().isRowSelected(index.row(), QModelIndex()):
            return self.panel.selected_ids()
        return [self.panel.model.media_id(index.row())]

    def _seen(self, ids: list[int], column: str) -> dict[int, Any]:
        """What the view shows of column for the ids it has in memory: an edit made from it is refused when another
        program changed those files meanwhile (the others, never read, are not checked)."""
        seen = {}
        for media_id in ids:
            row = self.panel.model.shown(media_id)
            if row is not None:
                seen[media_id] = bool(row[column]) if column == "favourite" else row[column]
        return seen

    def _rating_clicked(self, index: QModelIndex, rating: int) -> None:
        targets = self._targets(index)
        self.library.set_rating(targets, rating, seen=self._seen(targets, "rating"))

    def _favourite_clicked(self, index: QModelIndex) -> None:
        row = self.panel.model.row_data(index.row())
        if row is not None:
            targets = self._targets(index)
            self.library.set_favourite(targets, not row["favourite"], seen=self._seen(targets, "favourite"))

    def set_rating(self, rating: int) -> None:
        """Rate every selected file (0 clears the rating)."""
        ids = self.panel.selected_ids()
        if ids:
            self.library.set_rating(ids, rating, seen=self._seen(ids, "rating"))

    def toggle_favourite(self) -> None:
        """The current row decides: a favourite becomes plain, and the other way round, for all selected."""
        ids = self.panel.selected_ids()
        if not ids:
            return
        current = self.panel.view.currentIndex()
        row = self.panel.model.row_data(current.row() if current.isValid() else self.panel.model.row_for_id(ids[0]))
        self.library.set_favourite(ids, not (row and row["favourite"]), seen=self._seen(ids, "favourite"))

    def edit_tags(self) -> None:
        """Open the tags dialog for the selection (window-modal, not blocking)."""
        ids = self.panel.selected_ids()
        if not ids:
            return
        catalog = self.library.catalog
        known = [name for name, _ in catalog.tag_counts()]
        if len(ids) <= TAG_SCAN_LIMIT:
            counts: Counter[str] = Counter()
            for row in catalog.rows(ids):
                counts.update(t for t in (row["tags"] or "").split(", ") if t)
            present = sorted(counts.items(), key=lambda item: item[0].casefold())
        else:
            present = [(name, 0) for name in known]
        dialog = TagsDialog(len(ids), present, known, self.panel)
        dialog.accepted.connect(lambda: self.apply_tags(ids, dialog.tags_to_add(), dialog.tags_to_remove()))
        dialog.finished.connect(dialog.deleteLater)
        self.tags_dialog = dialog
        dialog.open()

    def apply_tags(self, ids: list[int], add: list[str], remove: list[str]) -> None:
        """Take tags off and put tags on the given files."""
        if remove:
            self.library.remove_tags(ids, remove)
        if add:
            self.library.add_tags(ids, add)

    def _paths(self, ids: list[int]) -> list[str]:
        raw = self.library.catalog.raw_paths(ids)
        return [os_path(raw[i]) for i in ids if i in raw]

    def copy_selected_paths(self) -> None:
        """Full paths of the selected files to the clipboard, one per line."""
        paths = self._paths(self.panel.selected_ids())
        if paths:
            QGuiApplication.clipboard().setText("\n".join(paths))

    def reveal_selected(self) -> None:
        """Open the folders holding the selected files in the file manager."""
        folders = dict.fromkeys(os.path.dirname(p) for p in self._paths(self.panel.selected_ids()))
        for folder in list(folders)[:REVEAL_LIMIT]:
            QDesktopServices.openUrl(QUrl.fromLocalFile(folder))

    def rescan_selected(self) -> None:
        """Read the selected files' details again."""
        ids = self.panel.selected_ids()
        if ids:
            self.library.rescan_files(ids)

    def make_proxies_selected(self, presets: tuple[str, ...]) -> int | None:
        """Queue a proxy job for the selected files (non-video files are skipped by the job); its job id."""
        ids = self.panel.selected_ids()
        if not ids:
            return None
        return self.library.make_proxies(ids, presets)

    def hash_selected(self) -> int | None:
        """Queue a content-hash job for the selected files; its job id."""
        ids = self.panel.selected_ids()
        return self.library.hash_files(ids) if ids else None

    def write_selected_to_tape(self) -> None:
        """The selected files to the Tape panel's write queue, as one entry."""
        ids = self.panel.selected_ids()
        if ids:
            self.write_to_tape_requested.emit(ids)

    def sanitize_selected(self) -> SanitizeDialog:
        """The Sanitize File Names dialog for the selected files (none selected: it asks for a folder)."""
        ids = self.panel.selected_ids()
        if self.sanitize_dialog is not None and self.sanitize_dialog.busy:
            self.sanitize_dialog.raise_()  # a rename is running: that dialog reports it
            return self.sanitize_dialog
        if self.sanitize_dialog is not None:
            self.sanitize_dialog.close()
            self.sanitize_dialog.deleteLater()
        dialog = SanitizeDialog(self.library, self._paths(ids), ids, self.panel.window())
        self.sanitize_dialog = dialog
        dialog.show()
        return dialog

    def remove_selected(self) -> None:
        """Forget the selected files after asking; the files on disk stay."""
        ids = self.panel.selected_ids()
        if not ids:
            return
        first = self.panel.model.row_data(self.panel.model.row_for_id(ids[0]) or 0) if len(ids) == 1 else None
        what = f"“{first['name']}”" if first else count_text(len(ids), "file")
        text = (f"Remove {what} from the Reelkeep catalog?\n\n"
                "Ratings, tags and markers of these entries are forgotten. "
                "The files on disk are not touched: nothing is deleted.")
        if self.panel.confirm("Remove from Catalog", text):
            self.library.remove_from_catalog(ids)
