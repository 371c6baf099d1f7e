"""The main window's side of the Timeline panel: opening timeline files (menu, dialog, drops) and bringing
the Timeline and Player docks forward."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from app.interchange.timeline_files import TIMELINE_SUFFIXES, is_timeline_file

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDockWidget

    from app.ui.context import UiContext
    from app.ui.status_bar import LibraryStatusBar
    from app.ui.timeline.panel import TimelinePanel


def timeline_paths(paths: list[str]) -> list[str]:
    """The timeline files (EDL and the other formats Reelkeep reads) among dropped paths."""
    return [p for p in paths if is_timeline_file(Path(p)) and not os.path.isdir(p)]


class TimelineWindowMixin:
    """MainWindow's timeline commands; the window owns the docks and routes drops here."""

    ctx: UiContext
    timeline_panel: TimelinePanel
    timeline_dock: QDockWidget
    player_dock: QDockWidget
    status: LibraryStatusBar

    def open_timeline(self, path: str) -> None:
        """Read and conform a timeline file into the Timeline panel (in the background)."""
        if self.ctx.timeline.open_file(path):
            self.show_timeline()

    def open_timeline_dialog(self) -> None:
        """Ask for a timeline file and open it."""
        patterns = " ".join(f"*{s}" for s in TIMELINE_SUFFIXES)
        path, _ = QFileDialog.getOpenFileName(self, "Open Timeline", "", f"Timelines ({patterns});;All files (*)")
        if path:
            self.open_timeline(path)

    def show_timeline(self) -> None:
        """The Timeline dock visible and in front, tall enough for its tracks and table."""
        dock = self.timeline_dock
        dock.show()
        dock.raise_()
        if not dock.isFloating() and dock.height() < 320:
            self.resizeDocks([dock], [min(420, self.height() * 45 // 100)], Qt.Orientation.Vertical)

    def show_player(self) -> None:
        """The Player dock visible and in front."""
        self.player_dock.show()
        self.player_dock.raise_()

    def _wire_timeline(self) -> None:
        """Connect the panel and the service to the window (status bar, errors, docks)."""
        panel, timeline = self.timeline_panel, self.ctx.timeline
        panel.open_requested.connect(self.open_timeline_dialog)
        panel.message.connect(lambda text: self.status.showMessage(text, 8000))
        panel.player_wanted.connect(self.show_player)
        timeline.error_raised.connect(self.show_error)
        timeline.timeline_changed.connect(lambda: timeline.doc is not None and self.show_timeline())

