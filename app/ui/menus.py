"""The menu bar of the main window; every command shows its shortcut here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QStyle

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


class MainMenus:
    """Builds File, Edit, View and Help and keeps the window-level actions by name."""

    def __init__(self, window: MainWindow) -> None:
        bar = window.menuBar()
        style = window.style()
        panel = window.library_panel
        edits = panel.edits

        def action(text: str, shortcut: QKeySequence | QKeySequence.StandardKey | str | None, slot: Callable[[], object],
                   tip: str = "", icon: QStyle.StandardPixmap | None = None) -> QAction:
            made = QAction(text, window)
            if shortcut is not None:
                made.setShortcut(QKeySequence(shortcut))
            if icon is not None:
                made.setIcon(style.standardIcon(icon))
            made.setStatusTip(tip)
            made.triggered.connect(slot)
            return made

        self.add_folder = action("Add &Folder…", "Ctrl+O", window.add_folder,
                                 "Add a folder to the library; it is scanned and watched",
                                 QStyle.StandardPixmap.SP_DirOpenIcon)
        self.add_files = action("Add Fi&les…", "Ctrl+Shift+O", window.add_files, "Add single files to the library",
                                QStyle.StandardPixmap.SP_FileIcon)
        self.offload = action("O&ffload Card…", "Ctrl+Shift+D", lambda: window.open_offload_dialog(),
                              "Copy a camera card to one or more drives, verified, with ASC MHL and a report")
        self.open_timeline = action("Open &Timeline…", "Ctrl+E", window.open_timeline_dialog,
                                    "Open an EDL and conform it to the library in the Timeline panel")
        self.open_archive = action("Open &Archive…", "Ctrl+Shift+A", window.open_archive_dialog,
                                   "Browse, play and diff the versions of a project archive in the Archive panel")
        self.open_archive_zip = action("Open Archive &ZIP…", None, window.open_archive_zip_dialog,
                                       "Browse and play an archive exported as a ZIP, without extracting it")
        self.share = action("S&hare Library…", None, window.open_share_dialog,
                            "Stream the library to browsers, phones and TVs (off until you start it)")
        self.rescan = action("&Rescan Library", "F5", window.rescan_library,
                             "Look for new, changed and missing files in every library folder",
                             QStyle.StandardPixmap.SP_BrowserReload)
        self.settings = action("&Settings…", QKeySequence.StandardKey.Preferences, window.open_settings,
                               "Library folders and storage")
        if self.settings.shortcut().isEmpty():
            self.settings.setShortcut(QKeySequence("Ctrl+,"))
        self.quit = action("&Quit", QKeySequence.StandardKey.Quit, window.close, "Quit Reelkeep")
        if self.quit.shortcut().isEmpty():
            self.quit.setShortcut(QKeySequence("Ctrl+Q"))
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.add_folder, self.add_files])
        file_menu.addAction(self.offload)
        file_menu.addAction(self.open_timeline)
        file_menu.addActions([self.open_archive, self.open_archive_zip])
        file_menu.addSeparator()
        file_menu.addAction(self.share)
        file_menu.addSeparator()
        file_menu.addAction(self.rescan)
        file_menu.addSeparator()
        file_menu.addAction(self.settings)
        file_menu.addSeparator()
        file_menu.addAction(self.quit)

        self.find = action("&Find…", QKeySequence.StandardKey.Find, panel.focus_search, "Search the library")
        self.clear_filters = action("Clear Filters", "Ctrl+Shift+F", panel.clear_filters,
                                    "Show every file again")
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.find, self.clear_filters])
        edit_menu.addSeparator()
        edit_menu.addAction(edits.select_all)
        edit_menu.addSeparator()
        edits.rating_menu(edit_menu)
        edit_menu.addActions([edits.favourite, edits.tags])
        edit_menu.addSeparator()
        edit_menu.addActions([edits.copy_paths, edits.reveal])
        edit_menu.addSeparator()
        edit_menu.addActions([edits.rescan, edits.remove])
        edit_menu.addSeparator()
        edit_menu.addAction(edits.sanitize)
        if edits.farm is not None:
            edit_menu.addSeparator()
            self.send_to_farm = edits.farm.add_menu(edit_menu)

        view_menu = bar.addMenu("&View")
        view_menu.addActions([panel.view_switch.table_action, panel.view_switch.grid_action])  # Ctrl+1, Ctrl+2
        view_menu.addSeparator()
        # Player is Alt+5: Alt+1…4 were taken before it could be closed and opened again here
        docks = (window.browse_dock, window.details_dock, window.jobs_dock, window.timeline_dock, window.player_dock,
                 window.archive_dock, window.tape_dock, window.performance_dock)
        for number, dock in enumerate(docks, start=1):
            toggle = dock.toggleViewAction()
            toggle.setShortcut(QKeySequence(f"Alt+{number}"))
            toggle.setStatusTip(f"Show or hide the {dock.windowTitle()} panel")
            view_menu.addAction(toggle)
        view_menu.addSeparator()
        self.show_table = action("Focus &Library", "Ctrl+0", panel.focus_table, "Move the focus to the file list")
        view_menu.addAction(self.show_table)
        columns = view_menu.addMenu("&Columns")
        columns.addActions(panel.column_actions)
        view_menu.addSeparator()
        self.reset_layout = action("&Reset Layout", None, window.reset_layout,
                                   "Put panels and columns back where they started")
        view_menu.addAction(self.reset_layout)

        tape_menu = bar.addMenu("&Tape")
        tape = window.tape_panel
        tape_menu.addActions([tape.format_action, tape.write_action, edits.write_to_tape, tape.verify_action])
        tape_menu.addSeparator()
        tape_menu.addActions([tape.import_cartridge_action, tape.import_file_action])
        tape_menu.addSeparator()
        tape_menu.addActions([tape.restore_action, tape.find_action])
        tape_menu.addSeparator()
        tape_menu.addAction(tape.device_action)

        help_menu = bar.addMenu("&Help")
        self.shortcuts = action("&Keyboard Shortcuts", "Ctrl+/", window.show_shortcuts,
                                "Every command that has a key, read from the menus and panels")
        self.shortcuts.setShortcuts([QKeySequence("Ctrl+/"), QKeySequence(QKeySequence.StandardKey.HelpContents)])
        self.about = action("&About Reelkeep", None, window.show_about, "Version and credits")
        help_menu.addActions([self.shortcuts, self.about])
