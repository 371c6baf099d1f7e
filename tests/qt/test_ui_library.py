"""The main window's library: drop, search, rate, favourite, tag, browse, remove, details, live changes, state."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from app.ui.library.columns import Col
from app.ui.library.table_model import MEDIA_ID_ROLE, LibraryTableModel
from app.ui.main_window import MainWindow
from tests.media import make_audio, make_clip, make_image
from tests.qt.conftest import dispose

CLIPS = {"sunrise_beach.mov": "24000/1001", "city_night.mp4": "25"}
SONGS = {
    "morning_tide.mp3": {"title": "Morning Tide", "artist": "Nina Vale", "album": "Harbour Lights"},
    "low_water.flac": {"title": "Low Water", "artist": "Nina Vale", "album": "Harbour Lights"},
    "static.mp3": {"title": "Static", "artist": "The Quiet Rooms", "album": "Rooms"},
}
FILE_COUNT = len(CLIPS) + len(SONGS) + 2  # + an image and an unreadable file


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """Media made once per module; each test scans its own copy."""
    folder = tmp_path_factory.mktemp("template")
    for name, rate in CLIPS.items():
        make_clip(folder / name, rate=rate, frames=24, size=(160, 90))
    for name, tags in SONGS.items():
        make_audio(folder / name, tags=tags, seconds=0.5)
    make_image(folder / "poster.png")
    (folder / "broken.mp4").write_bytes(b"this is not a video")
    return folder


@pytest.fixture
def library_dir(template: Path, media_dir: Path) -> Path:
    for source in template.iterdir():
        shutil.copy(source, media_dir / source.name)
    return media_dir






def drop_paths(window: MainWindow, paths: list[Path]) -> None:
    """What a drag from a file manager delivers: enter, then drop, with file URLs."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    centre = window.rect().center()
    enter = QDragEnterEvent(centre, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(centre), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)


def scanned(qtbot, window: MainWindow, folder: Path, count: int = FILE_COUNT) -> None:
    drop_paths(window, [folder])
    catalog = window.ctx.catalog
    qtbot.waitUntil(lambda: window.library_panel.model.rowCount() == count and not window.ctx.library.scanning
                    and not catalog.status_counts().get("pending"), timeout=15000)


def names(window: MainWindow) -> list[str]:
    model = window.library_panel.model
    return [model.index(row, Col.NAME).data() for row in range(model.rowCount())]


def row_of(window: MainWindow, name: str) -> int:
    return names(window).index(name)


def select(qtbot, window: MainWindow, *file_names: str) -> list[int]:
    panel = window.library_panel
    ids = [panel.model.media_id(row_of(window, n)) for n in file_names]
    panel.select_ids(ids)
    panel.view.setFocus()
    qtbot.waitUntil(lambda: panel.selected_ids() == sorted(ids, key=panel.model.row_for_id), timeout=2000)
    return ids


def test_drop_shows_rows_and_search_filters_by_word_prefix(qtbot, window, library_dir) -> None:
    panel = window.library_panel
    assert panel.stack.currentWidget() is panel.empty_library  # the inviting empty state first
    scanned(qtbot, window, library_dir)
    assert panel.stack.currentWidget() is panel.view
    assert "morning_tide.mp3" in names(window)
    broken = panel.model.index(row_of(window, "broken.mp4"), Col.NAME)
    assert "Cannot read" in broken.data(Qt.ItemDataRole.ToolTipRole)  # error rows say why
    assert panel.model.index(row_of(window, "sunrise_beach.mov"), Col.FPS).data() == "23.976"

    qtbot.keyClicks(panel.filter_bar.search, "sunr")  # a prefix of one word
    qtbot.waitUntil(lambda: names(window) == ["sunrise_beach.mov"], timeout=3000)
    qtbot.waitUntil(lambda: window.status.counts_label.text() == f"1 of {FILE_COUNT} files shown", timeout=2000)
    (sunrise,) = select(qtbot, window, "sunrise_beach.mov")
    qtbot.keyClicks(panel.filter_bar.search, "4")  # a digit typed into search is text, not a rating
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.no_match, timeout=3000)
    assert window.ctx.catalog.info(sunrise)["rating"] == 0
    qtbot.keyClick(panel.filter_bar.search, Qt.Key.Key_Backspace)
    qtbot.waitUntil(lambda: names(window) == ["sunrise_beach.mov"], timeout=3000)
    qtbot.keyClicks(panel.filter_bar.search, "zzz")
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.no_match, timeout=3000)
    qtbot.keyClick(panel.filter_bar.search, Qt.Key.Key_Escape)  # Esc clears the search
    qtbot.waitUntil(lambda: len(names(window)) == FILE_COUNT, timeout=3000)

    panel.filter_bar.kind_group.button(2).click()  # Audio
    qtbot.waitUntil(lambda: sorted(names(window)) == sorted(SONGS), timeout=3000)


def test_rating_keys_and_favourite_persist(qtbot, window, library_dir, app_context) -> None:
    scanned(qtbot, window, library_dir)
    panel = window.library_panel
    (clip,) = select(qtbot, window, "city_night.mp4")
    qtbot.keyClick(panel.view, Qt.Key.Key_3)
    qtbot.waitUntil(lambda: app_context.catalog.info(clip)["rating"] == 3, timeout=2000)
    fresh = LibraryTableModel(app_context.library)  # a new model reads it back from the catalog
    assert fresh.index(fresh.row_for_id(clip), Col.RATING).data() == "★★★☆☆"

    qtbot.keyClick(panel.view, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: app_context.catalog.info(clip)["favourite"] is True, timeout=2000)
    qtbot.waitUntil(lambda: panel.model.index(panel.model.row_for_id(clip), Col.FAVOURITE).data() == "♥",
                    timeout=2000)
    heart = panel.view.visualRect(panel.model.index(panel.model.row_for_id(clip), Col.FAVOURITE))
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=heart.center())
    qtbot.waitUntil(lambda: app_context.catalog.info(clip)["favourite"] is False, timeout=2000)

    stars = panel.view.visualRect(panel.model.index(panel.model.row_for_id(clip), Col.RATING))
    fifth = QPoint(int(panel.rating_delegate._geometry(stars)[1] + 4.5 * 16), stars.center().y())
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=fifth)
    qtbot.waitUntil(lambda: app_context.catalog.info(clip)["rating"] == 5, timeout=2000)

    with qtbot.waitSignal(panel.play_requested, timeout=2000) as requested:  # Enter plays
        qtbot.keyClick(panel.view, Qt.Key.Key_Return)
    assert requested.args == [clip]
    qtbot.waitUntil(lambda: app_context.player.clip is not None and app_context.player.clip.media_id == clip,
                    timeout=5000)
    qtbot.waitUntil(lambda: app_context.player.playing, timeout=5000)
    app_context.player.pause()
    name_cell = panel.view.visualRect(panel.model.index(panel.model.row_for_id(clip), Col.NAME))
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=name_cell.center())
    with qtbot.waitSignal(panel.activated, timeout=2000) as activated:  # a real double click follows a click
        qtbot.mouseDClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=name_cell.center())
    assert activated.args == [clip]

    panel.filter_bar.rating.setCurrentIndex(4)  # ★★★★ and up
    qtbot.waitUntil(lambda: names(window) == ["city_night.mp4"], timeout=2000)


def test_bulk_tags_then_tag_browser_filters(qtbot, window, library_dir, app_context) -> None:
    scanned(qtbot, window, library_dir)
    panel = window.library_panel
    ids = select(qtbot, window, "city_night.mp4", "poster.png")
    qtbot.keyClick(panel.view, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: panel.edits.tags_dialog is not None and panel.edits.tags_dialog.isVisible(),
                    timeout=2000)
    dialog = panel.edits.tags_dialog
    qtbot.keyClicks(dialog.add_edit, "holiday, 2024 trip")
    dialog.accept()
    qtbot.waitUntil(lambda: dict(app_context.catalog.tag_counts()).get("holiday") == 2, timeout=2000)
    assert all("holiday" in app_context.catalog.info(i)["tags"] for i in ids)

    tags = window.browse_panel.tags
    qtbot.waitUntil(lambda: any(tags.topLevelItem(i).text(0) == "holiday" for i in range(tags.topLevelItemCount())),
                    timeout=2000)
    item = next(tags.topLevelItem(i) for i in range(tags.topLevelItemCount())
                if tags.topLevelItem(i).text(0) == "holiday")
    assert item.text(1) == "2"
    qtbot.mouseClick(tags.viewport(), Qt.MouseButton.LeftButton, pos=tags.visualItemRect(item).center())
    qtbot.waitUntil(lambda: sorted(names(window)) == ["city_night.mp4", "poster.png"], timeout=2000)
    assert panel.filter_bar.scope.isVisible() and "holiday" in panel.filter_bar.scope.text()
    assert panel.model.index(0, Col.TAGS).data() == "2024 trip, holiday"

    # Removing a tag through the same dialog (untick it)
    select(qtbot, window, "poster.png")
    panel.edits.edit_tags()
    dialog = panel.edits.tags_dialog
    dialog.present.item(1).setCheckState(Qt.CheckState.Unchecked)  # "holiday" (sorted after "2024 trip")
    dialog.accept()
    qtbot.waitUntil(lambda: names(window) == ["city_night.mp4"], timeout=2000)
    panel.filter_bar.scope.click()  # the chip clears the browser's scope
    qtbot.waitUntil(lambda: len(names(window)) == FILE_COUNT, timeout=2000)

    # A tag only some of the selection has is 'partly ticked'; ticking it gives it to all of them.
    select(qtbot, window, "city_night.mp4", "sunrise_beach.mov")
    panel.edits.edit_tags()
    dialog = panel.edits.tags_dialog
    partial = next(dialog.present.item(i) for i in range(dialog.present.count())
                   if dialog.present.item(i).data(Qt.ItemDataRole.UserRole) == "holiday")
    assert partial.checkState() == Qt.CheckState.PartiallyChecked and "1 of 2" in partial.text()
    partial.setCheckState(Qt.CheckState.Checked)
    dialog.accept()
    qtbot.waitUntil(lambda: dict(app_context.catalog.tag_counts()).get("holiday") == 2, timeout=2000)
    assert dict(app_context.catalog.tag_counts()).get("2024 trip") == 2  # partly ticked, left as it was


def test_artist_album_browser_filters_music(qtbot, window, library_dir) -> None:
    scanned(qtbot, window, library_dir)
    artists = window.browse_panel.artists
    qtbot.waitUntil(lambda: artists.topLevelItemCount() == 3, timeout=3000)  # All + two artists
    nina = next(artists.topLevelItem(i) for i in range(artists.topLevelItemCount())
                if artists.topLevelItem(i).text(0) == "Nina Vale")
    assert nina.text(1) == "2"
    artists.setCurrentItem(nina)
    qtbot.waitUntil(lambda: sorted(names(window)) == ["low_water.flac", "morning_tide.mp3"], timeout=2000)
    nina.setExpanded(True)
    album = nina.child(0)
    assert album.text(0) == "Harbour Lights"
    quiet = next(artists.topLevelItem(i) for i in range(artists.topLevelItemCount())
                 if artists.topLevelItem(i).text(0) == "The Quiet Rooms")
    quiet.setExpanded(True)
    qtbot.mouseClick(artists.viewport(), Qt.MouseButton.LeftButton,
                     pos=artists.visualItemRect(quiet.child(0)).center())
    qtbot.waitUntil(lambda: names(window) == ["static.mp3"], timeout=2000)
    artists.setCurrentItem(artists.topLevelItem(0))  # "All artists"
    qtbot.waitUntil(lambda: len(names(window)) == FILE_COUNT, timeout=2000)


def test_delete_asks_then_forgets_but_keeps_the_file(qtbot, window, library_dir, app_context) -> None:
    scanned(qtbot, window, library_dir)
    panel = window.library_panel
    asked: list[str] = []
    panel.confirm = lambda title, text: asked.append(text) or False  # the user says Cancel
    (media_id,) = select(qtbot, window, "static.mp3")
    qtbot.keyClick(panel.view, Qt.Key.Key_Delete)
    assert len(asked) == 1 and "not touched" in asked[0] and "static.mp3" in asked[0]
    assert app_context.catalog.count() == FILE_COUNT

    panel.confirm = lambda title, text: asked.append(text) or True
    qtbot.keyClick(panel.view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: "static.mp3" not in names(window), timeout=2000)
    assert app_context.catalog.id_for_path(library_dir / "static.mp3") is None
    assert (library_dir / "static.mp3").exists()
    qtbot.waitUntil(lambda: window.details_panel.text().count("No file selected") == 1, timeout=2000)


def test_details_show_exact_rate_timecode_and_totals(qtbot, window, library_dir) -> None:
    scanned(qtbot, window, library_dir)
    details = window.details_panel
    select(qtbot, window, "sunrise_beach.mov")
    qtbot.waitUntil(lambda: "sunrise_beach.mov" in details.text(), timeout=2000)
    text = details.text()
    assert "23.976 fps (24000/1001)" in text
    assert "01:00:00:00" in text
    assert str(library_dir) in text  # the folder, selectable
    select(qtbot, window, "sunrise_beach.mov", "city_night.mp4")
    qtbot.waitUntil(lambda: "2 files selected" in details.text(), timeout=2000)
    assert "Total duration" in details.text() and "2 video" in details.text()
    select(qtbot, window, "broken.mp4")
    qtbot.waitUntil(lambda: "Cannot be read" in details.text(), timeout=2000)


def test_copied_file_appears_and_rename_keeps_tags(qtbot, window, library_dir, app_context, tmp_path) -> None:
    scanned(qtbot, window, library_dir)
    outside = make_clip(tmp_path / "outside.mov", frames=12, size=(160, 90))
    shutil.copy(outside, library_dir / "arrived.mov")
    qtbot.waitUntil(lambda: "arrived.mov" in names(window), timeout=5000)

    panel = window.library_panel
    (media_id,) = select(qtbot, window, "city_night.mp4")
    app_context.library.add_tags([media_id], ["keeper"])
    (library_dir / "city_night.mp4").rename(library_dir / "city_at_night.mp4")
    qtbot.waitUntil(lambda: "city_at_night.mp4" in names(window), timeout=5000)
    row = panel.model.row_for_id(media_id)
    assert panel.model.index(row, Col.NAME).data() == "city_at_night.mp4"  # same id, new name
    assert panel.model.index(row, Col.TAGS).data() == "keeper"
    assert panel.model.index(row, Col.NAME).data(MEDIA_ID_ROLE) == media_id
    assert panel.selected_ids() == [media_id]  # the selection followed the row


def test_window_state_columns_and_selection_persist(qtbot, app_context, library_dir) -> None:
    first = MainWindow(app_context)
    first.show()
    qtbot.waitExposed(first)
    scanned(qtbot, first, library_dir)
    first.resize(760, 700)  # inside the 800×800 offscreen screen, so restoring need not shrink it
    first.library_panel.view.setColumnWidth(Col.NAME, 411)
    first.library_panel.view.horizontalHeader().moveSection(Col.SIZE, 1)
    first.jobs_dock.hide()
    first.library_panel.view.sortByColumn(Col.SIZE, Qt.SortOrder.DescendingOrder)
    (chosen,) = select(qtbot, first, "low_water.flac")
    size = first.size()
    dispose(first)

    second = MainWindow(app_context)
    second.show()
    qtbot.waitExposed(second)
    try:
        header = second.library_panel.view.horizontalHeader()
        assert header.sectionSize(Col.NAME) == 411
        assert header.visualIndex(Col.SIZE) == 1
        assert second.jobs_dock.isHidden() and not second.jobs_dock.toggleViewAction().isChecked()
        assert second.size() == size
        assert second.library_panel.current_filter().sort == "size"
        assert second.library_panel.current_filter().descending
        assert second.library_panel.selected_ids() == [chosen]
        qtbot.waitUntil(lambda: "low_water.flac" in second.details_panel.text(), timeout=2000)
    finally:
        dispose(second)


def test_errors_are_reported_without_a_modal_box(qtbot, window) -> None:
    window.ctx.library.error_raised.emit("Scan library: cannot open library folder /gone")
    qtbot.waitUntil(window.toast.isVisible, timeout=2000)
    assert "/gone" in window.toast.message()
    assert "/gone" in window.status.currentMessage()
    assert QApplication.activeModalWidget() is None


def test_settings_lists_roots_and_removes_only_catalog_entries(qtbot, window, library_dir, app_context) -> None:
    scanned(qtbot, window, library_dir)
    window.menus.settings.trigger()
    dialog = window.settings_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    assert [dialog.roots.item(i).text() for i in range(dialog.roots.count())] == [str(library_dir)]
    dialog.roots.setCurrentRow(0)
    asked: list[str] = []
    dialog.confirm = lambda title, text: asked.append(text) or True
    dialog.remove_button.click()
    assert "not touched" in asked[0]
    qtbot.waitUntil(lambda: dialog.roots.count() == 0 and window.library_panel.model.rowCount() == 0, timeout=3000)
    assert app_context.catalog.count() == 0
    assert (library_dir / "sunrise_beach.mov").exists()
    assert window.library_panel.stack.currentWidget() is window.library_panel.empty_library
    dialog.choose_folder = lambda: str(library_dir)
    dialog.add_button.click()
    qtbot.waitUntil(lambda: dialog.roots.count() == 1 and window.library_panel.model.rowCount() == FILE_COUNT,
                    timeout=10000)
    dialog.reject()


def test_details_show_subclip_links_both_ways(qtbot, window, library_dir) -> None:
    from app.catalog.links import SubclipLink

    scanned(qtbot, window, library_dir)
    catalog = window.ctx.catalog
    source = catalog.id_for_path(library_dir / "sunrise_beach.mov")
    subclip = catalog.id_for_path(library_dir / "city_night.mp4")
    catalog.link_subclip(subclip, SubclipLink(source, str(library_dir / "sunrise_beach.mov"), 8, 31, 20, 24,
                                              handles=12, first_tc="01:00:00:08", last_tc="01:00:01:07",
                                              event_number=3, timeline="cut.edl"))
    details = window.details_panel
    select(qtbot, window, "city_night.mp4")
    qtbot.waitUntil(lambda: "city_night.mp4" in details.text(), timeout=2000)
    text = details.text()
    assert "sunrise_beach.mov" in text and "8–31 (01:00:00:08–01:00:01:07)" in text
    assert "3 of cut.edl" in text and "Handles" in text
    select(qtbot, window, "sunrise_beach.mov")
    qtbot.waitUntil(lambda: "Subclips (1)" in details.text(), timeout=2000)
    assert "city_night.mp4 — 8–31" in details.text()
