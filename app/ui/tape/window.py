"""The main window's side of the Tape panel: its dock brought forward when a command needs it, its messages and
errors routed to the status bar and the corner notification."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDockWidget

    from app.ui.context import UiContext
    from app.ui.status_bar import LibraryStatusBar
    from app.ui.tape.panel import TapePanel


class TapeWindowMixin:
    """MainWindow's tape commands; the window owns the dock."""

    ctx: UiContext
    tape_panel: TapePanel
    tape_dock: QDockWidget
    status: LibraryStatusBar

    def show_tape(self) -> None:
        """The Tape dock visible and in front, tall enough for its tables."""
        dock = self.tape_dock
        dock.show()
        dock.raise_()
        if not dock.isFloating() and dock.height() < 320:
            self.resizeDocks([dock], [min(420, self.height() * 45 // 100)],  # type: ignore[attr-defined]
                             Qt.Orientation.Vertical)

    def _wire_tape(self) -> None:
        panel = self.tape_panel
        panel.wanted.connect(self.show_tape)
        panel.message.connect(lambda text: self.status.showMessage(text, 8000))
        self.ctx.tape.failed.connect(self.show_error)  # type: ignore[attr-defined]  # MainWindow's

