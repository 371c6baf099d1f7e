"""MainWindow's card offload: File → Offload Card…, a dropped camera card, and how an offload ended."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.ingest.card_markers import looks_like_card
from app.ingest.offload_model import OffloadResult
from app.ui.context import UiContext
from app.ui.dialogs.offload_dialog import OffloadDialog, OffloadResultDialog
from app.ui.status_bar import LibraryStatusBar


class OffloadWindowMixin:
    ctx: UiContext
    status: LibraryStatusBar
    offload_dialog: OffloadDialog | None = None
    offload_results: list[OffloadResultDialog]

    def open_offload_dialog(self, source: str = "") -> OffloadDialog:
        """The offload dialog (non-modal: the library stays usable while the user looks for drives)."""
        dialog = OffloadDialog(self.ctx.offload, source, self)  # type: ignore[arg-type]  # the window
        dialog.setModal(False)
        self.offload_dialog = dialog
        dialog.show()
        return dialog

    @staticmethod
    def is_card(paths: list[str]) -> bool:
        return len(paths) == 1 and looks_like_card(paths[0])

    def _wire_offload(self) -> None:
        self.offload_results = []
        self.ctx.offload.finished.connect(self._offload_finished)
        self.ctx.offload.failed.connect(self.show_error)  # type: ignore[attr-defined]  # MainWindow's

    def _offload_finished(self, result: OffloadResult) -> None:
        self.status.showMessage(f"Offload: {result.summary()}", 15000)
        dialog = OffloadResultDialog(result, self if isinstance(self, QWidget) else None)
        dialog.setModal(False)
        self.offload_results.append(dialog)
        dialog.show()
