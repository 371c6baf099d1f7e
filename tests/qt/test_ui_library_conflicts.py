"""The library panel on a catalog another program edits too: a rating typed over a value someone else has changed
since the row was shown is refused with a toast, and the row shows the other program's value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt

from app.core.facts import FileState
from app.ui.library.columns import Col

ROOT = Path(__file__).resolve().parents[2]


def _other_program(target: str, code: str) -> None:
    script = f"from app.catalog.catalog import Catalog\ncatalog = Catalog({target!r})\n{code}\ncatalog.close()\n"
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=120)


def test_a_rating_over_another_program_s_change_is_refused_and_shown(qtbot, window) -> None:
    ctx = window.ctx
    panel = window.library_panel
    [clip] = ctx.catalog.add_discovered(None, [FileState(b"/shoot/A001C001.mov", 10, 1.0)])
    ctx.library.notify_changed([clip])
    ctx.library.library_reset.emit()
    qtbot.waitUntil(lambda: panel.model.row_for_id(clip) is not None, timeout=5000)
    rating = panel.model.index(panel.model.row_for_id(clip), Col.RATING)
    assert rating.data() == "☆☆☆☆☆"  # read: the view shows it
    panel.select_ids([clip])
    panel.view.setFocus()

    _other_program(str(ctx.catalog.path), f"catalog.set_rating([{clip}], 2)")
    qtbot.keyClick(panel.view, Qt.Key.Key_4)
    qtbot.waitUntil(lambda: window.toast.isVisible() and "someone else changed the rating" in window.toast.message(),
                    timeout=10_000)
    assert ctx.catalog.info(clip)["rating"] == 2
    qtbot.waitUntil(lambda: panel.model.index(panel.model.row_for_id(clip), Col.RATING).data() == "★★☆☆☆",
                    timeout=5000)

    qtbot.keyClick(panel.view, Qt.Key.Key_4)  # looked again: now it goes through
    qtbot.waitUntil(lambda: ctx.catalog.info(clip)["rating"] == 4, timeout=5000)
