"""The main window's side of the Archive panel: opening archives (menu, dialog, drops, the command line) and
bringing the Archive and Player docks forward."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from app.archive.layout import NAMASTE

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDockWidget

    from app.ui.archive.panel import ArchivePanel
    from app.ui.context import UiContext

LAST_ARCHIVE_DIR_KEY = "archive/last_dir"


def is_archive(path: str) -> bool:
    """A Reelkeep (OCFL object) archive folder (it carries the OCFL object declaration), or a ZIP (an export)."""
    if path.lower().endswith(".zip"):
        return os.path.isfile(path)
    return os.path.isdir(path) and (Path(path) / NAMASTE).is_file()


def archive_paths(paths: list[str]) -> list[str]:
    return [p for p in paths if is_archive(p)]


class ArchiveWindowMixin:
    """MainWindow's archive commands; the window owns the docks and routes drops here."""

    ctx: UiContext
    archive_panel: ArchivePanel
    archive_dock: QDockWidget
    player_dock: QDockWidget

    def open_archive(self, path: str) -> None:
        """Open an archive in the Archive panel (read in the background; errors reach the status bar)."""
        self.ctx.archive.open(path)
        self.ctx.settings.set_value(LAST_ARCHIVE_DIR_KEY, os.path.dirname(os.path.abspath(path)))
        self.show_archive()

    def open_archive_dialog(self) -> None:
        """Ask for an archive folder and open it."""
        start = self.ctx.settings.value(LAST_ARCHIVE_DIR_KEY, "") or ""
        path = QFileDialog.getExistingDirectory(self, "Open Archive", str(start))  # type: ignore[arg-type]
        if path:
            self.open_archive(path)

    def open_archive_zip_dialog(self) -> None:
        """Ask for a ZIP export and open it: its members play in place."""
        start = self.ctx.settings.value(LAST_ARCHIVE_DIR_KEY, "") or ""
        path, _ = QFileDialog.getOpenFileName(self, "Open Archive ZIP", str(start),  # type: ignore[arg-type]
                                              "ZIP files (*.zip);;All files (*)")
        if path:
            self.open_archive(path)

    def show_archive(self) -> None:
        """The Archive dock visible and in front, tall enough for its lists."""
        dock = self.archive_dock
        dock.show()
        dock.raise_()
        if not dock.isFloating() and dock.height() < 320:
            self.resizeDocks([dock], [min(420, self.height() * 45 // 100)],  # type: ignore[attr-defined]
                             Qt.Orientation.Vertical)
