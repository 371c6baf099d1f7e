"""The composition root: catalog, job runner, services and main window, wired once."""

from __future__ import annotations

import locale
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.catalog.catalog import Catalog
from app.catalog.db import default_catalog_path
from app.core.root_map import ROOT_MAP_ENV, RootMap, RootMapError, RootMapping
from app.jobs.runner import JobRunner
from app.services.archive import ArchiveService
from app.services.catalog_changes import CatalogChanges
from app.services.farm import FarmService
from app.services.library import LibraryService
from app.services.offload import OffloadService
from app.services.player import PlayerService
from app.services.settings import CATALOG_KEY, Settings
from app.services.streaming import StreamingService
from app.services.tape import TapeService
from app.services.thumbnails import ThumbnailService
from app.services.timeline import TimelineService
from app.services.watch import WatchService


@dataclass
class AppContext:
    catalog: Catalog
    runner: JobRunner
    settings: Settings
    library: LibraryService
    watch: WatchService | None
    player: PlayerService
    thumbnails: ThumbnailService
    timeline: TimelineService
    archive: ArchiveService
    streaming: StreamingService
    tape: TapeService
    offload: OffloadService
    farm: FarmService | None = None  # the window's (run_gui); a test's context polls no farm queue
    changes: CatalogChanges | None = None  # other programs' edits, told to the services that show them

    def shutdown(self) -> None:
        """Stop mpv and watching, cancel and join every job thread, close the catalog: no thread outlives this."""
        self.streaming.shutdown()
        self.player.shutdown()
        if self.watch is not None:
            self.watch.stop()
        if self.farm is not None:
            self.farm.shutdown()
        self.thumbnails.shutdown()
        self.runner.shutdown()
        if self.changes is not None:
            self.changes.shutdown()
        self.settings.sync()
        self.catalog.close()


def build_context(catalog_path: str | Path | None = None, settings_path: str | None = None,
                  watch: bool = True, map_root: Sequence[RootMapping] = ()) -> AppContext:
    """Everything but the window. A QCoreApplication (or QApplication) must exist. The catalog maps paths by this
    machine's root mapping (Settings), with $REELKEEP_ROOT_MAP's and map_root's entries (--map-root) over it."""
    settings = Settings(settings_path)
    root_map = settings.root_map().merged(RootMap.from_environment()).merged(map_root)
    catalog = Catalog(catalog_path or default_catalog_path(settings.value(CATALOG_KEY, "", str) or None), root_map)
    runner = JobRunner()
    changes = CatalogChanges(catalog)
    library = LibraryService(catalog, runner, settings=settings, changes=changes)
    watcher = WatchService(library) if watch else None
    player = PlayerService(catalog, runner)
    thumbnails = ThumbnailService(library)
    timeline, tape = TimelineService(catalog, runner, player, library), TapeService(catalog, runner, settings)
    for service in (player, timeline, tape):
        service.follow(changes)
    return AppContext(catalog, runner, settings, library, watcher, player, thumbnails, timeline,
                      ArchiveService(catalog, runner, player, library), StreamingService(catalog.path, settings),
                      tape, OffloadService(catalog, runner, settings, library, thumbnails), changes=changes)


def run_gui(catalog_path: str | None = None, open_paths: list[str] | None = None,
            map_root: Sequence[RootMapping] = ()) -> int:
    """Start the desktop app (opening open_paths in the player, cataloging them); returns the exit code."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.core.errors import ReelkeepError
    from app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Reelkeep")
    app.setOrganizationName("reelkeep")
    app.setDesktopFileName("reelkeep")
    # Qt resets LC_NUMERIC from the environment; libmpv needs "C" to parse numbers.
    locale.setlocale(locale.LC_NUMERIC, "C")
    os.environ["LC_NUMERIC"] = "C"
    try:
        ctx = build_context(catalog_path, map_root=map_root)
    except RootMapError as exc:
        QMessageBox.critical(None, "Reelkeep", f"{exc}\n\nSee `reelkeep catalog map-root list`; "
                             "`reelkeep catalog map-root clear` forgets this machine's root mapping.")
        return 1
    except ReelkeepError as exc:
        QMessageBox.critical(None, "Reelkeep", f"{exc}\n\nStart with --catalog PATH (a file, or a postgresql:// "
                             "URL) to use another catalog; it also wins over the one chosen in Settings.")
        return 1
    if ctx.catalog.root_map:  # catalogs this process opens on threads of their own (the streaming server) map alike
        os.environ[ROOT_MAP_ENV] = ctx.catalog.root_map.to_json()
    # farm jobs of other machines in the Jobs panel, and the window's Send to Farm
    ctx.farm = FarmService(ctx.catalog.path, ctx.runner, connection=ctx.catalog)
    window = MainWindow(ctx)
    window.show()
    ctx.streaming.start_if_enabled()
    ctx.farm.start()
    if open_paths:
        window.play_files(open_paths)
    try:
        return app.exec()
    finally:
        ctx.player.shutdown()  # before Qt destroys the window mpv renders for
        window.close()
        ctx.shutdown()
