"""Title, Artist, Album, Track and Folder columns: shown from the tags, sorted by the catalog as the CLI sorts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QTableView

from app.ui.library.columns import Col
from app.ui.library.table_model import LibraryTableModel
from app.ui.main_window import HEADER_COLUMNS_KEY, HEADER_KEY, MainWindow
from tests.media import make_audio, make_clip
from tests.qt.conftest import dispose

ROOT = Path(__file__).resolve().parents[2]
SONGS = {  # path under the library folder: tags
    "b/low_water.flac": {"title": "Low Water", "artist": "Nina Vale", "album": "Harbour Lights",
                         "tracknumber": "2/9"},
    "a/morning_tide.mp3": {"title": "Morning Tide", "artist": "Nina Vale", "album": "Harbour Lights",
                           "tracknumber": 1},
    "c/static.mp3": {"title": "Static", "artist": "the Quiet Rooms", "albumartist": "Various",
                     "album": "Rooms", "tracknumber": 4, "discnumber": "2/2"},
    "a/aria.mp3": {"title": "Aria", "artist": "Anna Berg", "album": "Zero", "tracknumber": 7},
}


@pytest.fixture
def model(qtbot, app_context, media_dir: Path) -> LibraryTableModel:
    for name, tags in SONGS.items():
        (media_dir / name).parent.mkdir(exist_ok=True)
        make_audio(media_dir / name, tags=tags, seconds=0.3)
    make_clip(media_dir / "b" / "untagged.mov", rate="25", frames=12, size=(160, 90))
    app_context.library.add_paths([str(media_dir)])
    catalog = app_context.catalog
    qtbot.waitUntil(lambda: catalog.count() == len(SONGS) + 1 and not app_context.library.scanning
                    and not catalog.status_counts().get("pending"), timeout=20000)
    return LibraryTableModel(app_context.library)


def column(model: LibraryTableModel, col: Col) -> list[str]:
    return [model.index(row, col).data() for row in range(model.rowCount())]


def cli_order(catalog_path: Path, key: str, descending: bool = False) -> list[str]:
    """File names in the order `reelkeep list --sort KEY` prints them (a real process)."""
    args = [sys.executable, "-m", "app", "--catalog", str(catalog_path), "list", "--sort", key]
    out = subprocess.run(args + (["--desc"] if descending else []), cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return [os.path.basename(line.split("\t")[5]) for line in out.splitlines()]


def test_tag_and_folder_columns_show_the_tags(model: LibraryTableModel, media_dir: Path) -> None:
    model.sort(Col.NAME)
    assert column(model, Col.NAME) == ["aria.mp3", "low_water.flac", "morning_tide.mp3", "static.mp3",
                                       "untagged.mov"]
    assert column(model, Col.TITLE) == ["Aria", "Low Water", "Morning Tide", "Static", ""]
    assert column(model, Col.ARTIST) == ["Anna Berg", "Nina Vale", "Nina Vale", "Various", ""]
    assert column(model, Col.ALBUM) == ["Zero", "Harbour Lights", "Harbour Lights", "Rooms", ""]
    assert column(model, Col.TRACK) == ["7", "2", "1", "2-04", ""]
    assert column(model, Col.FOLDER) == [str(media_dir / d) for d in ("a", "b", "a", "c", "b")]
    static = model.index(3, Col.ARTIST).data(Qt.ItemDataRole.ToolTipRole)
    assert "the Quiet Rooms" in static and "Various" in static
    for col in (Col.TITLE, Col.ARTIST, Col.ALBUM, Col.TRACK, Col.FOLDER):
        assert model.headerData(col, Qt.Orientation.Horizontal) == col.name.title()


@pytest.mark.parametrize(("col", "key"), [(Col.ARTIST, "artist"), (Col.ALBUM, "album"), (Col.TITLE, "title"),
                                          (Col.TRACK, "track"), (Col.FOLDER, "path")])
def test_columns_sort_like_the_cli(model: LibraryTableModel, app_context, tmp_path: Path, col: Col,
                                   key: str) -> None:
    for order, descending in ((Qt.SortOrder.AscendingOrder, False), (Qt.SortOrder.DescendingOrder, True)):
        model.sort(col, order)
        assert model.library_filter.sort == key and model.library_filter.descending is descending
        assert column(model, Col.NAME) == cli_order(tmp_path / "catalog.sqlite", key, descending)
    model.sort(col, Qt.SortOrder.AscendingOrder)
    shown = column(model, col)
    expected = {Col.ARTIST: ["", "Anna Berg", "Nina Vale", "Nina Vale", "Various"],
                Col.ALBUM: ["", "Harbour Lights", "Harbour Lights", "Rooms", "Zero"],
                Col.TITLE: ["Aria", "Low Water", "Morning Tide", "Static", ""],  # untitled: by its name
                Col.TRACK: ["", "1", "2", "7", "2-04"],
                Col.FOLDER: [str(tmp_path / "media" / d) for d in ("a", "a", "b", "b", "c")]}[col]
    assert shown == expected


def test_a_header_saved_before_these_columns_keeps_their_defaults(qtbot, app_context) -> None:
    old_model = QStandardItemModel(0, 12)  # the table as the last version had it
    old = QTableView()
    old.setModel(old_model)
    old.horizontalHeader().hideSection(Col.KIND)
    old.horizontalHeader().resizeSection(Col.NAME, 333)
    app_context.settings.set_value(HEADER_KEY, old.horizontalHeader().saveState())
    win = MainWindow(app_context)
    header = win.library_panel.view.horizontalHeader()
    hidden = {Col(c) for c in range(header.count()) if header.isSectionHidden(c)}
    assert hidden == {Col.KIND, Col.TITLE, Col.TRACK, Col.FOLDER}
    assert header.sectionSize(Col.NAME) == 333 and header.sectionSize(Col.ARTIST) == 120
    assert [a.isChecked() for a in win.library_panel.column_actions] == [c not in hidden for c in Col]
    win.save_settings()
    assert int(app_context.settings.value(HEADER_COLUMNS_KEY)) == len(Col)
    app_context.player.shutdown()
    dispose(win)
