"""The events table says why an event is offline, ambiguous, not media or in error, in a column of its own."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from app.ui.main_window import MainWindow
from app.ui.timeline.table_model import COL_REASON, COL_STATUS, COLUMNS
from tests.qt.test_ui_timeline import conformed  # noqa: F401 - the fixture
from tests.qt.test_ui_timeline_view import DATA, opened


def reasons(window: MainWindow) -> list[str]:
    model = window.timeline_panel.model
    return [model.index(row, COL_REASON).data() for row in range(model.rowCount())]


def test_offline_and_ambiguous_events_say_why_in_the_table(qtbot, conformed: MainWindow) -> None:  # noqa: F811
    window = conformed
    model, table = window.timeline_panel.model, window.timeline_panel.table
    assert model.headerData(COL_REASON, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) == COLUMNS[-1] == "Why"
    why = reasons(window)
    assert why[0] == "reel CAMA = CAMA.mov" and why[1] == "reel CAMB = CAMB.mov"
    assert why[2] == "no file named like reel NOPE"
    assert why[4].startswith("2 files match reel CAMC: CAMC.mov, CAMC.mov")
    assert why[5] == window.ctx.timeline.doc.errors[0].message
    assert not table.isColumnHidden(COL_REASON) and table.columnWidth(COL_REASON) > 0
    for row in (2, 4):  # the same colour as the status, so a glance down the column finds the problems
        assert model.index(row, COL_REASON).data(Qt.ItemDataRole.ForegroundRole) == \
            model.index(row, COL_STATUS).data(Qt.ItemDataRole.ForegroundRole)


def test_black_aux_and_bad_lines_say_why(qtbot, window: MainWindow, tmp_path: Path) -> None:
    edl = tmp_path / "black.edl"
    edl.write_text("TITLE: BLACK\nFCM: NON-DROP FRAME\n\n"
                   "001  BL       V     C        00:00:00:00 00:00:01:00 10:00:00:00 10:00:01:00\n"
                   "002  AX       V     C        00:00:00:00 00:00:01:00 10:00:01:00 10:00:02:00\n",
                   encoding="utf-8")
    opened(qtbot, window, edl)
    assert reasons(window) == ["black (BL)", "aux source (AX) with no clip name or source file"]
    opened(qtbot, window, DATA / "malformed.edl")
    doc = window.ctx.timeline.doc
    why = reasons(window)
    assert why[len(doc.events):] == [e.message for e in doc.errors]
    for i, event in enumerate(doc.events):
        if event.status == "error":
            assert f"EDL line {event.line_number}: unknown transition" in why[i]
