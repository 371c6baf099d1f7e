"""The Timeline panel in the real main window, as an assistant editor uses it: drop an EDL, see how it
conformed, click an event (the player shows its source in, read from the painted pixels), step and play
across a cut, relink by hand, and extract the events (outputs decoded frame by frame)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.ui.main_window import MainWindow
from app.ui.timeline.table_model import COL_STATUS
from tests.media import decode_indexes, make_clip, read_index, read_start_timecode
from tests.qt.test_ui_library import drop_paths
from tests.qt.test_ui_player import shown_index

# 25 fps. CAMA starts at 01:00:00:00, CAMB at 02:00:00:00; CAMC exists twice (ambiguous).
EDL = """TITLE: PANEL FLOW
FCM: NON-DROP FRAME

001  CAMA     V     C        01:00:01:00 01:00:02:00 10:00:00:00 10:00:01:00
* FROM CLIP NAME: CAMA.mov
002  CAMB     V     C        02:00:00:10 02:00:00:20 10:00:01:00 10:00:01:10
003  NOPE     V     C        01:00:00:00 01:00:01:00 10:00:01:10 10:00:02:10
004  CAMA     A     C        01:00:01:00 01:00:02:00 10:00:00:00 10:00:01:00
005  CAMC     V     C        03:00:00:00 03:00:00:10 10:00:02:10 10:00:02:20
this line is not an event
"""
REC = 10 * 3600 * 25  # 10:00:00:00 at 25 fps


@pytest.fixture
def conformed(qtbot, window: MainWindow, media_dir: Path, tmp_path: Path) -> MainWindow:
    make_clip(media_dir / "CAMA.mov", rate="25", frames=75, start_tc="01:00:00:00")
    make_clip(media_dir / "CAMB.mov", rate="25", frames=50, start_tc="02:00:00:00")
    make_clip(media_dir / "CAMC.mov", rate="25", frames=25, start_tc="03:00:00:00", audio=False)
    (media_dir / "copy").mkdir()
    shutil.copy(media_dir / "CAMC.mov", media_dir / "copy" / "CAMC.mov")
    drop_paths(window, [media_dir])
    catalog = window.ctx.catalog
    qtbot.waitUntil(lambda: catalog.count() == 4 and not window.ctx.library.scanning
                    and not catalog.status_counts().get("pending"), timeout=15000)
    edl = tmp_path / "cut.edl"
    edl.write_text(EDL, encoding="utf-8")
    drop_paths(window, [edl])  # onto the window, as from a file manager
    assert window.drop_hint.text() == "Drop to open the timeline"
    qtbot.waitUntil(lambda: window.ctx.timeline.doc is not None, timeout=10000)
    return window


def media_id(window: MainWindow, name: str) -> int:
    return next(r["id"] for r in window.ctx.catalog.rows(window.ctx.catalog.query_ids()) if r["path"].endswith(
        f"/media/{name}"))


def status_of(window: MainWindow, row: int) -> str:
    return window.timeline_panel.model.index(row, COL_STATUS).data()


def wait_on(qtbot, window: MainWindow, name: str, frame: int) -> None:
    """Wait until the player has clip `name` on frame `frame` and its painted pixels show that index."""
    player = window.ctx.player
    qtbot.waitUntil(lambda: player.clip is not None and player.clip.name == name and player.frame == frame
                    and not player.seeking and player._target is None and shown_index(window) == frame,
                    timeout=8000)


def click_row(qtbot, window: MainWindow, row: int) -> None:
    table = window.timeline_panel.table
    rect = table.visualRect(table.model().index(row, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_drop_conform_click_and_batch_extract(qtbot, conformed: MainWindow, tmp_path: Path) -> None:
    window = conformed
    panel, timeline = window.timeline_panel, window.ctx.timeline
    assert window.timeline_dock.isVisible() and not window.timeline_dock.visibleRegion().isEmpty()
    assert [status_of(window, r) for r in range(5)] == [
        "matched · CAMA.mov", "matched · CAMB.mov", "offline", "matched · CAMA.mov", "ambiguous (2)"]
    assert "no file named like reel NOPE" in panel.model.index(2, COL_STATUS).data(Qt.ItemDataRole.ToolTipRole)
    assert "CAMC.mov" in panel.model.index(4, COL_STATUS).data(Qt.ItemDataRole.ToolTipRole)
    assert status_of(window, 5) == "error"  # the line that is not an event, by line number
    assert panel.model.index(5, 0).data() == "line 10"
    assert "5 events: 3 matched, 1 ambiguous, 1 offline" in panel.title.text()

    click_row(qtbot, window, 1)  # event 002: CAMB 02:00:00:10 - 02:00:00:20
    wait_on(qtbot, window, "CAMB.mov", 10)
    player = window.ctx.player
    assert (player.marks.in_frame, player.marks.out_frame) == (10, 20)
    assert window.player_panel.transport.timecode_label.text() == "02:00:00:10"
    assert timeline.current == 1 and timeline.playhead == REC + 25
    assert panel.view.selected == {1}
    click_row(qtbot, window, 0)  # event 001: CAMA 01:00:01:00 - 01:00:02:00 is file frames 25-49
    wait_on(qtbot, window, "CAMA.mov", 25)
    assert (player.marks.in_frame, player.marks.out_frame) == (25, 50)

    dialog = panel.open_extract_dialog()
    dest = tmp_path / "out"
    dialog.dest.setText(str(dest))
    dialog.handles.setValue(3)
    assert dialog.mode.currentData() == "smart" and dialog.preset.isEnabled()  # the preset is smart's fallback
    dialog.all_radio.setChecked(True)
    dialog.name_pattern.setText("{take}")
    dialog._accept()
    assert dialog.isVisible() and "unknown field {take}" in dialog.problem.text()
    dialog.name_pattern.setText("{event:03d}_{reel}_{clip}")
    dialog._accept()
    qtbot.waitUntil(lambda: panel.last_result is not None, timeout=60000)
    result = panel.last_result
    assert result.summary().startswith("2 extracted, 0 failed, 3 skipped")
    assert "Extract: 2 extracted, 0 failed, 3 skipped" in panel.result.text()
    assert "event 3: offline" in panel.result.text() and "event 4: audio only" in panel.result.text()
    first, second = dest / "001_CAMA_CAMA.mov", dest / "002_CAMB_CAMB.mov"  # smart keeps the sources' MOV
    assert decode_indexes(first) == list(range(25 - 3, 50 + 3))
    assert read_start_timecode(first) == "01:00:00:22"
    assert decode_indexes(second) == list(range(10 - 3, 20 + 3))
    assert (dest / "cut_conformed.edl").read_text(encoding="utf-8").count(str(first)) == 1
    assert window.ctx.catalog.id_for_path(first) is not None  # the outputs are cataloged


def test_sequence_steps_and_plays_across_the_cut_on_the_right_frames(qtbot, conformed: MainWindow) -> None:
    window = conformed
    timeline, player = window.ctx.timeline, window.ctx.player
    cut = REC + 25  # record frame of the cut from CAMA (file frames 25-49) to CAMB (file frames 10-19)
    assert timeline.seek_record(cut - 1)
    wait_on(qtbot, window, "CAMA.mov", 49)  # the outgoing event's last frame: its source out is exclusive
    assert timeline.current == 0
    timeline.step_record(1)
    wait_on(qtbot, window, "CAMB.mov", 10)
    assert timeline.current == 1 and timeline.playhead == cut
    timeline.step_record(-1)
    wait_on(qtbot, window, "CAMA.mov", 49)

    # What mpv shows, sampled at every new frame. While the next file opens the player already names it but
    # mpv still shows the last frame of the one before, so frames are told apart by index: the ranges played,
    # CAMA 45-49 and CAMB 10-19, are disjoint.
    shown: list[int | None] = []
    currents: list[int] = []

    def record() -> None:
        pixels = player.render(320, 180)
        if pixels is not None:
            shown.append(read_index(pixels[:, :, :3].copy()))

    opened: list[str] = []
    player.video_updated.connect(record)
    player.clip_changed.connect(lambda: opened.append(player.clip.name if player.clip else ""))
    timeline.current_event_changed.connect(currents.append)
    timeline.seek_record(cut - 5)
    wait_on(qtbot, window, "CAMA.mov", 45)
    shown.clear()
    opened.clear()
    panel = window.timeline_panel
    panel.play_button.click()
    assert timeline.sequence_playing and panel.play_button.text() == "Stop"
    # the sequence plays 001 and 002, skips the offline 003 and ambiguous 005, and stops at its end
    qtbot.waitUntil(lambda: not timeline.sequence_playing, timeout=15000)
    wait_on(qtbot, window, "CAMB.mov", 19)
    player.video_updated.disconnect(record)
    assert currents == [1] and panel.play_button.text() == "Play Sequence"
    # one virtual clip for the whole sequence (no file opened at the cut), then the last event's own file
    assert opened == ["Sequence: cut.edl", "CAMB.mov"]
    frames = [index for index in shown if index is not None]
    first_b = next(i for i, index in enumerate(frames) if index < 45)
    a_side, b_side = frames[:first_b], frames[first_b:]
    # Real-time playback may drop a frame under load, so this only checks order and ranges; the frames at the
    # cut are read paused below.
    assert a_side and all(45 <= index <= 49 for index in a_side) and a_side == sorted(a_side)
    assert all(10 <= index <= 19 for index in b_side)  # from the incoming event's first frame; CAMA never again
    assert b_side == sorted(b_side) and b_side[-1] == 19
    assert timeline.playhead == cut + 9

    # The virtual clip itself, paused on each side of the cut: CAMA's last frame, then CAMB's first.
    def rendered() -> int | None:
        pixels = player.render(320, 180)  # the 16:9 picture fills it: no letterbox to crop
        return None if pixels is None else read_index(pixels[:, :, :3].copy())

    timeline.seek_record(cut - 5)
    wait_on(qtbot, window, "CAMA.mov", 45)
    panel.play_button.click()
    qtbot.waitUntil(lambda: player.clip is not None and player.clip.name == "Sequence: cut.edl", timeout=5000)
    timeline.stop_sequence()
    qtbot.waitUntil(lambda: player._player.duration is not None and not player.playing and not player.seeking
                    and player._target is None, timeout=5000)
    for virtual, index, record_frame in ((24, 49, cut - 1), (25, 10, cut), (34, 19, cut + 9)):
        player.seek_frame(virtual)
        try:
            qtbot.waitUntil(lambda v=virtual, i=index: player.frame == v and not player.seeking
                            and player._target is None and rendered() == i, timeout=8000)
        except Exception:
            raise AssertionError(f"virtual frame {virtual}: player on {player.frame} (target {player._target}, "
                                 f"seeking {player.seeking}, playing {player.playing}), shows {rendered()}") from None
        assert player.clip.name == "Sequence: cut.edl" and timeline.playhead == record_frame


def test_relink_by_hand_changes_the_status(qtbot, conformed: MainWindow) -> None:
    window = conformed
    panel, timeline = window.timeline_panel, window.ctx.timeline
    assert len(timeline.segments) == 2
    click_row(qtbot, window, 4)  # ambiguous: the player stays as it was, the status bar says why
    assert panel.relink_button.isEnabled()
    dialog = panel.relink_selected()
    copy_id = media_id(window, "copy/CAMC.mov")
    listed = [dialog.list.item(r).text() for r in range(dialog.list.count())]
    assert listed[0].startswith("★ candidate  CAMC.mov") and listed[1].startswith("★ candidate  CAMC.mov")
    dialog.choose(copy_id)
    dialog.accept()
    assert status_of(window, 4) == "matched · CAMC.mov"
    assert timeline.matches[4].media_id == copy_id
    assert "relinked by hand" in panel.model.index(4, COL_STATUS).data(Qt.ItemDataRole.ToolTipRole)
    assert len(timeline.segments) == 3 and "4 matched" in panel.title.text()
    wait_on(qtbot, window, "CAMC.mov", 0)  # relinked and selected: the player cues it

    click_row(qtbot, window, 2)  # offline NOPE: relink to CAMB, whose range does not hold 01:00:00:00
    dialog = panel.relink_selected()
    dialog.search.setText("CAMB")
    assert dialog.list.count() == 1
    dialog.accept()
    assert status_of(window, 2) == "matched · CAMB.mov"
    assert "outside this file" in timeline.matches[2].reason

    window.open_timeline(str(timeline.path))  # relinks are saved: the next open of this EDL has them
    qtbot.waitUntil(lambda: timeline.matches[4].reason == "relinked by hand, saved", timeout=10000)
    assert timeline.matches[4].media_id == copy_id and status_of(window, 4) == "matched · CAMC.mov"
