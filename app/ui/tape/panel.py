"""TapePanel: the tapes of the offline catalog (use, copy set, location, last verification, when due), the files of
the selected tape in tape order or a search across all tapes, the write queue with its plan per tape, the tapes
due for re-verification, the running tape job's progress, and the tape commands: Format, Write Folders, Verify,
Import Index and Restore Selected — the jobs `reelkeep tape` runs."""

from __future__ import annotations

import os

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.services.tape import TapeService
from app.services.tape_library import TapeLibraryService
from app.services.thumbnails import ThumbnailService
from app.tape.recall import RecallPlan
from app.ui.dialogs.confirm import ask
from app.ui.library.format import count_text
from app.ui.tape.due_list import DueListPage
from app.ui.tape.files_model import (
    COL_DIGEST,
    COL_PATH,
    COL_POSITION,
    COL_POSTER,
    COL_SIZE,
    COL_TAPE,
    POSTER_BOX,
    TapeFilesTableModel,
)
from app.ui.tape.files_posters import TapeFileActions
from app.ui.tape.progress_line import TapeProgressLine
from app.ui.tape.restore_dialog import RestorePlanDialog
from app.ui.tape.tapes_model import COL_LOCATION, COL_USE, TapesTableModel, UseDelegate
from app.ui.tape.write_queue import WriteQueuePage
from app.ui.widgets.elided_label import ElidedLabel
from app.ui.widgets.empty_state import EmptyState
from app.ui.widgets.wrap_row import WrapRow

EMPTY_HINT = ("Format a cartridge or import a tape's index. Format… writes an empty LTFS volume on the cartridge "
              "loaded at the device below; Import Index… catalogs a tape written before, from the loaded cartridge "
              "or from an LTFS index XML of any LTFS software.")
SEARCH_DELAY_MS = 250
GENERATION_BY_SUFFIX = {"L8": "LTO8", "L9": "LTO9"}
TAB_FILES, TAB_QUEUE, TAB_DUE = range(3)


class TapePanel(QWidget):
    message = Signal(str)
    wanted = Signal()  # a command needs the panel in view (its dock may be hidden or behind another)
    library_wanted = Signal(int)  # Show in Library: a media id
    player_wanted = Signal()  # a tape file's library copy plays

    def __init__(self, service: TapeService, parent: QWidget | None = None, library: TapeLibraryService | None = None,
                 thumbnails: ThumbnailService | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.restore_dialog: RestorePlanDialog | None = None
        self._shown_key: tuple[int, float] | None = None  # the tape (and its import) whose files are listed
        self._refreshing = False
        self._make_actions()
        self.tapes_model = TapesTableModel(service, self)
        self.files_model = TapeFilesTableModel(service, self, library, thumbnails)
        self.tapes = self._make_tapes_table()
        self.files = self._make_files_table()
        self.file_actions = None if library is None else self._make_file_actions(library)
        self.search = QLineEdit(self)
        self.search.setObjectName("tapeSearch")
        self.search.setPlaceholderText("Search all tapes: words of a path (Ctrl+Shift+T)")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._run_search)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self._run_search)
        self.files_title = ElidedLabel("", self, min_chars=12)
        self.queue_page = WriteQueuePage(service, self)
        self.queue_page.add_requested.connect(self.write_folders)
        self.due_page = DueListPage(service, self)
        self.due_page.tape_activated.connect(self.select_tape)
        self.due_page.verify_requested.connect(self.verify_tapes)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._make_files_page(), "Files")
        self.tabs.addTab(self.queue_page, "Write Queue")
        self.tabs.addTab(self.due_page, "Due")
        self.progress = TapeProgressLine(service.runner, self)
        self.device_label = ElidedLabel("", self, min_chars=4, elide=Qt.TextElideMode.ElideMiddle)
        self.device_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.device_label.setCursor(Qt.CursorShape.PointingHandCursor)
        self.device_label.clicked.connect(self.change_device)

        body = QSplitter(Qt.Orientation.Horizontal, self)
        body.addWidget(self._titled("Tapes", self.tapes, self.device_label))
        body.addWidget(self.tabs)
        body.setStretchFactor(0, 1)
        body.setStretchFactor(1, 1)
        body.setSizes([600, 660])
        self.empty = EmptyState(None, "No tapes in the catalog", EMPTY_HINT, "Format Cartridge…", self)
        self.empty.action_clicked.connect(self.format_cartridge)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(body)

        importer = self._button(self.import_action)
        importer.setMenu(self.import_menu)
        importer.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        # two groups that stack on a narrow screen: the dock shares the bottom with Jobs, Timeline and Archive
        bar = WrapRow([self._group([self._button(a) for a in (self.format_action, self.write_action,
                                                               self.verify_action)]),
                       self._group([importer, self._button(self.restore_action)], last=True)],
                      self, margins=(8, 4, 8, 4), stretch_first=False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(bar)
        layout.addWidget(self.progress)
        layout.addWidget(self.stack, 1)

        service.tapes_changed.connect(self._on_tapes)
        service.files_reset.connect(self._on_files_reset)
        # bound methods, not lambdas: Qt drops them with the panel, while the service lives on
        service.files_added.connect(self._update_files_title)
        service.restore_planned.connect(self._confirm_restore)
        service.queue_changed.connect(self._show_stack)
        service.message.connect(self.message)
        service.settings.changed.connect(self._show_device)
        self._show_device()
        self._update_actions()
        if service.loaded:
            self._on_tapes()
        service.refresh()

    # ---- building
    def _make_actions(self) -> None:
        def action(text: str, slot: object, tip: str, shortcut: str | None = None) -> QAction:
            made = QAction(text, self)
            made.setStatusTip(tip)
            made.setToolTip(tip + (f" ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})"
                                   if shortcut else ""))
            if shortcut:
                made.setShortcut(QKeySequence(shortcut))
            made.triggered.connect(slot)
            return made

        # Buttons show iconText(), the text without '&': no Alt mnemonic there to clash with the menu bar's
        self.format_action = action("&Format…", self.format_cartridge,
                                    "Write an empty LTFS volume on a cartridge (erases it) and catalog it")
        self.write_action = action("&Write Folders…", self.write_folders,
                                   "Queue folders to write onto a new tape set (as many cartridges as they need) or "
                                   "append to a tape; the plan shows how they fit")
        self.verify_action = action("&Verify", self.verify_selected,
                                    "Read every file of the selected tape back and check its xxh128")
        self.import_action = QAction("&Import Index", self)
        self.import_action.setToolTip("Catalog a tape written before: from the loaded cartridge or an index XML")
        self.import_cartridge_action = action("Import Index from Loaded &Cartridge…", self.import_from_cartridge,
                                              "Catalog the newest index of a loaded cartridge")
        self.import_file_action = action("Import Index from &File…", self.import_from_file,
                                         "Catalog an LTFS index XML written by any LTFS software")
        self.import_menu = QMenu(self)
        self.import_menu.addActions([self.import_cartridge_action, self.import_file_action])
        self.restore_action = action("&Restore Selected…", self.restore_selected,
                                     "Restore the selected files and folders into a folder; the plan says which tapes "
                                     "to load first", None)
        self.find_action = action("Find on &Tapes", self.focus_search,
                                  "Search the files of every cataloged tape", "Ctrl+Shift+T")
        self.device_action = action("Cartridge &Device…", self.change_device,
                                    "Where cartridges are loaded: a device, or file:FOLDER/{barcode} for a shelf of "
                                    "simulated ones")

    def _button(self, action: QAction) -> QToolButton:
        button = QToolButton(self)
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return button

    @staticmethod
    def _titled(title: str, widget: QWidget, beside: QWidget) -> QWidget:
        box = QWidget()
        top = QHBoxLayout()
        top.addWidget(QLabel(f"<b>{title}</b>"))
        top.addSpacing(8)
        top.addWidget(beside, 1)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(widget, 1)
        return box

    @staticmethod
    def _group(buttons: list[QToolButton], last: bool = False) -> QWidget:
        group = QWidget()
        row = QHBoxLayout(group)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        for button in buttons:
            row.addWidget(button)
        if last:
            row.addStretch(1)  # the last group takes the room left, so the buttons stay together on the left
        else:
            group.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        return group

    def _table(self, name: str) -> QTableView:
        table = QTableView(self)
        table.setObjectName(name)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.verticalHeader().hide()
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setMinimumHeight(36)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        return table

    def _make_tapes_table(self) -> QTableView:
        table = self._table("tapeTapes")
        table.setModel(self.tapes_model)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed)
        table.setItemDelegateForColumn(COL_USE, UseDelegate(table))
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_LOCATION, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_USE, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COL_USE, table.fontMetrics().horizontalAdvance("999.9 GB · 99.9 TB free") + 16)
        table.selectionModel().currentRowChanged.connect(self._on_tape_row)
        return table

    def _make_files_table(self) -> QTableView:
        table = self._table("tapeFiles")
        table.setModel(self.files_model)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = table.horizontalHeader()
        # Fixed widths, not ResizeToContents: measuring 100,000 rows would read them all
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_PATH, QHeaderView.ResizeMode.Stretch)
        metrics = table.fontMetrics()
        header.resizeSection(COL_TAPE, metrics.horizontalAdvance("RK0000L9") + 24)
        header.resizeSection(COL_DIGEST, metrics.horizontalAdvance("0" * 16) + 16)
        for column, sample in ((COL_SIZE, "999.9 MB"), (COL_POSITION, "b:99999999")):
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 24)
        # the library's poster of a file it holds: a row tall enough for it, the column as wide
        if self.files_model.library is not None:
            table.setIconSize(POSTER_BOX)
            table.verticalHeader().setDefaultSectionSize(max(metrics.height() + 8, POSTER_BOX.height() + 4))
            header.resizeSection(COL_POSTER, POSTER_BOX.width() + 10)
        table.setColumnHidden(COL_POSTER, self.files_model.library is None)
        table.setColumnHidden(COL_TAPE, True)
        table.selectionModel().selectionChanged.connect(self._update_actions)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut = QShortcut(QKeySequence(key), table, context=Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.restore_selected)
        return table

    def _make_file_actions(self, library: TapeLibraryService) -> TapeFileActions:
        actions = TapeFileActions(self.files, library, [self.restore_action], self)
        actions.library_wanted.connect(self.library_wanted)
        actions.player_wanted.connect(self.player_wanted)
        actions.message.connect(self.message)
        return actions

    def _make_files_page(self) -> QWidget:
        page = QWidget(self)
        row = QHBoxLayout()
        row.addWidget(self.files_title, 1)
        row.addWidget(self.search, 1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.files, 1)
        if self.file_actions is not None:
            layout.addWidget(self.file_actions.details)  # the current file's library copy, or why it cannot play
        return page

    # ---- the tapes
    def _on_tapes(self) -> None:
        keep = self.current_barcode()
        tapes = self.service.tapes
        self.tapes_model.set_tapes(tapes)
        self._show_stack()
        due = len(self.service.due())
        self.tabs.setTabText(TAB_DUE, f"Due ({due})" if due else "Due")
        row = self.tapes_model.row_of(keep) if keep else -1
        if row < 0 and tapes:
            row = 0
        self._refreshing = True  # the same tape selected again: a search stays, a new index reloads its files
        try:
            if row >= 0:
                self.tapes.selectRow(row)
            else:
                self._shown_key = None
                self.service.show_tape(None)
        finally:
            self._refreshing = False
        self._update_actions()

    def _show_stack(self) -> None:
        # a queue planned onto a new set needs no cataloged tape: the panel shows it while the catalog is empty
        self.stack.setCurrentIndex(1 if self.service.tapes or self.service.queue else 0)

    def current_barcode(self) -> str | None:
        tape = self.tapes_model.tape(self.tapes.currentIndex().row())
        return tape["barcode"] if tape is not None else None

    def select_tape(self, barcode: str) -> None:
        row = self.tapes_model.row_of(barcode)
        if row >= 0:
            self.tapes.selectRow(row)
            self.tapes.setFocus()

    def _on_tape_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        tape = self.tapes_model.tape(current.row())
        if tape is None:
            return
        key = (tape["id"], tape["imported_at"])  # a write or format imports a new index: list it again
        searching = bool(self.service.shown.search)
        if self._refreshing and searching:
            pass
        elif key != self._shown_key or (searching and not self._refreshing):
            if self.search.text():
                self.search.blockSignals(True)  # picking a tape leaves the search for the tape's files
                self.search.clear()
                self.search.blockSignals(False)
            self.service.show_tape(tape["id"])
        self._shown_key = key
        self._update_actions()

    # ---- files and search
    def focus_search(self) -> None:
        self.wanted.emit()
        self.tabs.setCurrentIndex(TAB_FILES)
        self.search.setFocus()
        self.search.selectAll()

    def _run_search(self) -> None:
        self._search_timer.stop()
        text = self.search.text().strip()
        if text:
            self.service.search(text)
        else:
            tape = self.tapes_model.tape(self.tapes.currentIndex().row())
            self._shown_key = (tape["id"], tape["imported_at"]) if tape else None
            self.service.show_tape(tape["id"] if tape else None)

    def _on_files_reset(self) -> None:
        self.files.setColumnHidden(COL_TAPE, not self.files_model.searching)
        self._update_files_title()
        self._update_actions()

    def _update_files_title(self, *_added: int) -> None:
        shown = self.service.shown
        if shown.search:
            found = "searching…" if shown.pending else count_text(len(shown.rows), "match", "matches")
            self.files_title.setText(f"On all tapes: {found}")
            return
        tape = next((t for t in self.service.tapes if t["id"] == shown.tape_id), None)
        if tape is None:
            self.files_title.setText("")
            return
        self.files_title.setText(f"{tape['barcode']}: {count_text(tape['files'], 'file')} in tape order")

    def selected_paths(self) -> list[str]:
        rows = sorted({index.row() for index in self.files.selectionModel().selectedRows()})
        return [entry.path for r in rows if (entry := self.files_model.entry(r)) is not None]

    # ---- commands
    def _update_actions(self) -> None:
        has_tape = self.current_barcode() is not None
        self.verify_action.setEnabled(has_tape)
        self.restore_action.setEnabled(bool(self.selected_paths()))

    def format_cartridge(self) -> None:
        barcode, ok = QInputDialog.getText(self, "Format Cartridge", "Barcode of the cartridge (six letters or digits "
                                           "and its type, e.g. RK0001L9):")
        barcode = barcode.strip().upper()
        if not ok or not barcode:
            return
        generation = GENERATION_BY_SUFFIX.get(barcode[-2:])
        if generation is None:
            generation, ok = QInputDialog.getItem(self, "Format Cartridge", f"Generation of {barcode}:",
                                                  ["LTO9", "LTO8"], 0, False)
            if not ok:
                return
        known = self.service.tape(barcode)
        if known is not None and not ask(self, "Format Cartridge",
                                         f"Format {barcode} again?\n\nIts {known['files']:,} files become "
                                         "unreadable and leave the catalog.", "Format"):
            return
        self.service.format(barcode, generation)
        self.message.emit(f"Formatting {barcode} at {self.service.device_for(barcode)}…")

    def write_folders(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Write Folder to Tape", os.path.expanduser("~"))
        if folder:
            self.service.queue_folders([folder])
            self.wanted.emit()
            self.tabs.setCurrentIndex(TAB_QUEUE)

    def verify_selected(self) -> None:
        barcode = self.current_barcode()
        if barcode:
            self.verify_tapes([barcode])

    def verify_tapes(self, barcodes: list[str]) -> None:
        for barcode in barcodes:
            if self.service.tape(barcode) is not None:
                self.service.verify(barcode)
        if barcodes:
            self.message.emit(f"Verifying {', '.join(barcodes)}: load each at {self.service.device_pattern}")

    def import_from_cartridge(self) -> None:
        barcode, ok = QInputDialog.getText(self, "Import Index from Cartridge", "Barcode of the loaded cartridge:",
                                           QLineEdit.EchoMode.Normal, self.current_barcode() or "")
        if ok and barcode.strip():
            self.service.import_cartridge(barcode)

    def import_from_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import Tape Index", os.path.expanduser("~"),
                                              "LTFS index (*.xml *.schema);;All files (*)")
        if not path:
            return
        barcode, ok = QInputDialog.getText(self, "Import Tape Index", "Barcode of its tape (leave empty when the "
                                           "catalog already knows this volume):")
        if ok:
            self.service.import_index_file(path, barcode or None)

    def restore_selected(self) -> None:
        paths = self.selected_paths()
        if not paths:
            return
        dest = QFileDialog.getExistingDirectory(self, f"Restore {count_text(len(paths), 'item')} into",
                                                os.path.expanduser("~"))
        if dest:
            self.service.plan_restore(paths, dest)

    def _confirm_restore(self, paths: list[str], dest: str, plan: RecallPlan) -> None:
        if self.restore_dialog is not None:
            self.restore_dialog.deleteLater()
        dialog = self.restore_dialog = RestorePlanDialog(plan, dest, self)
        dialog.accepted.connect(lambda: self._start_restore(paths, dest))
        dialog.open()

    def _start_restore(self, paths: list[str], dest: str) -> None:
        self.service.restore(paths, dest)
        self.message.emit(f"Restoring {count_text(len(paths), 'item')} into {dest}…")

    def change_device(self) -> None:
        pattern, ok = QInputDialog.getText(self, "Cartridge Device", "Where cartridges are loaded (file:FOLDER for a "
                                           "simulated cartridge; {barcode} in it picks one per tape):",
                                           QLineEdit.EchoMode.Normal, self.service.device_pattern)
        if ok and pattern.strip():
            self.service.set_device_pattern(pattern)

    def _show_device(self, _key: str = "") -> None:
        self.device_label.setText(f"Cartridges at {self.service.device_pattern}")
        self.device_label.setToolTip(f"{self.service.device_pattern}\nClick to change where cartridges are loaded")

