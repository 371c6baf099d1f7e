"""The Timeline panel's pieces without media: empty state, errors, tracks, zoom and scroll, the ruler, long
names, and selection shared by the painted view and the table."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QFontMetrics, QWheelEvent
from PySide6.QtWidgets import QApplication, QFileDialog

from app.ui.main_window import MainWindow
from app.ui.timeline.painting import block_lines, elided_lines
from app.ui.timeline.table_model import COL_CLIP, COL_STATUS
from app.ui.timeline.view import MAX_PX_PER_FRAME
from app.ui.widgets.ruler import tick_steps

DATA = Path(__file__).resolve().parents[1] / "data" / "edl"
LONG_CLIP = "interview_wide_take_" * 6 + ".mov"


def opened(qtbot, window: MainWindow, path: Path) -> MainWindow:
    window.open_timeline(str(path))
    qtbot.waitUntil(lambda: window.ctx.timeline.doc is not None and window.ctx.timeline.path == path, timeout=10000)
    return window


def long_edl(tmp_path: Path, events: int = 40) -> Path:
    lines = ["TITLE: LONG", "FCM: NON-DROP FRAME", ""]
    for n in range(events):
        rec = 10 * 3600 + n * 5
        lines.append(f"{n + 1:03d}  B002C011_230413_LONGREELNAME V     C        01:00:00:00 01:00:05:00 "
                     f"{rec // 3600:02d}:{rec // 60 % 60:02d}:{rec % 60:02d}:00 "
                     f"{(rec + 5) // 3600:02d}:{(rec + 5) // 60 % 60:02d}:{(rec + 5) % 60:02d}:00")
        lines.append(f"* FROM CLIP NAME: {LONG_CLIP}")
    path = tmp_path / "long.edl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_empty_state_then_a_timeline_of_offline_events(qtbot, window: MainWindow) -> None:
    panel = window.timeline_panel
    assert panel.stack.currentWidget() is panel.empty
    assert "Open an EDL" in panel.empty.text.text() and "drop one" in panel.empty.text.text()
    assert not panel.extract_button.isEnabled() and not panel.play_button.isEnabled()
    opened(qtbot, window, DATA / "avid_cut.edl")
    assert panel.stack.currentWidget() is panel.splitter
    assert window.timeline_dock.isVisible()
    events = len(window.ctx.timeline.events)
    assert {m.status for m in window.ctx.timeline.matches} <= {"offline", "not media"}  # an empty library
    assert f"{events} events: " in panel.title.text() and "matched" not in panel.title.text()
    assert not panel.play_button.isEnabled()  # nothing matched: nothing to play


def test_a_file_that_is_no_timeline_or_cannot_be_read_says_why(qtbot, window: MainWindow, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello", encoding="utf-8")
    window.open_timeline(str(notes))
    assert "notes.txt is not a timeline file" in window.errors[-1]
    folder = tmp_path / "broken.edl"
    folder.mkdir()  # named like an EDL, but a folder
    window.open_timeline(str(folder))
    qtbot.waitUntil(lambda: len(window.errors) == 2 and not window.ctx.timeline.loading, timeout=10000)
    assert "cannot read" in window.errors[-1] and "broken.edl: not a regular file (a folder)" in window.errors[-1]
    assert window.ctx.timeline.doc is None and window.timeline_panel.stack.currentWidget() is window.timeline_panel.empty


def test_tracks_transitions_and_line_errors(qtbot, window: MainWindow) -> None:
    view, model = window.timeline_panel.view, window.timeline_panel.model
    opened(qtbot, window, DATA / "premiere_audio.edl")
    assert view.tracks == ["V", "A1", "A2"]
    assert {(b.index, b.track) for b in view.blocks} >= {(1, "A1"), (1, "A2"), (3, "V"), (3, "A1"), (3, "A2")}
    opened(qtbot, window, DATA / "transitions.edl")
    assert view.tracks == ["V"]
    assert model.index(1, 4).data() == "D 24" and model.index(2, 4).data() == "W001 12"
    view.grab()  # paints dissolves, wipes and the black reel
    opened(qtbot, window, DATA / "malformed.edl")
    doc = window.ctx.timeline.doc
    assert doc.errors and model.rowCount() == len(doc.events) + len(doc.errors)
    row = len(doc.events)
    assert model.index(row, COL_STATUS).data() == "error"
    assert doc.errors[0].message in model.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)


def wheel(view, x: float, steps: int, ctrl: bool) -> None:
    pos = QPointF(x, view.viewport().height() / 2)
    event = QWheelEvent(pos, view.viewport().mapToGlobal(pos), QPoint(), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)


def test_zoom_scroll_and_ruler(qtbot, window: MainWindow, tmp_path: Path) -> None:
    view = opened(qtbot, window, long_edl(tmp_path)).timeline_panel.view
    assert view.end - view.start == 40 * 5 * 24  # avid-style EDLs default to 24 fps without matched media
    width = view.viewport().width()
    assert view.x_of(view.end) <= width and view.x_of(view.start) >= 0  # fitted: all of it in view
    fitted = view.px_per_frame
    x = width * 0.6
    frame = view.frame_at(x)
    wheel(view, x, 2, ctrl=True)
    assert view.px_per_frame == pytest.approx(fitted * 1.25 ** 2)
    assert abs(view.frame_at(x) - frame) <= 1  # zoomed around the cursor
    before = view.horizontalScrollBar().value()
    wheel(view, x, -1, ctrl=False)  # the wheel alone scrolls along the timeline
    assert view.horizontalScrollBar().value() > before
    view.set_zoom(1000)
    assert view.px_per_frame == MAX_PX_PER_FRAME
    view.set_zoom(0.0001)
    assert view.px_per_frame == pytest.approx(fitted)
    window.timeline_panel.fit_button.click()
    assert view.horizontalScrollBar().value() == 0
    # labelled ticks never closer than a label; whole seconds (or frames when zoomed in), dividing each other
    for px in (fitted, 0.5, 3.0, MAX_PX_PER_FRAME):
        major, minor = tick_steps(px, 24, label_px=100)
        assert major * px >= 100 and major % minor == 0
        assert major % 24 == 0 or major < 24


def test_long_names_elide_in_blocks_and_stay_whole_in_the_table(qtbot, window: MainWindow, tmp_path: Path) -> None:
    panel = opened(qtbot, window, long_edl(tmp_path, events=3)).timeline_panel
    view, timeline = panel.view, window.ctx.timeline
    event = timeline.events[0]
    lines = block_lines(event, "offline", "V")
    assert lines == ["B002C011_230413_LONGREELNAME", LONG_CLIP]
    width = view.block_rect(view.blocks[0]).width() - 8
    shown = elided_lines(lines, view.font(), width)
    assert all(QFontMetrics(view.font()).horizontalAdvance(line) <= width for line in shown)
    assert shown[1].endswith("…") and shown[1] != LONG_CLIP
    assert elided_lines(lines, view.font(), 4) == []  # a sliver of a block carries no text
    assert panel.model.index(0, COL_CLIP).data() == LONG_CLIP  # the table keeps the whole name (and elides it)
    assert panel.table.horizontalHeader().sectionSize(COL_CLIP) <= 240
    view.grab()


def test_selection_is_shared_by_the_view_and_the_table(qtbot, window: MainWindow, tmp_path: Path) -> None:
    panel = opened(qtbot, window, long_edl(tmp_path, events=4)).timeline_panel
    view, table = panel.view, panel.table
    qtbot.waitUntil(lambda: view.viewport().width() > 200, timeout=3000)
    centre = view.block_rect(view.blocks[2]).center().toPoint()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert view.selected == {2} and panel.selected_events() == [2]
    assert window.ctx.timeline.current == 2  # clicking cues the event (offline here: the status bar says so)
    assert "Event 3 is offline" in window.status.currentMessage()
    table.selectRow(1)
    assert view.selected == {1}
    centre = view.block_rect(view.blocks[3]).center().toPoint()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, centre)
    assert panel.selected_events() == [1, 3]
    assert panel.relink_button.isEnabled() is False  # relinking is one event at a time
    ruler = QPoint(round(view.x_of(view.start + 30.5)), 5)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=ruler)  # the ruler moves the playhead
    assert window.ctx.timeline.playhead == view.start + 30


def test_file_menu_opens_a_timeline(qtbot, window: MainWindow, monkeypatch) -> None:
    asked: list[str] = []

    def choose(parent, caption, folder, filters):
        asked.append(filters)
        return str(DATA / "transitions.edl"), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", choose)
    action = window.menus.open_timeline
    assert action.shortcut().toString() == "Ctrl+E" and action in window.menuBar().actions()[0].menu().actions()
    action.trigger()
    qtbot.waitUntil(lambda: window.ctx.timeline.path == DATA / "transitions.edl", timeout=10000)
    assert "*.edl" in asked[0]
