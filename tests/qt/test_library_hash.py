"""Library → Compute Content Hashes: the selected files are read whole in a job (the Jobs panel shows it), their
content hash lands in the catalog and the Details panel, the others are left alone."""

from __future__ import annotations

from pathlib import Path

import xxhash
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QMenu

from app.ui.main_window import MainWindow
from tests.media.clips import make_clip

WAIT = 60000


def test_compute_content_hashes_of_the_selected_files(qtbot, window: MainWindow, tmp_path: Path) -> None:
    catalog = window.ctx.catalog
    media = tmp_path / "Dailies"
    media.mkdir()
    picked = make_clip(media / "A001C001.mov", rate="25", frames=12, size=(160, 90), audio=False)
    other = make_clip(media / "A001C002.mov", rate="25", frames=10, size=(160, 90), audio=False)
    window.add_paths([str(media)])
    panel = window.library_panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2 and not window.ctx.library.scanning, timeout=WAIT)
    edits = panel.edits
    panel.view.clearSelection()
    assert not edits.hash.isEnabled()
    picked_id, other_id = catalog.id_for_path(picked), catalog.id_for_path(other)
    panel.select_ids([picked_id])
    assert edits.hash.isEnabled()
    edits.show_context_menu(QPoint(4, 4))
    menus = [m for m in panel.findChildren(QMenu) if edits.hash in m.actions()]
    assert menus
    for menu in menus:
        menu.close()

    changed: list[list[int]] = []
    window.ctx.library.media_changed.connect(changed.append)
    edits.hash.trigger()
    qtbot.waitUntil(lambda: [picked_id] in changed, timeout=WAIT)
    assert catalog.info(picked_id)["content_hash"] == xxhash.xxh3_128(picked.read_bytes()).hexdigest()
    assert catalog.info(other_id)["content_hash"] is None
    assert any(r.title.startswith("Compute content hashes") for r in window.ctx.runner.records())
