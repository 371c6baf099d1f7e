"""The player panel in the real main window: open from the library, editor keys, go-to field, scrubber
drag and hover. What the panel paints is read back and its frame index checked against the TC display."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage

from app.core.timecode import from_frames, to_frames
from app.ui.main_window import MainWindow
from tests.media import make_clip, read_index

RATE = "30000/1001"
FRAMES = 120




@pytest.fixture
def opened(qtbot, window, media_dir):
    clip = make_clip(media_dir / "A001C001.mov", rate=RATE, frames=FRAMES, size=(320, 180))
    window.play_files([str(clip)])  # what `reelkeep FILE` does: catalog it and play it
    player = window.ctx.player
    qtbot.waitUntil(lambda: player.clip is not None and player._player.duration is not None, timeout=8000)
    qtbot.waitUntil(lambda: player.playing, timeout=5000)
    assert window.ctx.catalog.info(player.clip.media_id)["path"] == str(clip)
    player.pause()
    player.seek_frame(0)
    wait_shown(qtbot, window, 0)
    return window


def shown_index(window: MainWindow) -> int | None:
    """Read the frame index from what the video view paints (the picture is letterboxed inside it)."""
    image = window.player_panel.video.current_image()
    clip = window.ctx.player.clip
    if image is None or clip is None or not clip.width:
        return None
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    array = np.frombuffer(rgb.constBits(), dtype=np.uint8).reshape(rgb.height(), rgb.bytesPerLine())
    array = array[:, : rgb.width() * 3].reshape(rgb.height(), rgb.width(), 3)
    scale = min(rgb.width() / clip.width, rgb.height() / clip.height)
    width, height = round(clip.width * scale), round(clip.height * scale)
    left, top = (rgb.width() - width) // 2, (rgb.height() - height) // 2
    return read_index(array[top : top + height, left : left + width].copy())


def wait_shown(qtbot, window: MainWindow, frame: int) -> None:
    player = window.ctx.player
    expected_tc = from_frames(to_frames("01:00:00;00", player.clip.rate) + frame, player.clip.rate)
    label = window.player_panel.transport.timecode_label
    qtbot.waitUntil(lambda: not player.seeking and player._target is None and shown_index(window) == frame
                    and label.text() == expected_tc and player.frame == frame, timeout=6000)


def press(qtbot, window: MainWindow, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(window.player_panel.video, key, modifier)


def test_double_click_in_library_opens_player(qtbot, window, media_dir) -> None:
    make_clip(media_dir / "clip.mov", rate="25", frames=30)
    window.add_paths([str(media_dir)])
    model = window.library_panel.model
    qtbot.waitUntil(lambda: model.rowCount() == 1 and not window.ctx.library.scanning, timeout=10000)
    view = window.library_panel.view
    rect = view.visualRect(model.index(0, 0))
    # Qt's item views take a double click only after the press that starts it
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.ctx.player.clip is not None and window.ctx.player.clip.name == "clip.mov",
                    timeout=5000)
    qtbot.waitUntil(lambda: shown_index(window) == 0, timeout=6000)
    assert window.player_panel.transport.timecode_label.text() == "01:00:00:00"


def test_editor_keys_are_frame_exact(qtbot, opened) -> None:
    window = opened
    press(qtbot, window, Qt.Key.Key_Right)
    wait_shown(qtbot, window, 1)
    press(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)  # +10 frames
    wait_shown(qtbot, window, 11)
    press(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)  # +1 s (30 frames at 29.97)
    wait_shown(qtbot, window, 41)
    press(qtbot, window, Qt.Key.Key_Left)
    wait_shown(qtbot, window, 40)
    press(qtbot, window, Qt.Key.Key_I)
    for _ in range(5):
        press(qtbot, window, Qt.Key.Key_Right)
    wait_shown(qtbot, window, 45)
    press(qtbot, window, Qt.Key.Key_O)
    marks = window.ctx.player.marks
    assert (marks.in_frame, marks.out_frame) == (40, 46)
    assert "DUR 6 fr" in window.player_panel.transport.marks_label.text()
    press(qtbot, window, Qt.Key.Key_M)
    assert [m[1] for m in window.ctx.player.markers()] == [45]
    press(qtbot, window, Qt.Key.Key_End)
    wait_shown(qtbot, window, FRAMES - 1)
    press(qtbot, window, Qt.Key.Key_Home)
    wait_shown(qtbot, window, 0)
    # K held + L nudges one frame
    qtbot.keyPress(window.player_panel.video, Qt.Key.Key_K)
    qtbot.keyClick(window.player_panel.video, Qt.Key.Key_L)
    qtbot.keyRelease(window.player_panel.video, Qt.Key.Key_K)
    wait_shown(qtbot, window, 1)
    # L plays, L again doubles, K stops
    press(qtbot, window, Qt.Key.Key_L)
    qtbot.waitUntil(lambda: window.ctx.player.playing, timeout=3000)
    press(qtbot, window, Qt.Key.Key_L)
    qtbot.waitUntil(lambda: window.ctx.player.speed == 2.0, timeout=3000)
    press(qtbot, window, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: not window.ctx.player.playing, timeout=3000)


def test_go_to_timecode_field(qtbot, opened) -> None:
    window = opened
    field = window.player_panel.transport.goto
    qtbot.keyClicks(field, "01:00:02;15")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    wait_shown(qtbot, window, 75)  # 2 s * 30 + 15 frames, no drop inside the first minute
    qtbot.keyClicks(field, "01:00:00;40")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert "not below" in field.toolTip()  # frames >= 30 refused with a clear message
    assert window.ctx.player.frame == 75


def test_scrubber_drag_and_hover(qtbot, opened) -> None:
    window = opened
    scrubber = window.player_panel.scrubber
    y = scrubber.height() // 2
    x_for = lambda frame: round((frame + 0.5) / FRAMES * scrubber.width())  # noqa: E731
    qtbot.mouseMove(scrubber, QPoint(x_for(30), y))
    assert scrubber.hover_frame == 30
    assert scrubber.preview.isVisible() and scrubber.preview.text.text() == "01:00:01;00"
    qtbot.mousePress(scrubber, Qt.MouseButton.LeftButton, pos=QPoint(x_for(20), y))
    qtbot.mouseMove(scrubber, QPoint(x_for(60), y))
    qtbot.mouseRelease(scrubber, Qt.MouseButton.LeftButton, pos=QPoint(x_for(90), y))
    wait_shown(qtbot, window, 90)  # the release seeks exactly
    scrubber.set_zoom(1.5, x_for(90))  # Ctrl+wheel zooms around the cursor
    assert scrubber.visible_frames() == pytest.approx(FRAMES / 1.5)
    assert scrubber.frame_at(x_for(90)) in (89, 90, 91)
    scrubber.set_zoom(1000)  # never closer than ~12 px per frame
    assert scrubber.visible_frames() >= scrubber.width() / 12 - 1


def test_ruler_labels_every_major_tick(qtbot) -> None:
    """Minor steps divide the major step, so every major tick gets its timecode label."""
    from fractions import Fraction

    from app.ui.player.scrubber import Scrubber

    scrubber = Scrubber()
    scrubber.resize(480, 80)
    scrubber.set_clip(240, Fraction(24000, 1001), to_frames("14:31:02:12", Fraction(24000, 1001)), False)
    labels: list[str] = []

    class Recorder:
        def __getattr__(self, name):
            return lambda *args: labels.append(args[-1]) if name == "drawText" else None

    scrubber._paint_ruler(Recorder())
    assert len(labels) >= 3 and labels[0] == "14:31:02:12"


def test_track_menus_list_and_switch_tracks(qtbot, window, media_dir, tmp_path) -> None:
    from tests.qt.test_player_service import _with_two_audio_tracks

    clip = _with_two_audio_tracks(make_clip(tmp_path / "src.mov", rate="25", frames=50), media_dir / "dub.mkv")
    (media_dir / "dub.srt").write_text("1\n00:00:00,000 --> 00:00:02,000\nBonjour\n", encoding="utf-8")
    window.play_files([str(clip)])
    transport = window.player_panel.transport
    qtbot.waitUntil(lambda: transport.audio_box.count() == 3 and transport.sub_box.count() == 2, timeout=8000)
    assert transport.audio_box.isVisibleTo(window) and transport.sub_box.isVisibleTo(window)
    transport._pick_audio(2)  # the menu entry "Audio: fra"
    player = window.ctx.player
    qtbot.waitUntil(lambda: any(t.get("type") == "audio" and t.get("id") == 2 and t.get("selected")
                                for t in player.tracks), timeout=5000)
    assert "fra" in transport.audio_box.itemText(2)


def test_speed_menu_follows_the_shuttle(qtbot, window, media_dir) -> None:
    """J/L speeds show in the speed menu (reverse with a minus); K goes back to the menu's own speed."""
    clip = make_clip(media_dir / "long.mov", rate="25", frames=750, audio=False, gop=25)
    window.play_files([str(clip)])
    player, box = window.ctx.player, window.player_panel.transport.speed_box
    qtbot.waitUntil(lambda: player.clip is not None and player._player.duration is not None, timeout=8000)
    player.pause()
    player.seek_frame(375)  # the middle: 8x forward or back does not reach an end within the test
    qtbot.waitUntil(lambda: not player.playing and player._target is None, timeout=6000)
    assert [box.itemText(i) for i in range(box.count())][-2:] == ["4×", "8×"]

    def shows(text: str, playing: bool = True) -> None:
        qtbot.waitUntil(lambda: box.currentText() == text and player.playing == playing, timeout=5000)

    press(qtbot, window, Qt.Key.Key_L)
    shows("1×")
    for text in ("2×", "4×", "8×", "8×"):
        press(qtbot, window, Qt.Key.Key_L)
        shows(text)
    assert player.speed == 8.0 and not player.reverse
    press(qtbot, window, Qt.Key.Key_J)
    shows("−1×")
    press(qtbot, window, Qt.Key.Key_J)
    shows("−2×")
    assert player.reverse and player.speed == 2.0
    press(qtbot, window, Qt.Key.Key_K)
    shows("1×", playing=False)

    box.activated.emit(box.findText("0.5×"))  # what picking 0.5× in the menu does
    shows("0.5×", playing=False)
    press(qtbot, window, Qt.Key.Key_Space)
    shows("0.5×")
    press(qtbot, window, Qt.Key.Key_L)  # shuttle from 0.5x: the next shuttle speed up
    shows("1×")
    press(qtbot, window, Qt.Key.Key_K)  # the shuttle ends; the menu's speed stays chosen
    shows("0.5×", playing=False)
    assert player.speed == 0.5


def test_go_to_field_takes_what_editors_type(qtbot, opened, media_dir) -> None:
    """Ctrl+G selects the field; right-aligned digits and +/- offsets go where an editor means (29.97 DF here);
    an error shows on the field until the next clip opens."""
    from app.ui.player.transport import GOTO_TIP

    window = opened
    field, video = window.player_panel.transport.goto, window.player_panel.video

    def go(text: str) -> None:
        press(qtbot, window, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(field.hasFocus, timeout=3000)
        assert field.selectedText() == field.text()  # all selected: typing replaces what was there
        qtbot.keyClicks(field, text)
        qtbot.keyClick(field, Qt.Key.Key_Return)

    go("1000215")  # 01:00:02;15
    wait_shown(qtbot, window, 75)
    qtbot.waitUntil(video.hasFocus, timeout=3000)  # the keys are the player's again
    go("-1:00")  # one second back: 30 frames at 29.97
    wait_shown(qtbot, window, 45)
    go("+24")
    wait_shown(qtbot, window, 69)
    go("215")  # the hour and minutes stay: 01:00:02;15
    wait_shown(qtbot, window, 75)

    go("10:00:00")  # 01:10:00;00 is past the clip's end
    assert "outside this clip" in field.toolTip() and "c62828" in field.styleSheet()
    assert field.text() == "10:00:00" and window.ctx.player.frame == 75
    go("+1:00")  # Ctrl+G selected the wrong entry, so typing replaced it
    wait_shown(qtbot, window, 105)
    assert field.text() == "" and field.toolTip() == GOTO_TIP

    go("+x")
    assert "not a timecode" in field.toolTip()
    other = make_clip(media_dir / "B001C001.mov", rate="25", frames=30)
    window.play_files([str(other)])
    qtbot.waitUntil(lambda: window.ctx.player.clip.name == "B001C001.mov", timeout=8000)
    assert field.text() == "" and field.styleSheet() == "" and field.toolTip() == GOTO_TIP


def _with_titled_audio(media_dir, tmp_path, titles=("boom", "mix")):
    """A clip with two titled audio tracks, as deliveries have: mono 24-bit "boom" (eng), stereo "mix" (fra)."""
    import av

    boom = make_clip(tmp_path / "boom.mkv", rate="25", frames=50, audio_codec="pcm_s24le", audio_channels=1)
    mix = make_clip(tmp_path / "mix.mkv", rate="25", frames=50, audio_codec="pcm_s16le", audio_channels=2)
    target = media_dir / "titled.mkv"
    with av.open(str(boom)) as first, av.open(str(mix)) as second, av.open(str(target), "w") as dst:
        video = dst.add_stream_from_template(first.streams.video[0])
        outs = {}
        for src, title, lang in ((first, titles[0], "eng"), (second, titles[1], "fra")):
            outs[src] = dst.add_stream_from_template(src.streams.audio[0])
            outs[src].metadata.update({"title": title, "language": lang})
        for src, streams in ((first, (first.streams.video[0], first.streams.audio[0])),
                             (second, (second.streams.audio[0],))):
            for packet in src.demux(*streams):
                if packet.dts is None:
                    continue
                packet.stream = video if packet.stream.type == "video" else outs[src]
                dst.mux(packet)
    return target


def test_audio_menu_shows_track_titles(qtbot, window, media_dir, tmp_path) -> None:
    """The audio menu names each track from mpv's track-list: title, channels, codec and language."""
    window.play_files([str(_with_titled_audio(media_dir, tmp_path))])
    box, player = window.player_panel.transport.audio_box, window.ctx.player
    qtbot.waitUntil(lambda: box.count() == 3, timeout=8000)
    assert [box.itemText(i) for i in range(3)] == [
        "Audio: off", "1: boom — mono, pcm_s24le (eng)", "2: mix — stereo, pcm_s16le (fra)"]
    box.activated.emit(2)  # picking "mix" in the menu
    qtbot.waitUntil(lambda: any(t.get("type") == "audio" and t.get("id") == 2 and t.get("selected")
                                for t in player.tracks), timeout=5000)
    qtbot.waitUntil(lambda: box.currentText().startswith("2: mix"), timeout=5000)


def test_a_long_track_title_does_not_widen_the_player(qtbot, window, media_dir, tmp_path) -> None:
    title = "boom " + "and the second unit's lavalier mics, " * 4
    panel, box = window.player_panel, window.player_panel.transport.audio_box
    assert not box.isVisibleTo(panel)  # no empty menu before a clip is open
    narrow = panel.minimumSizeHint().width()
    window.play_files([str(_with_titled_audio(media_dir, tmp_path, (title.strip(), "mix")))])
    qtbot.waitUntil(lambda: box.count() == 3 and box.isVisibleTo(panel), timeout=8000)
    assert title.strip() in box.itemText(1)  # the list shows it whole
    assert box.sizeHint().width() < 320 and panel.minimumSizeHint().width() <= max(narrow, 560)


def test_track_label_leaves_out_what_mpv_does_not_know() -> None:
    from app.ui.player.transport import track_label

    assert track_label({"id": 3, "demux-channels": "5.1(side)", "codec": "eac3"}) == "3: 5.1(side), eac3"
    assert track_label({"id": 4, "demux-channel-count": 4, "lang": "deu"}) == "4: 4 ch (deu)"
    assert track_label({"id": 5, "title": "Commentary"}) == "5: Commentary"
    assert track_label({"id": 6}) == "6: track"
