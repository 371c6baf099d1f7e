"""MainWindow: the library in the middle, browsers, details and jobs in docks, state kept between runs."""

from __future__ import annotations

import os

from PySide6.QtCore import QMimeData, Qt, qVersion
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QDialog, QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox, QWidget

from app import __version__
from app.core.kinds import AUDIO_EXTENSIONS, IMAGE_EXTENSIONS, VIDEO_EXTENSIONS
from app.services.monitor import MonitorService
from app.services.tape_library import TapeLibraryService
from app.ui.archive.panel import ArchivePanel
from app.ui.archive.window import ArchiveWindowMixin, archive_paths
from app.ui.context import UiContext
from app.ui.dialogs.settings_dialog import SettingsDialog
from app.ui.jobs.panel import JobsPanel
from app.ui.library.browser import BrowsePanel
from app.ui.library.details import DetailsPanel
from app.ui.library.farm_actions import FarmActions
from app.ui.library.filter_bar import STATUS_CHOICES
from app.ui.library.panel import LibraryPanel
from app.ui.menus import MainMenus
from app.ui.monitor.host import PerformancePanelHost
from app.ui.offload_window import OffloadWindowMixin
from app.ui.player.panel import PlayerPanel
from app.ui.shortcuts import ShortcutsDialog, shortcut_rows
from app.ui.status_bar import LibraryStatusBar
from app.ui.tape.panel import TAB_QUEUE, TapePanel
from app.ui.tape.window import TapeWindowMixin
from app.ui.timeline.panel import TimelinePanel
from app.ui.timeline.window import TimelineWindowMixin, timeline_paths
from app.ui.widgets.icons import app_icon
from app.ui.widgets.toast import Toast

GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
HEADER_KEY = "library/header"
HEADER_COLUMNS_KEY = "library/header_columns"  # how many columns the saved header knew
HEADER_COLUMNS_BEFORE_TAGS = 12  # headers saved before Title…Folder were added did not say
LAST_SELECTED_KEY = "library/last_selected"
VIEW_KEY = "library/view"  # 'table' or 'grid'
STATE_VERSION = 5  # bump when docks change so an old layout is not forced onto new panels
MAX_ERRORS = 50


def local_paths(mime: QMimeData) -> list[str]:
    """The local files and folders in a drag (URLs that are not local files are ignored)."""
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile() and url.toLocalFile()]


class MainWindow(ArchiveWindowMixin, TimelineWindowMixin, TapeWindowMixin, OffloadWindowMixin, QMainWindow):
    """Reelkeep's main window."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.errors: list[str] = []
        self.settings_dialog: SettingsDialog | None = None
        self.shortcuts_dialog: ShortcutsDialog | None = None
        self._saved = False
        self.setObjectName("mainWindow")
        self.setWindowTitle("Reelkeep")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
                            | QMainWindow.DockOption.AllowNestedDocks)

        self.library_panel = LibraryPanel(ctx.library, self, thumbnails=ctx.thumbnails)
        self.setCentralWidget(self.library_panel)
        self.browse_panel = BrowsePanel(ctx.library)
        self.details_panel = DetailsPanel(ctx.library)
        self.jobs_panel = JobsPanel(ctx.runner)
        self.player_panel = PlayerPanel(ctx.player)
        self.timeline_panel = TimelinePanel(ctx.timeline, ctx.settings)
        self.archive_panel = ArchivePanel(ctx.archive)
        # which tape files the library holds (posters, Play with no tape loaded)
        self.tape_library = TapeLibraryService(ctx.tape, ctx.player, self, library=ctx.library)
        self.tape_panel = TapePanel(ctx.tape, library=self.tape_library, thumbnails=ctx.thumbnails)
        left, right, bottom = (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea,
                               Qt.DockWidgetArea.BottomDockWidgetArea)
        self.browse_dock = self._dock("Browse", "browseDock", self.browse_panel, left)
        self.player_dock = self._dock("Player", "playerDock", self.player_panel, right)
        self.details_dock = self._dock("Details", "detailsDock", self.details_panel, right)
        self.jobs_dock = self._dock("Jobs", "jobsDock", self.jobs_panel, bottom)
        self.timeline_dock = self._dock("Timeline", "timelineDock", self.timeline_panel, bottom)
        self.archive_dock = self._dock("Archive", "archiveDock", self.archive_panel, bottom)
        self.tape_dock = self._dock("Tape", "tapeDock", self.tape_panel, bottom)
        self.monitor = MonitorService(ctx.runner, ctx.settings, parent=self)  # samples while its panel is shown
        self.performance_host = PerformancePanelHost(self.monitor)
        self.performance_dock = self._dock("Performance", "performanceDock", self.performance_host, bottom)
        self.status = LibraryStatusBar(ctx, self.library_panel.model, self)
        self.setStatusBar(self.status)
        self.toast = Toast(self)
        self.drop_hint = QLabel("Drop to add to the library", self.library_panel)
        self.drop_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_hint.setStyleSheet("background: rgba(43, 95, 171, 40); border: 2px dashed #2b5fab;"
                                     " border-radius: 8px; font-size: 16pt; color: #2b5fab;")
        self.drop_hint.hide()
        self.farm_actions = FarmActions(ctx.farm, self.library_panel) if ctx.farm is not None else None
        self.library_panel.edits.farm = self.farm_actions
        self.timeline_panel.farm = ctx.farm
        self.menus = MainMenus(self)

        panel = self.library_panel
        panel.selection_changed.connect(self.details_panel.show_ids)
        panel.filter_changed.connect(self.browse_panel.show_filter)
        panel.add_folder_requested.connect(self.add_folder)
        panel.activated.connect(self.open_media)
        ctx.library.media_changed.connect(ctx.player.refresh_sources)  # new proxies of the open clip
        panel.play_requested.connect(self.play_media)
        panel.edits.write_to_tape_requested.connect(self.write_to_tape)
        self.player_panel.message.connect(lambda text: self.status.showMessage(text, 8000))
        self.player_panel.fullscreen_toggled.connect(self.toggle_player_fullscreen)
        self.browse_panel.tag_selected.connect(panel.set_tag)
        self.browse_panel.artist_selected.connect(panel.set_artist)
        self.status.problems_clicked.connect(self._filter_status)
        self.status.jobs_clicked.connect(self.show_jobs)
        self._wire_timeline()
        self._wire_archive()
        self._wire_tape()
        self._wire_offload()
        self.tape_panel.player_wanted.connect(self.show_player)
        self.tape_panel.library_wanted.connect(self.show_in_library)
        self.tape_library.failed.connect(self.show_error)
        self.share_dialog: QDialog | None = None
        self.ctx.streaming.failed.connect(self.show_error)
        self._wire_thumbnails()
        ctx.library.error_raised.connect(self.show_error)
        if ctx.farm is not None:
            ctx.farm.error_raised.connect(self.show_error)
            ctx.farm.submitted.connect(lambda text: self.status.showMessage(text, 8000))

        self._default_geometry()
        self._default_layout()
        self.restore_settings()
        panel.focus_table()

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState() finds docks by object name
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    def _default_geometry(self) -> None:
        """A comfortable size on first start: at most 1440×900, never larger than the screen, centred."""
        available = self.screen().availableGeometry()
        width = min(1440, int(available.width() * 0.92))
        height = min(900, int(available.height() * 0.9))
        self.setGeometry(available.x() + (available.width() - width) // 2,
                         available.y() + (available.height() - height) // 2, width, height)

    def _default_layout(self) -> None:
        for dock, area in ((self.browse_dock, Qt.DockWidgetArea.LeftDockWidgetArea),
                           (self.player_dock, Qt.DockWidgetArea.RightDockWidgetArea),
                           (self.details_dock, Qt.DockWidgetArea.RightDockWidgetArea),
                           (self.jobs_dock, Qt.DockWidgetArea.BottomDockWidgetArea),
                           (self.timeline_dock, Qt.DockWidgetArea.BottomDockWidgetArea),
                           (self.archive_dock, Qt.DockWidgetArea.BottomDockWidgetArea),
                           (self.tape_dock, Qt.DockWidgetArea.BottomDockWidgetArea)):
            dock.setFloating(False)
            self.addDockWidget(area, dock)
            dock.show()
        self.splitDockWidget(self.player_dock, self.details_dock, Qt.Orientation.Vertical)
        self.tabifyDockWidget(self.timeline_dock, self.jobs_dock)  # jobs on top until a timeline opens
        self.tabifyDockWidget(self.jobs_dock, self.archive_dock)
        self.tabifyDockWidget(self.archive_dock, self.tape_dock)
        self.jobs_dock.raise_()
        self.performance_dock.setFloating(True)  # six plots want more room than the bottom tabs have
        self.performance_dock.hide()  # closed until View → Performance: it samples only while shown
        # In proportion on a small screen, so the library in the middle keeps a useful width
        width, height = self.width(), self.height()
        self.resizeDocks([self.browse_dock, self.player_dock], [min(185, width // 7), min(640, width * 2 // 5)],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.player_dock, self.details_dock], [420, 300], Qt.Orientation.Vertical)
        self.resizeDocks([self.jobs_dock], [min(170, height // 5)], Qt.Orientation.Vertical)

    # ---- commands
    def add_paths(self, paths: list[str]) -> None:
        """Folders become library folders (scanned and watched); files are added on their own."""
        paths = [p for p in paths if os.path.exists(p)]
        if not paths:
            return
        self.ctx.library.add_paths(paths)
        names = ", ".join(os.path.basename(p.rstrip(os.sep)) or p for p in paths[:3])
        more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
        self.status.showMessage(f"Adding {names}{more}…", 2500)

    def open_media(self, media_id: int) -> None:
        """Open a library file in the player (paused at its start or resume point) and bring the player forward."""
        self.player_dock.show()
        self.player_dock.raise_()
        self.player_panel.open_media(media_id)
        self.ctx.thumbnails.request([media_id], visible_first=False)  # its filmstrip before anything else

    def show_in_library(self, media_id: int) -> None:
        """Select a library file (the Tape panel's Show in Library) and show its details, shown or filtered out."""
        self.library_panel.select_ids([media_id])
        self.details_panel.show_ids([media_id])
        self.details_dock.show()
        self.library_panel.focus_table()

    def play_media(self, media_id: int) -> None:
        """Open a library file in the player and start playing it."""
        self.open_media(media_id)
        self.ctx.player.play()

    def play_files(self, paths: list[str]) -> None:
        """`reelkeep FILE`: catalog the files, then play the first; `reelkeep ARCHIVE`: open the archive."""
        archives = archive_paths(paths)
        if archives:
            self.open_archive(archives[0])
        paths = [p for p in paths if os.path.isfile(p)]
        if paths:
            self.ctx.library.add_files(paths, lambda ids: ids and self.play_media(ids[0]))

    def write_to_tape(self, ids: list[int]) -> None:
        """Library → Write to Tape…: the files as one entry of the Tape panel's write queue, which plans them."""
        self.ctx.tape.queue_library(ids)
        self.show_tape()
        self.tape_panel.tabs.setCurrentIndex(TAB_QUEUE)

    def show_jobs(self) -> None:
        """Bring the Jobs panel forward (the status bar's job indicator was clicked)."""
        self.jobs_dock.show()
        self.jobs_dock.raise_()

    def toggle_player_fullscreen(self) -> None:
        """The player dock alone on the whole screen, and back (F, double-click, Esc)."""
        dock = self.player_dock
        if dock.isFloating() and dock.isFullScreen():
            dock.showNormal()
            dock.setFloating(False)
        else:
            dock.setFloating(True)
            dock.showFullScreen()
        self.player_panel.video.setFocus()

    def add_folder(self) -> None:
        """Ask for a folder and add it to the library."""
        folder = QFileDialog.getExistingDirectory(self, "Add Folder to Library")
        if folder:
            self.add_paths([folder])

    def add_files(self) -> None:
        """Ask for media files and add them on their own."""
        patterns = {
            "Video": VIDEO_EXTENSIONS, "Audio": AUDIO_EXTENSIONS, "Images": IMAGE_EXTENSIONS,
        }
        every = " ".join(f"*{e}" for exts in patterns.values() for e in sorted(exts))
        filters = [f"Media files ({every})"] + [
            f"{name} ({' '.join(f'*{e}' for e in sorted(exts))})" for name, exts in patterns.items()
        ] + ["All files (*)"]
        files, _ = QFileDialog.getOpenFileNames(self, "Add Files to Library", "", ";;".join(filters))
        if files:
            self.add_paths(files)

    def rescan_library(self) -> None:
        """Scan every library folder for new, changed and missing files."""
        if not self.ctx.library.roots():
            self.status.showMessage("No library folders yet: add one with File → Add Folder…", 5000)
            return
        self.ctx.library.scan(None)

    def open_settings(self) -> None:
        """Show the settings dialog (not blocking the window)."""
        if self.settings_dialog is None:
            self.settings_dialog = SettingsDialog(self.ctx.library, self.ctx.watch,
                                                  self.ctx.settings.file_name(), self, self.ctx.settings)
        self.settings_dialog.open()
        self.settings_dialog.raise_()

    def open_share_dialog(self) -> None:
        """File → Share Library…: the streaming server's switch, address and QR code (not blocking the window)."""
        if self.share_dialog is None:
            from app.ui.dialogs.share_dialog import ShareDialog

            self.share_dialog = ShareDialog(self.ctx.streaming, self)
        self.share_dialog.show()
        self.share_dialog.raise_()

    def show_about(self) -> None:
        """The About box."""
        QMessageBox.about(
            self, "About Reelkeep",
            f"<h3>Reelkeep {__version__}</h3><p>A media manager for film and video productions and collectors.</p>"
            "<p>Reelkeep reads your files and keeps what it learns in its catalog; it never changes or "
            f"deletes anything on disk.</p><p><small>Qt {qVersion()}</small></p>",
        )

    def show_shortcuts(self) -> None:
        """Help → Keyboard Shortcuts (not blocking the window), built from the actions as they are now."""
        if self.shortcuts_dialog is not None:
            self.shortcuts_dialog.deleteLater()
        rows = shortcut_rows(self, {"Library": [self.library_panel.edits.play]})
        self.shortcuts_dialog = ShortcutsDialog(rows, self)
        self.shortcuts_dialog.show()  # modeless: the keys can be tried while it is open

    def reset_layout(self) -> None:
        """Docks and columns back to how they were on first start."""
        self._default_layout()
        self.library_panel.restore_header(self._default_header)

    def show_error(self, message: str) -> None:
        """Unobtrusive: the status bar and a corner notification, never a modal box."""
        self.errors = (self.errors + [message])[-MAX_ERRORS:]
        self.status.showMessage(message.splitlines()[0] if message else "", 10000)
        self.toast.notify(message)

    def _wire_archive(self) -> None:
        panel = self.archive_panel
        panel.open_requested.connect(self.open_archive_dialog)
        panel.player_wanted.connect(self.show_player)
        panel.message.connect(lambda text: self.status.showMessage(text, 8000))
        self.ctx.archive.failed.connect(self.show_error)

    def _wire_thumbnails(self) -> None:
        thumbnails = self.ctx.thumbnails
        self.player_panel.sprite_provider = thumbnails.sprite_for
        self.player_panel.cover_provider = thumbnails.poster_for
        thumbnails.thumbnails_ready.connect(self._on_thumbnails_ready)

    def _on_thumbnails_ready(self, ids: list[int]) -> None:
        clip = self.ctx.player.clip
        if clip is not None and clip.media_id in ids:
            self.player_panel.refresh_thumbnails()

    def _filter_status(self, status: str) -> None:
        combo = self.library_panel.filter_bar.status
        combo.setCurrentIndex(next(i for i, (_, value) in enumerate(STATUS_CHOICES) if value == status))

    # ---- dropping files and folders on the window
    def _accepts(self, event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> bool:
        # Rows dragged out of our own table come back with a source; those are already in the library.
        return event.source() is None and bool(local_paths(event.mimeData()))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._accepts(event):
            event.acceptProposedAction()
            paths = local_paths(event.mimeData())
            only_timelines = len(timeline_paths(paths)) == len(paths)
            only_archives = len(archive_paths(paths)) == len(paths)
            self.drop_hint.setText("Drop to open the timeline" if only_timelines else
                                   "Drop to open the archive" if only_archives else
                                   "Drop to offload the card" if self.is_card(paths) else "Drop to add to the library")
            self.drop_hint.setGeometry(self.library_panel.rect().adjusted(12, 12, -12, -12))
            self.drop_hint.show()
            self.drop_hint.raise_()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._accepts(event):
            event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.drop_hint.hide()
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.drop_hint.hide()
        if not self._accepts(event):
            event.ignore()
            return
        event.acceptProposedAction()
        paths = local_paths(event.mimeData())
        if self.is_card(paths):  # a camera card is offloaded (verified copies), not scanned where it sits
            self.open_offload_dialog(paths[0])
            return
        timelines = timeline_paths(paths)
        if timelines:
            self.open_timeline(timelines[0])
            if len(timelines) > 1:
                self.status.showMessage(f"Opened {os.path.basename(timelines[0])}: one timeline at a time", 8000)
        archives = archive_paths(paths)
        if archives:
            self.open_archive(archives[0])  # an archive is browsed, not scanned into the library
        self.add_paths([p for p in paths if p not in timelines and p not in archives])

    # ---- state kept between runs
    def restore_settings(self) -> None:
        """Geometry, docks, columns and the last selected file from the last run."""
        settings = self.ctx.settings
        self._default_header = self.library_panel.header_state()
        geometry = settings.bytes_value(GEOMETRY_KEY)
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = settings.bytes_value(STATE_KEY)
        if state is not None:
            self.restoreState(state, STATE_VERSION)
        header = settings.bytes_value(HEADER_KEY)
        if header is not None:
            self.library_panel.restore_header(header, int(settings.value(HEADER_COLUMNS_KEY,
                                                                         HEADER_COLUMNS_BEFORE_TAGS)))
        self.library_panel.set_view_mode(str(settings.value(VIEW_KEY, "table")))
        last = settings.value(LAST_SELECTED_KEY, None)
        if last not in (None, ""):
            self.library_panel.select_ids([int(last)])

    def save_settings(self) -> None:
        """Remember geometry, docks, columns and the selected file for the next run."""
        settings = self.ctx.settings
        settings.set_value(GEOMETRY_KEY, self.saveGeometry())
        settings.set_value(STATE_KEY, self.saveState(STATE_VERSION))
        settings.set_value(HEADER_KEY, self.library_panel.header_state())
        settings.set_value(HEADER_COLUMNS_KEY, self.library_panel.model.columnCount())
        settings.set_value(VIEW_KEY, self.library_panel.view_switch.mode)
        panel = self.library_panel
        last = panel.current_id() if panel.current_id() in panel.selected_ids() else None
        last = last if last is not None else next(iter(panel.selected_ids()), None)
        settings.set_value(LAST_SELECTED_KEY, "" if last is None else int(last))
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._saved:
            self._saved = True  # run_gui closes the window once more on the way out
            self.save_settings()
        super().closeEvent(event)
