"""Send to Farm: proxies, thumbnails and proxy verification of the selected files, made by the farm's workers
(`reelkeep worker` on other machines) instead of this window's lanes; the jobs show in the Jobs panel."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from app.ui.library.edits import PROXY_CHOICES

if TYPE_CHECKING:
    from app.services.farm import FarmService
    from app.ui.library.panel import LibraryPanel


class FarmActions(QObject):
    """The Send to Farm submenu's actions (context menu and Edit menu share them), enabled while files are selected
    and the farm's queue answers; otherwise its first line says why."""

    def __init__(self, farm: FarmService, panel: LibraryPanel) -> None:
        super().__init__(panel)
        self.farm = farm

        def make(text: str, slot: Callable[..., object], tip: str) -> QAction:
            action = QAction(text, panel)
            action.setStatusTip(tip)
            action.setToolTip(tip)
            action.triggered.connect(slot)
            return action

        self.why = QAction("", panel)  # shown while the farm cannot take work: the reason
        self.why.setEnabled(False)
        self.proxies = [
            make(text, lambda _=False, presets=presets: self.send_proxies(presets),
                 f"Queue {' + '.join(presets)} proxies of the selected videos for the farm's workers")
            for text, presets in PROXY_CHOICES
        ]
        self.thumbnails = make("Thumbnails", self.send_thumbnails,
                               "Queue posters, sprite sheets and previews of the selected files for the farm's workers "
                               "(into the thumbnail cache this window reads)")
        self.verify = make("Verify Proxies", self.send_verify,
                           "Queue a check of the selected videos' proxies against their originals on the farm")
        self._ids: list[int] = []
        panel.selection_changed.connect(self._selection_changed)
        farm.available_changed.connect(lambda *_: self._update())
        self._update()

    def panel_ids(self) -> list[int]:
        """The selected files (the panel is this object's Qt parent: no reference cycle)."""
        return self.parent().selected_ids()  # type: ignore[attr-defined]

    def actions(self) -> list[QAction]:
        """The sending actions (not the reason line)."""
        return [*self.proxies, self.thumbnails, self.verify]

    def add_menu(self, parent: QMenu) -> QMenu:
        """Add the Send to Farm submenu to parent."""
        menu = parent.addMenu("Send to Farm")
        menu.setToolTipsVisible(True)
        menu.addAction(self.why)
        proxies = menu.addMenu("Proxies")
        proxies.setToolTipsVisible(True)
        proxies.addActions(self.proxies)
        menu.addActions([self.thumbnails, self.verify])
        proxies.menuAction().setEnabled(self.proxies[0].isEnabled())
        menu.aboutToShow.connect(lambda: proxies.menuAction().setEnabled(self.proxies[0].isEnabled()))
        return menu

    def _selection_changed(self, ids: list[int]) -> None:
        self._ids = list(ids)
        self._update()

    def _update(self) -> None:
        available = self.farm.available
        for action in self.actions():
            action.setEnabled(available and bool(self._ids))
        reason = self.farm.reason
        self.why.setVisible(not available)
        self.why.setText(reason.split(". ", 1)[0].rstrip(".") if reason else "")
        self.why.setToolTip(reason)
        self.why.setStatusTip(reason)

    def send_proxies(self, presets: tuple[str, ...]) -> int | None:
        """Queue proxies of the selected videos on the farm; the submitting job's id."""
        ids = self.panel_ids()
        return self.farm.submit_proxies(ids, presets) if ids else None

    def send_thumbnails(self) -> int | None:
        ids = self.panel_ids()
        return self.farm.submit_thumbnails(ids) if ids else None

    def send_verify(self) -> int | None:
        ids = self.panel_ids()
        return self.farm.submit_verify(ids) if ids else None
